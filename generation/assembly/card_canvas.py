"""What every still drawn for a video shares: the frame's geometry (safe area, text measure, smallest readable
size), the brand's colours, and the drawing primitives (a transparent canvas, smooth masks, a cropped Layer, the
logo scaled to a box, and Items laid out in Stacks). cards.py draws cards with them, overlays.py the caption,
badge and watermark, ai_label.py the AI label.

Layers are straight (not premultiplied) RGBA. Each element is painted as a coverage mask in one colour and
alpha-composited, because drawing anti-aliased ink straight onto a transparent canvas blends its edges with
transparent black and leaves dark fringes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from .fonts import title_font
from .text_fit import Text, ink_width
from .timeline import Box, Style, parse_hex_color, safe_area

Size = tuple[int, int]  # (width, height) of the frame
RGB = tuple[int, int, int]

# Fractions of the frame's short side.
MIN_TEXT_SIZE = 0.03  # smallest readable text: 32 px at 1080
# ...and never under these fractions of the frame's height (the font's size, so every line's box is taller still):
# phones show a 1080x1920 feed video about 14 cm tall, and text under ~5 mm there is skipped, not read. The call
# to action, the one thing the viewer must act on, is bigger.
MIN_TEXT_HEIGHT, MIN_CTA_HEIGHT = 0.035, 0.05
MAX_MEASURE = 1.4  # text lines span at most this many short sides, so 16:9 lines stay readable
SUPERSAMPLE = 4  # shapes (circles, pills) are drawn this much larger and shrunk, for smooth edges


@dataclass(frozen=True)
class Layer:
    """Straight (not premultiplied) RGBA, cropped to what it draws, placed at (x, y) in the frame."""

    image: np.ndarray  # (h, w, 4) uint8
    x: int
    y: int
    # Every line of text the layer draws, in frame pixels: the line's ink width by its font's ascent + descent
    # (what the legibility checks and the quality report measure).
    text_boxes: tuple[Box, ...] = ()


def text_colour_on(background_hex: str) -> RGB:
    """Black or white, whichever has the higher WCAG contrast ratio against the colour."""
    background = luminance(background_hex)
    contrast_with_white = 1.05 / (background + 0.05)
    contrast_with_black = (background + 0.05) / 0.05
    return (255, 255, 255) if contrast_with_white >= contrast_with_black else (0, 0, 0)


# --- the frame and colours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    size: Size
    short: int
    safe: Box
    measure: int  # the widest a text line may be

    @classmethod
    def of(cls, size: Size) -> Frame:
        width, height = size
        safe = safe_area(width, height)
        short = min(width, height)
        return cls(size, short, safe, min(safe.width, round(short * MAX_MEASURE)))

    def px(self, fraction: float, scale: float = 1.0) -> int:
        return max(1, round(self.short * fraction * scale))

    @property
    def smallest(self) -> int:
        """The smallest font size any text may have."""
        return max(self.px(MIN_TEXT_SIZE), math.ceil(self.size[1] * MIN_TEXT_HEIGHT))

    @property
    def smallest_cta(self) -> int:
        return max(self.px(MIN_TEXT_SIZE), math.ceil(self.size[1] * MIN_CTA_HEIGHT))


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in parse_hex_color(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def muted_colour(style: Style) -> RGB:
    """The foreground colour a quarter of the way to the background: secondary text."""
    fg, bg = parse_hex_color(style.foreground), parse_hex_color(style.background)
    return tuple(round(f * 0.75 + b * 0.25) for f, b in zip(fg, bg))


def font_path_for(style: Style, *texts: str) -> str:
    """The brand's font, else the bundled one with a script covering every text on the card."""
    return style.font_path or str(title_font(*texts))


# --- drawing primitives ------------------------------------------------------------------------------


def blank_canvas(size: Size) -> Image.Image:
    return Image.new("RGBA", size, (0, 0, 0, 0))


