"""A presenter scene's frames: the host clip placed by its layout over the product photo, and the product card.

The host clip is decoded by ShotFrames at exactly the host box's size (no per-frame resize); the product photo
and the card are drawn once per rendition; the only per-frame work beyond the host is the picture-in-picture
photo's slow push-in (one affine warp) and the blends.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import cards
from .frame_sources import Overlay, ShotFrames
from .presenter_layout import card_region, host_box, product_box
from .text_fit import Text, fit_text, paint_mask
from .timeline import Box, PresenterClip, ProductCard, Segment, ShotClip, Style, parse_hex_color

PANEL_OPACITY = 0.88
PANEL_PADDING = 0.035  # of the short side
TITLE_SIZE = 0.055
PRICE_SIZE = 0.085
TITLE_LINES = 2
PIP_CORNER = 0.08  # corner radius, of the window's width
PIP_BORDER = 0.012  # of the short side
PUSH_IN = 0.06  # the pip background grows by this much over the scene


class PresenterFrames:
    def __init__(self, segment: Segment, size: tuple[int, int], fps: int, style: Style):
        content: PresenterClip = segment.content
        width, height = size
        self.size, self.layout = size, content.layout
        self.box = host_box(content.layout, width, height)
        self.host = ShotFrames(ShotClip(content.host), (self.box.width, self.box.height), fps)
        self.length = max(1, round(segment.duration * fps))
        photo_box = product_box(content.layout, width, height)
        self.background = cards.card_background(size, style)
        self.photo = None
        if photo_box is not None and content.photo:
            fitted = photo_fitted(content.photo, (photo_box.width, photo_box.height))
            if content.layout == "pip":
                self.photo = fitted
            else:
                self.background[photo_box.top:photo_box.bottom, photo_box.left:photo_box.right] = fitted
        self.card = Overlay(product_card_layer(content.card, size, style, card_region_clear_of_captions(
            content.layout, size, style)), size)
        if content.layout == "pip":
            self.window_alpha, self.window_inner, self.window_border = _rounded_window(self.box, style, min(size))

    def check(self) -> None:
        self.host.check()

    def prepare(self) -> None:
        self.host.prepare()

    def close(self) -> None:
        self.host.close()

    def frame(self, index: int) -> np.ndarray:
        host = self.host.frame(index)
        box = self.box
        if self.layout == "full":
            frame = np.array(host)
        elif self.layout == "split":
            frame = self.background.copy()
            frame[box.top:box.bottom, box.left:box.right] = host
        else:
            frame = self._pushed_in(index) if self.photo is not None else self.background.copy()
            region = frame[box.top:box.bottom, box.left:box.right]
            alpha = self.window_alpha
            region[...] = cv2.blendLinear(region, self.window_border, 1 - alpha, alpha)
            inner = self.window_inner
            region[...] = cv2.blendLinear(region, np.ascontiguousarray(host), 1 - inner, inner)
        self.card.blend_onto(frame)
        return frame

    def _pushed_in(self, index: int) -> np.ndarray:
        width, height = self.size
        scale = 1 + PUSH_IN * min(1.0, index / max(1, self.length - 1))
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0, scale)
        return cv2.warpAffine(self.photo, matrix, (width, height), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)


def _rounded_window(box: Box, style: Style, short: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pip window's outer mask (border included), its inner mask (where the host shows) and the border's
    colour as an image."""
    border = max(2, round(short * PIP_BORDER))
    radius = round(box.width * PIP_CORNER)
    outer = _rounded_mask((box.width, box.height), radius)
    inner_mask = np.zeros_like(outer)
    inner = _rounded_mask((box.width - 2 * border, box.height - 2 * border), max(1, radius - border))
    inner_mask[border:box.height - border, border:box.width - border] = inner
    colour = np.empty((box.height, box.width, 3), np.uint8)
    colour[...] = parse_hex_color(style.foreground)
    return outer, inner_mask, colour


def _rounded_mask(size: tuple[int, int], radius: int) -> np.ndarray:
    scale = 4
    big = Image.new("L", (size[0] * scale, size[1] * scale), 0)
    ImageDraw.Draw(big).rounded_rectangle((0, 0, size[0] * scale - 1, size[1] * scale - 1), radius=radius * scale,
                                          fill=255)
    return np.asarray(big.resize(size, Image.Resampling.BOX), dtype=np.float32) / 255


