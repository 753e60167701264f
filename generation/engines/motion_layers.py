"""The motion engine's two layers and how one frame is drawn from them.

Background: the photo scaled to cover the canvas, blurred and dimmed, kept at its small blurred size (it has no
detail to lose), so its per-frame resample is cheap. Foreground: the whole product photo, contained, kept sharp.
Each layer has its own camera pose, so the layers can move at different rates (parallax). Per frame: one float-box
bicubic resize per layer, the foreground pasted over the background with exact area coverage on its four edges
(a one-pixel, anti-aliased edge: no motion blur, no halo), no per-pixel Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

# The canvas is this much larger than the frame, giving the camera room to pan and zoom out.
CANVAS_SCALE = 1.25
# The photo is contained in this fraction of the frame at foreground zoom 1.
PRODUCT_FILL = 0.84
# Background: the photo scaled to cover, blurred by shrinking it this much, then dimmed.
BACKGROUND_SHRINK = 24
BACKGROUND_BRIGHTNESS = 0.55
# Edge-replicated border around the stored product, so a float box slightly outside it stays on the image.
_PAD = 4


@dataclass(frozen=True)
class CameraPose:
    """Where the camera looks at one layer. zoom 1 shows exactly one frame's worth of it; dx, dy move the view
    centre from the layer's centre, as fractions of the frame width and height (y points down)."""

    zoom: float
    dx: float = 0.0
    dy: float = 0.0


@dataclass(frozen=True)
class Layers:
    background: Image.Image  # small, blurred, dimmed; stands for a canvas of canvas_size
    canvas_size: tuple[int, int]
    product: Image.Image  # the stored product, padded by _PAD replicated pixels on every side
    product_size: tuple[float, float]  # the product's on-screen size at foreground zoom 1


def build_layers(photo: Image.Image, width: int, height: int, *, max_zoom: float = 1.0) -> Layers:
    """max_zoom: the largest foreground zoom the shot uses; the product is stored at that size (up to the
    photo's own resolution) so close-ups are sharp rather than upsampled."""
    canvas_w, canvas_h = round(width * CANVAS_SCALE), round(height * CANVAS_SCALE)
    cover = ImageOps.fit(photo, (canvas_w, canvas_h), Image.Resampling.BILINEAR)
    small = (max(1, canvas_w // BACKGROUND_SHRINK), max(1, canvas_h // BACKGROUND_SHRINK))
    blurred = cover.resize(small, Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(1))
    background = ImageEnhance.Brightness(blurred).enhance(BACKGROUND_BRIGHTNESS)

    base = min(width * PRODUCT_FILL / photo.width, height * PRODUCT_FILL / photo.height)
    stored = max(base, min(1.0, base * max_zoom))
    stored_size = (max(1, round(photo.width * stored)), max(1, round(photo.height * stored)))
    product = np.asarray(photo.resize(stored_size, Image.Resampling.LANCZOS))
    padded = Image.fromarray(np.pad(product, ((_PAD, _PAD), (_PAD, _PAD), (0, 0)), mode="edge"))
    return Layers(background, (canvas_w, canvas_h), padded, (photo.width * base, photo.height * base))


def render_frame(layers: Layers, background: CameraPose, foreground: CameraPose, width: int, height: int,
                 out: np.ndarray | None = None) -> np.ndarray:
    """Draw one (height, width, 3) uint8 frame: the background view, then the product over it."""
    canvas_w, canvas_h = layers.canvas_size
    left, top, right, bottom = _view_box(canvas_w, canvas_h, background, width, height)
    sx, sy = layers.background.width / canvas_w, layers.background.height / canvas_h
    view = layers.background.resize((width, height), Image.Resampling.BICUBIC,
                                    box=(left * sx, top * sy, right * sx, bottom * sy))
    frame = np.empty((height, width, 3), dtype=np.uint8) if out is None else out
    frame[...] = np.asarray(view)

    # The product's on-screen rectangle: centred on the layer, moved opposite to the view, scaled by zoom.
    z = foreground.zoom
    w, h = layers.product_size[0] * z, layers.product_size[1] * z
    x0 = width / 2 - foreground.dx * width * z - w / 2
    y0 = height / 2 - foreground.dy * height * z - h / 2
    ix0, iy0 = max(0, math.floor(x0)), max(0, math.floor(y0))
    ix1, iy1 = min(width, math.ceil(x0 + w)), min(height, math.ceil(y0 + h))
    if ix1 <= ix0 or iy1 <= iy0:
        return frame
    # Output pixels ix0..ix1 map to this float box of the stored product (its edges replicated outward).
    kx = (layers.product.width - 2 * _PAD) / w
    ky = (layers.product.height - 2 * _PAD) / h
    box = ((ix0 - x0) * kx + _PAD, (iy0 - y0) * ky + _PAD, (ix1 - x0) * kx + _PAD, (iy1 - y0) * ky + _PAD)
    # Only a product under a pixel or so across can reach past the padding; clamp it onto the image.
    box = (max(0.0, box[0]), max(0.0, box[1]), min(layers.product.width, box[2]), min(layers.product.height, box[3]))
    product = np.asarray(layers.product.resize((ix1 - ix0, iy1 - iy0), Image.Resampling.BICUBIC, box=box))

    # Fraction of each output column / row the product covers: 1 inside, partial on the (at most two) edges.
    cols = np.clip(np.minimum(np.arange(ix0, ix1) + 1, x0 + w) - np.maximum(np.arange(ix0, ix1), x0), 0, 1)
    rows = np.clip(np.minimum(np.arange(iy0, iy1) + 1, y0 + h) - np.maximum(np.arange(iy0, iy1), y0), 0, 1)
    region = frame[iy0:iy1, ix0:ix1]
    edge_rows, edge_cols = np.nonzero(rows < 1)[0], np.nonzero(cols < 1)[0]
    under_rows, under_cols = region[edge_rows].astype(np.float32), region[:, edge_cols].astype(np.float32)
    region[...] = product
    if edge_rows.size:
        cover = (rows[edge_rows, None] * cols[None, :])[..., None]
        region[edge_rows] = _blend(product[edge_rows], under_rows, cover)
    if edge_cols.size:
        cover = (rows[:, None] * cols[None, edge_cols])[..., None]
        region[:, edge_cols] = _blend(product[:, edge_cols], under_cols, cover)
    return frame


def _blend(top: np.ndarray, under: np.ndarray, cover: np.ndarray) -> np.ndarray:
    return np.rint(top * cover + under * (1 - cover)).astype(np.uint8)


def _view_box(canvas_w: int, canvas_h: int, pose: CameraPose, width: int, height: int):
    """The float window of the canvas (left, top, right, bottom) the camera sees at this pose."""
    view_w, view_h = width / pose.zoom, height / pose.zoom
    left = canvas_w / 2 + pose.dx * width - view_w / 2
    top = canvas_h / 2 + pose.dy * height - view_h / 2
    return left, top, left + view_w, top + view_h