def shape_mask(size: Size, draw_shape: Callable[[ImageDraw.ImageDraw, int, int], None]) -> Image.Image:
    """A smooth-edged coverage mask: draw_shape(draw, w, h) paints at SUPERSAMPLE times the size."""
    big = (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
    mask = Image.new("L", big, 0)
    draw_shape(ImageDraw.Draw(mask), *big)
    return mask.resize(size, Image.Resampling.BOX)


def pill_mask(size: Size) -> Image.Image:
    return shape_mask(size, lambda draw, w, h: draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=h // 2, fill=255))


def cropped_layer(canvas: Image.Image, *, empty_ok: bool = False) -> Layer | None:
    """Crop the canvas to what is drawn on it."""
    bbox = canvas.getchannel("A").getbbox()
    if bbox is None:
        if empty_ok:
            return None
        raise ValueError("nothing to draw")
    return Layer(np.asarray(canvas.crop(bbox)).copy(), bbox[0], bbox[1])


def contained_logo(path: str, max_width: int, max_height: int) -> Image.Image:
    """The logo scaled (up or down) to fit max_width x max_height, aspect kept (a copy: callers may change it)."""
    return contained_logo_cached(path, os.stat(path).st_mtime_ns, max_width, max_height).copy()


@lru_cache(maxsize=32)
def contained_logo_cached(path: str, modified: int, max_width: int, max_height: int) -> Image.Image:
    # Every card of every rendition of a render draws the same logo: decode and scale it once per size.
    with Image.open(path) as source:
        logo = source.convert("RGBA")
    scale = min(max_width / logo.width, max_height / logo.height)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    # Resampled premultiplied, so transparent pixels' (arbitrary) colour cannot bleed into the edges.
    return logo.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")


# --- stacks: a card's elements, top to bottom --------------------------------------------------------


def no_lines(x: int, y: int) -> tuple[Box, ...]:
    return ()


@dataclass(frozen=True)
class Item:
    """Something a stack places: its size, how to paint it with its top-left corner at (x, y), how it enters (one
    of MOTIONS), and where its lines of text fall when drawn at (x, y). A group (group) is made of parts at
    offsets, which enter one by one."""

    width: int
    height: int
    paint: Callable[[Image.Image, int, int], None]
    motion: str = "rise"
    lines: Callable[[int, int], tuple[Box, ...]] = no_lines
    parts: tuple[tuple[int, int, Item], ...] = ()

    def draw(self, canvas: Image.Image, x: int, y: int) -> None:
        self.paint(canvas, x, y)

    def leaves(self, x: int, y: int) -> Iterator[tuple[Item, int, int]]:
        """The items that enter on their own, with where each is drawn, in drawing order."""
        if not self.parts:
            yield self, x, y
        for dx, dy, part in self.parts:
            yield from part.leaves(x + dx, y + dy)


def group(width: int, height: int, parts: list[tuple[int, int, Item]]) -> Item:
    def paint(canvas: Image.Image, x: int, y: int) -> None:
        for dx, dy, part in parts:
            part.draw(canvas, x + dx, y + dy)

    return Item(width, height, paint, parts=tuple(parts))


def text_line_boxes(text: Text, left: int, top: int, width: int, align: str) -> tuple[Box, ...]:
    """Where each line of a Text drawn by Text.draw(canvas, left, top, width, ...) falls: its ink width by the
    font's ascent + descent (other drawers, e.g. the presenter's product card, fill Layer.text_boxes with it)."""
    ascent, descent = text.font.getmetrics()
    boxes = []
    for index, line in enumerate(text.lines):
        ink = ink_width(text.font, line)
        x = left + ((width - ink) // 2 if align == "center" else 0)
        y = top + index * text.line_pitch
        boxes.append(Box(x, y, x + ink, y + ascent + descent))
    return tuple(boxes)


@dataclass(frozen=True)
class Stack:
    items: tuple[Item, ...]
    gap: int
    align: str = "center"  # "left": items share a left edge, the block is centred as a whole

    @property
    def height(self) -> int:
        return sum(item.height for item in self.items) + self.gap * (len(self.items) - 1)

    @property
    def width(self) -> int:
        return max(item.width for item in self.items)

    def placed(self, region: Box) -> Iterator[tuple[Item, int, int]]:
        """Each item with its top-left corner, the stack centred in region as a block, vertically and horizontally."""
        y = region.top + (region.height - self.height) // 2
        block_left = region.left + (region.width - self.width) // 2
        for item in self.items:
            x = region.left + (region.width - item.width) // 2 if self.align == "center" else block_left
            yield item, x, y
            y += item.height + self.gap

    def draw(self, canvas: Image.Image, region: Box) -> None:
        for item, x, y in self.placed(region):
            item.draw(canvas, x, y)

    def leaves(self, region: Box) -> Iterator[tuple[Item, int, int]]:
        for item, x, y in self.placed(region):
            yield from item.leaves(x, y)


def require_text(text: str, what: str) -> None:
    if not text or not text.strip():
        raise ValueError(f"the {what} is empty")
