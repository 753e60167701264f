"""The motion engine's two layers and how one frame is drawn from them.

Background: a designed backdrop (a gradient in the brand's colours with a soft light behind the product) or, when
the product could not be cut out, the photo's own surroundings extended outward (mirrored, blurred, dimmed). It is
smooth, so it is kept small and its per-frame resample is cheap. Foreground: an RGBA layer, kept sharp: the
cut-out product with a soft contact shadow under it, or the photo (or a crop of it) as a panel with rounded
corners and a drop shadow. The product's box inside the foreground is known, so the engine sizes and places the
product itself, not the layer. Each layer has its own camera pose (parallax). Per frame: one float-box
resize per layer (bilinear for the smooth backdrop, bicubic for the product) and one alpha paste, all in
Pillow's C code, no per-pixel Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# The canvas is this much larger than the frame, giving the camera room to pan and zoom out.
CANVAS_SCALE = 1.25
# Backdrops are drawn this many times smaller than the canvas (they have no detail to lose).
BACKGROUND_SHRINK = 8
EXTENDED_SHRINK = 24  # the photo's extended surroundings are blurred by shrinking them this much
EXTENDED_BRIGHTNESS = 0.55
SHADOW_OPACITY = 0.45  # the contact shadow's darkest alpha
PANEL_RADIUS = 0.03  # a panel's corner radius, as a fraction of its shorter side


@dataclass(frozen=True)
class CameraPose:
    """Where the camera looks at one layer. zoom 1 shows exactly one frame's worth of it; dx, dy move the view
    centre from the layer's centre, as fractions of the frame width and height (y points down)."""

    zoom: float
    dx: float = 0.0
    dy: float = 0.0


@dataclass(frozen=True)
class Foreground:
    """An RGBA layer and where the product sits in it (pixels), before it is sized for a frame."""

    image: Image.Image
    product_box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Layers:
    background: Image.Image  # small RGB; stands for a canvas of canvas_size
    canvas_size: tuple[int, int]
    foreground: Image.Image  # RGBA, stored at the largest size the shot shows it (up to its own resolution)
    product_box: tuple[float, float, float, float]  # the product inside `foreground`, in its pixels
    product_size: tuple[float, float]  # the product's on-screen size (px) at foreground zoom 1
    anchor: tuple[float, float]  # where the product's centre sits at zoom 1 and no offset, in frame pixels


# --- foregrounds --------------------------------------------------------------------------------------