def photo_fitted(path: str, size: tuple[int, int]) -> np.ndarray:
    """The whole product in the box (never cropped or stretched) over a blurred, darkened fill of itself."""
    width, height = size
    with Image.open(path) as source:
        photo = np.asarray(source.convert("RGB"))
    ph, pw = photo.shape[:2]
    cover = max(width / pw, height / ph)
    filled = cv2.resize(photo, (max(width, round(pw * cover)), max(height, round(ph * cover))),
                        interpolation=cv2.INTER_AREA)
    top, left = (filled.shape[0] - height) // 2, (filled.shape[1] - width) // 2
    filled = filled[top:top + height, left:left + width]
    filled = cv2.GaussianBlur(filled, (0, 0), sigmaX=max(2.0, min(size) / 30))
    filled = (filled.astype(np.float32) * 0.55).astype(np.uint8)
    contain = min(width / pw, height / ph)
    inner = cv2.resize(photo, (max(1, round(pw * contain)), max(1, round(ph * contain))),
                       interpolation=cv2.INTER_AREA if contain < 1 else cv2.INTER_CUBIC)
    y, x = (height - inner.shape[0]) // 2, (width - inner.shape[1]) // 2
    filled[y:y + inner.shape[0], x:x + inner.shape[1]] = inner
    return np.ascontiguousarray(filled)


def card_region_clear_of_captions(layout: str, size: tuple[int, int], style: Style) -> Box:
    """The layout's card region, ending above where the spoken captions (one line) are burned in."""
    region = card_region(layout, *size)
    gap = round(min(size) * PANEL_PADDING / 2)
    return replace(region, bottom=min(region.bottom, cards.caption_band_top(size, style) - gap))


def product_card_layer(card: ProductCard, size: tuple[int, int], style: Style, region: Box) -> cards.Layer:
    """A rounded panel at the bottom of `region`: the product title, then its price (the old price struck through
    and the discount beside it when on sale)."""
    canvas, _ = _product_card(card, size, style, region, paint=True)
    return cards.Layer(np.asarray(canvas.crop(canvas.getchannel("A").getbbox())).copy(),
                       *canvas.getchannel("A").getbbox()[:2])


def product_card_fits(card: ProductCard, size: tuple[int, int], style: Style, region: Box) -> None:
    """ValueError naming the text when the card cannot be laid out (checked before any shot is made)."""
    _product_card(card, size, style, region, paint=False)


def _product_card(card: ProductCard, size, style: Style, region: Box, *, paint: bool):
    short = min(size)
    padding = max(4, round(short * PANEL_PADDING))
    measure = region.width - 2 * padding
    font_path = cards.font_path_for(style, card.title, card.price, card.compare_at, card.discount)
    smallest = max(8, round(short * cards.MIN_TEXT_SIZE))
    title = fit_text(card.title, font_path, round(short * TITLE_SIZE), smallest, measure, TITLE_LINES,
                     "product title on the presenter card")
    price_line = "   ".join(part for part in (card.price, card.discount) if part)
    price = fit_text(price_line, font_path, round(short * PRICE_SIZE), smallest, measure, 1,
                     "price on the presenter card")
    compare = (fit_text(card.compare_at, font_path, max(smallest, round(short * TITLE_SIZE * 0.8)), smallest,
                        measure, 1, "old price on the presenter card") if card.compare_at else None)
    gap = padding // 2
    rows: list[Text] = [title, price] + ([compare] if compare else [])
    height = sum(row.height for row in rows) + gap * (len(rows) - 1) + 2 * padding
    if height > region.height:
        raise ValueError(f"the presenter card needs {height}px but has {region.height}px at this size; shorten "
                         "the product title")
    if not paint:
        return None, height
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    top = region.bottom - height
    panel = Image.new("L", (region.width * 4, height * 4), 0)
    ImageDraw.Draw(panel).rounded_rectangle((0, 0, region.width * 4 - 1, height * 4 - 1), radius=padding * 4,
                                            fill=round(255 * PANEL_OPACITY))
    paint_mask(canvas, panel.resize((region.width, height), Image.Resampling.BOX), (region.left, top),
               parse_hex_color(style.background))
    y = top + padding
    colours = [parse_hex_color(style.foreground), parse_hex_color(style.accent), cards.muted_colour(style)]
    for row, colour in zip(rows, colours):
        row.draw(canvas, region.left + padding, y, measure, colour, "left")
        if row is compare:  # struck through: the price it was
            line_y = y + row.height // 2
            ImageDraw.Draw(canvas).line((region.left + padding, line_y, region.left + padding + row.width, line_y),
                                        fill=(*colour, 255), width=max(1, row.font.size // 12))
        y += row.height + gap
    return canvas, height