def cutout_foreground(photo: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int]) -> Foreground:
    """The product cut out along `mask` (float alpha at the photo's size), cropped to its box, on a transparent
    margin that holds a soft elliptical contact shadow under it."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    margin_x, margin_top, margin_bottom = round(width * 0.08) + 4, round(height * 0.04) + 4, round(height * 0.1) + 4
    canvas = np.zeros((height + margin_top + margin_bottom, width + 2 * margin_x, 4), np.uint8)
    shadow = Image.new("L", (canvas.shape[1], canvas.shape[0]), 0)
    floor = margin_top + height - round(height * 0.02)
    ImageDraw.Draw(shadow).ellipse(
        (margin_x + width * 0.08, floor - height * 0.035, margin_x + width * 0.92, floor + height * 0.035), fill=255
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(2.0, height * 0.025)))
    canvas[..., 3] = np.asarray(shadow, np.float32) * SHADOW_OPACITY
    alpha = mask[top:bottom, left:right, None]
    region = canvas[margin_top : margin_top + height, margin_x : margin_x + width]
    under = region[..., 3:4].astype(np.float32) / 255.0
    out_alpha = alpha + under * (1 - alpha)  # the product over its shadow (shadow colour: black)
    colour = photo[top:bottom, left:right].astype(np.float32) * alpha / np.maximum(out_alpha, 1e-6)
    region[..., :3] = np.rint(colour).astype(np.uint8)
    region[..., 3] = np.rint(out_alpha[..., 0] * 255).astype(np.uint8)
    return Foreground(Image.fromarray(canvas), (margin_x, margin_top, margin_x + width, margin_top + height))


def panel_foreground(
    photo: np.ndarray, crop: tuple[int, int, int, int], product: tuple[int, int, int, int] | None = None
) -> Foreground:
    """A crop of the photo as a panel with rounded corners and a soft drop shadow. `product`: the product's box in
    photo pixels (within the crop); None: the whole crop is the product (a print, a detail)."""
    left, top, right, bottom = crop
    width, height = right - left, bottom - top
    margin = round(max(width, height) * 0.04) + 4
    size = (width + 2 * margin, height + 2 * margin)
    radius = max(2, round(min(width, height) * PANEL_RADIUS))
    shape = Image.new("L", (width, height), 0)
    ImageDraw.Draw(shape).rounded_rectangle((0, 0, width - 1, height - 1), radius, fill=255)
    shadow = Image.new("L", size, 0)
    offset = round(margin * 0.35)
    shadow.paste(shape.point(lambda value: round(value * 0.5)), (margin, margin + offset))
    shadow = shadow.filter(ImageFilter.GaussianBlur(margin * 0.35))
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    layer.putalpha(shadow)
    picture = Image.fromarray(np.ascontiguousarray(photo[top:bottom, left:right])).convert("RGBA")
    picture.putalpha(shape)
    layer.alpha_composite(picture, (margin, margin))
    p_left, p_top, p_right, p_bottom = product if product is not None else crop
    return Foreground(
        layer, (p_left - left + margin, p_top - top + margin, p_right - left + margin, p_bottom - top + margin)
    )


# --- backgrounds --------------------------------------------------------------------------------------


def gradient_background(
    canvas_size: tuple[int, int], colours: Sequence[tuple[int, int, int]], light_at: tuple[float, float]
) -> Image.Image:
    """A small backdrop standing for the canvas: a vertical gradient from the first colour (lightened) to the
    first colour darkened, tinted toward the second, with a soft light around `light_at` (canvas fractions)."""
    width, height = (max(2, canvas_size[0] // BACKGROUND_SHRINK), max(2, canvas_size[1] // BACKGROUND_SHRINK))
    base = np.array(colours[0], np.float32)
    tint = np.array(colours[1] if len(colours) > 1 else colours[0], np.float32)
    top_colour = base + (255 - base) * 0.06
    bottom_colour = (base * 0.55) * 0.8 + tint * 0.2 * 0.55
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (ys / max(1, height - 1))[..., None]
    picture = top_colour * (1 - t) + bottom_colour * t
    reach = 0.55 * max(width, height)
    glow = np.exp(-(((xs - light_at[0] * width) ** 2 + (ys - light_at[1] * height) ** 2) / (reach * reach)))
    light = base + (255 - base) * 0.22
    picture = picture * (1 - 0.55 * glow[..., None]) + light * 0.55 * glow[..., None]
    return Image.fromarray(np.clip(np.rint(picture), 0, 255).astype(np.uint8))


def extended_background(
    photo: np.ndarray, canvas_size: tuple[int, int], scale: float, centre: tuple[float, float], at: tuple[float, float]
) -> Image.Image:
    """The photo's own surroundings carried past its edges: the photo at `scale` (canvas px per photo px), its
    point `centre` (photo px) placed at `at` (canvas px), mirrored outward to fill the canvas, blurred and dimmed.
    Drawn at 1/EXTENDED_SHRINK of the canvas."""
    small_w, small_h = max(2, canvas_size[0] // EXTENDED_SHRINK), max(2, canvas_size[1] // EXTENDED_SHRINK)
    factor = scale / EXTENDED_SHRINK
    height, width = photo.shape[:2]
    scaled_w, scaled_h = max(1, round(width * factor)), max(1, round(height * factor))
    picture = cv2.resize(photo, (scaled_w, scaled_h), interpolation=cv2.INTER_AREA)
    x0 = round(at[0] / EXTENDED_SHRINK - centre[0] * factor)
    y0 = round(at[1] / EXTENDED_SHRINK - centre[1] * factor)
    pad_left, pad_top = max(0, x0), max(0, y0)
    pad_right, pad_bottom = max(0, small_w - (x0 + scaled_w)), max(0, small_h - (y0 + scaled_h))
    # Reflection needs the padding smaller than the picture; repeat it in steps for a tiny scaled photo.
    extended = picture
    while pad_left or pad_top or pad_right or pad_bottom:
        step = [
            min(pad, side - 1)
            for pad, side in (
                (pad_top, extended.shape[0]),
                (pad_bottom, extended.shape[0]),
                (pad_left, extended.shape[1]),
                (pad_right, extended.shape[1]),
            )
        ]
        if not any(step):
            extended = cv2.copyMakeBorder(extended, pad_top, pad_bottom, pad_left, pad_right, cv2.BORDER_REPLICATE)
            break
        extended = cv2.copyMakeBorder(extended, *step, cv2.BORDER_REFLECT_101)
        pad_top, pad_bottom, pad_left, pad_right = (
            pad - done for pad, done in zip((pad_top, pad_bottom, pad_left, pad_right), step)
        )
    ox, oy = max(0, -x0), max(0, -y0)
    view = extended[oy : oy + small_h, ox : ox + small_w]
    view = cv2.GaussianBlur(view, (0, 0), 1.2)
    return Image.fromarray(np.clip(view.astype(np.float32) * EXTENDED_BRIGHTNESS, 0, 255).astype(np.uint8))


# --- layers and frames --------------------------------------------------------------------------------


def build_layers(
    foreground: Foreground,
    background: Image.Image,
    canvas_size: tuple[int, int],
    *,
    product_size: tuple[float, float],
    anchor: tuple[float, float],
    max_zoom: float = 1.0,
) -> Layers:
    """Store the foreground at the size the shot needs: the product product_size (px) at zoom 1, times max_zoom,
    never above the foreground's own resolution (so close-ups are sharp, not upsampled)."""
    p_left, p_top, p_right, p_bottom = foreground.product_box
    base = product_size[0] / max(1e-6, p_right - p_left)
    stored = min(1.0, base * max(1.0, max_zoom))
    image = foreground.image
    if stored < 1.0:
        size = (max(1, round(image.width * stored)), max(1, round(image.height * stored)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    scale_x, scale_y = image.width / foreground.image.width, image.height / foreground.image.height
    box = (p_left * scale_x, p_top * scale_y, p_right * scale_x, p_bottom * scale_y)
    return Layers(background, canvas_size, image, box, product_size, anchor)


def product_rect(layers: Layers, foreground: CameraPose, width: int, height: int) -> tuple[float, float, float, float]:
    """The product's on-screen box (left, top, right, bottom) in pixels at this foreground pose: centred on the
    anchor, moved opposite to the view, scaled by zoom."""
    z = foreground.zoom
    w, h = layers.product_size[0] * z, layers.product_size[1] * z
    centre_x = layers.anchor[0] - foreground.dx * width * z
    centre_y = layers.anchor[1] - foreground.dy * height * z
    return centre_x - w / 2, centre_y - h / 2, centre_x + w / 2, centre_y + h / 2


def render_frame(
    layers: Layers,
    background: CameraPose,
    foreground: CameraPose,
    width: int,
    height: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Draw one (height, width, 3) uint8 frame: the background view, then the foreground over it."""
    canvas_w, canvas_h = layers.canvas_size
    left, top, right, bottom = _view_box(canvas_w, canvas_h, background, width, height)
    sx, sy = layers.background.width / canvas_w, layers.background.height / canvas_h
    # Bilinear is enough for a backdrop this smooth (a gradient, a blurred surrounding) and half bicubic's cost.
    view = layers.background.resize(
        (width, height), Image.Resampling.BILINEAR, box=(left * sx, top * sy, right * sx, bottom * sy)
    )

    # The foreground's on-screen placement: its product box lands on product_rect.
    x0, y0, x1, _ = product_rect(layers, foreground, width, height)
    p_left, p_top, p_right, _ = layers.product_box
    k = (x1 - x0) / (p_right - p_left)  # screen px per stored px
    fx0, fy0 = x0 - p_left * k, y0 - p_top * k
    fw, fh = layers.foreground.width * k, layers.foreground.height * k
    # Whole output pixels inside the layer (its outer pixel ring is transparent margin, so none is lost).
    ix0, iy0 = max(0, math.ceil(fx0)), max(0, math.ceil(fy0))
    ix1, iy1 = min(width, math.floor(fx0 + fw)), min(height, math.floor(fy0 + fh))
    if ix1 > ix0 and iy1 > iy0:
        box = ((ix0 - fx0) / k, (iy0 - fy0) / k, (ix1 - fx0) / k, (iy1 - fy0) / k)
        box = (
            max(0.0, box[0]),
            max(0.0, box[1]),
            min(float(layers.foreground.width), box[2]),
            min(float(layers.foreground.height), box[3]),
        )
        layer = layers.foreground.resize((ix1 - ix0, iy1 - iy0), Image.Resampling.BICUBIC, box=box)
        view.paste(layer, (ix0, iy0), layer)
    frame = np.empty((height, width, 3), dtype=np.uint8) if out is None else out
    frame[...] = np.asarray(view)
    return frame


def _view_box(canvas_w: int, canvas_h: int, pose: CameraPose, width: int, height: int):
    """The float window of the canvas (left, top, right, bottom) the camera sees at this pose."""
    view_w, view_h = width / pose.zoom, height / pose.zoom
    left = canvas_w / 2 + pose.dx * width - view_w / 2
    top = canvas_h / 2 + pose.dy * height - view_h / 2
    return left, top, left + view_w, top + view_h
