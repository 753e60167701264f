"""Draw the still parts of a video with Pillow: card backgrounds, card contents and the overlays (caption,
discount badge, watermark), in the brand's colours and font.

Each is drawn once per rendition, never per frame; the renderer composites the returned layers. Sizes are
fractions of the frame's short side, so 9:16, 1:1, 16:9 and 4:5 renditions look alike, and everything stays
inside timeline.safe_area. Text is fitted, never cut off: the font shrinks, then lines wrap, up to a number of
lines; text that still does not fit at the smallest readable size raises ValueError saying what to shorten.

Layers are straight (not premultiplied) RGBA. Each element is painted as a coverage mask in one colour and
alpha-composited, because drawing anti-aliased ink straight onto a transparent canvas blends its edges with
transparent black and leaves dark fringes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import segno
from PIL import Image, ImageDraw

from .captions import MAX_CHARS_PER_LINE as CAPTION_MAX_CHARS
from .captions import MAX_LINES as CAPTION_MAX_LINES
from .captions import cue_lines
from .fonts import title_font
from .text_fit import (
    Text,
    fit_fewest_lines,
    fit_given_lines,
    fit_text,
    font_load,
    ink_width,
    paint_mask,
)
from .timeline import (
    WATERMARK_POSITIONS,
    Box,
    CallToAction,
    FeatureList,
    LogoCard,
    PriceCard,
    Style,
    TitleCard,
    parse_hex_color,
    safe_area,
)

Size = tuple[int, int]  # (width, height) of the frame
RGB = tuple[int, int, int]

# Every length below is a fraction of the frame's short side.
TITLE_SIZE, TITLE_LINES = 0.11, 3
SUBTITLE_SIZE, SUBTITLE_LINES = 0.06, 2
NAME_SIZE = 0.12
LOGO_BOX = 0.45
HEADLINE_SIZE = 0.065
PRICE_SIZE = 0.17
COMPARE_AT_SIZE = 0.075
HEADING_SIZE = 0.075
BULLET_SIZE, BULLET_LINES, MAX_FEATURE_BULLETS = 0.05, 3, 5
CTA_SIZE, CTA_LINES = 0.075, 3
URL_SIZE, URL_LINES = 0.045, 2
QR_SIDE = 0.35
QR_BORDER = 4  # modules of quiet zone, as the QR specification asks
QR_MIN_MODULE = 2  # pixels per module: below this a phone camera cannot read a video frame
CAPTION_SIZE = 0.05
BADGE_SIZE, BADGE_DIAMETER = 0.065, 0.19
WATERMARK_BOX = (0.33, 0.11)  # (width, height): 11% of the short side tall; very wide logos (over 3:1) narrower
WATERMARK_OPACITY = 0.85
CAPTION_BOX_ALPHA = 0.6
# Gap between the caption box and the bottom of the safe area: clear of a bottom-corner watermark, so the two never
# overlap whichever corner the brand kit picks.
CAPTION_LIFT = WATERMARK_BOX[1] + 0.03
MIN_TEXT_SIZE = 0.03  # smallest readable text: 32 px at 1080
# ...and never under these fractions of the frame's height (the font's size, so every line's box is taller still):
# phones show a 1080x1920 feed video about 14 cm tall, and text under ~5 mm there is skipped, not read. The call
# to action, the one thing the viewer must act on, is bigger.
MIN_TEXT_HEIGHT, MIN_CTA_HEIGHT = 0.035, 0.05
LAYOUT_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)  # tried in turn until a card's stack fits the safe height
MAX_MEASURE = 1.4  # text lines span at most this many short sides, so 16:9 lines stay readable
GRADIENT_STRENGTH = 0.12
SUPERSAMPLE = 4  # shapes (circles, pills) are drawn this much larger and shrunk, for smooth edges

ELLIPSIS = "…"
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# A long URL may break after a path or query separator (and only there).
_URL_TOKEN = re.compile(r"[^/?&#]+[/?&#]*|[/?&#]+")


@dataclass(frozen=True)
class Layer:
    """Straight (not premultiplied) RGBA, cropped to what it draws, placed at (x, y) in the frame."""

    image: np.ndarray  # (h, w, 4) uint8
    x: int
    y: int
    # Every line of text the layer draws, in frame pixels: the line's ink width by its font's ascent + descent
    # (what the legibility checks and the quality report measure).
    text_boxes: tuple[Box, ...] = ()


@dataclass(frozen=True)
class Part:
    """One element of a card drawn alone (a line of text, the price, the badge, the strike-through), with how it
    enters: frame_sources.CardFrames animates the parts in turn, then shows the whole card_layer."""

    layer: Layer
    motion: str  # one of MOTIONS


# How a card's parts enter: "rise" (slide up and fade in), "logo" (grow and fade in), "slam" (land from larger
# with a small overshoot), "pop" (scale up from nothing past full size and back), "strike" (drawn left to right).
MOTIONS = ("rise", "logo", "slam", "pop", "strike")


# --- what the compositor and the pre-flight checks call, each with its private helpers ---------------


def card_background(size: Size, style: Style) -> np.ndarray:
    """(H, W, 3) uint8: style.background at the top, shading toward black (light colours) or white (dark
    colours) down the frame, so a flat brand colour has some depth without changing hue."""
    width, height = size
    base = np.array(parse_hex_color(style.background), dtype=np.float32)
    target = np.zeros(3, np.float32) if _luminance(style.background) > 0.5 else np.full(3, 255, np.float32)
    amount = np.linspace(0.0, GRADIENT_STRENGTH, height, dtype=np.float32)[:, None]
    column = np.rint(base + (target - base) * amount).astype(np.uint8)  # (H, 3)
    return np.ascontiguousarray(np.broadcast_to(column[:, None, :], (height, width, 3)))


def card_layer(content, size: Size, style: Style) -> Layer:
    """A card's content (no background) as one layer: a TitleCard, LogoCard, PriceCard, FeatureList or
    CallToAction laid out as a vertically centred stack inside the safe area."""
    stack, frame = _card_stack(content, size, style)
    canvas = _canvas(size)
    stack.draw(canvas, frame.safe)
    boxes = tuple(box for item, x, y in stack.leaves(frame.safe) for box in item.lines(x, y))
    return replace(_layer(canvas), text_boxes=boxes)


def card_parts(content, size: Size, style: Style) -> tuple[Part, ...]:
    """The card_layer's elements one by one, top to bottom, each drawn alone on its own layer with how it enters
    (a line of text rises, the price slams, the badge pops, the strike-through is drawn). Composited at rest they
    make the card_layer."""
    stack, frame = _card_stack(content, size, style)
    parts = []
    for item, x, y in stack.leaves(frame.safe):
        canvas = _canvas(size)
        item.draw(canvas, x, y)
        layer = _layer(canvas, empty_ok=True)
        if layer is not None:
            parts.append(Part(replace(layer, text_boxes=item.lines(x, y)), item.motion))
    return tuple(parts)


def card_fits(content, size: Size, style: Style) -> None:
    """Lay the card out without painting it: ValueError saying what to shorten if it cannot fit (cheap enough to
    check every card of a render before its shots are made)."""
    _card_stack(content, size, style)


def _card_stack(content, size: Size, style: Style) -> tuple[_Stack, _Frame]:
    builders: dict[type, Callable[..., _Stack]] = {
        TitleCard: _title_stack,
        LogoCard: _logo_stack,
        PriceCard: _price_stack,
        FeatureList: _feature_stack,
        CallToAction: _cta_stack,
    }
    builder = builders.get(type(content))
    if builder is None:
        raise ValueError(f"cards draw {', '.join(t.__name__ for t in builders)}; got a {type(content).__name__}")
    frame = _Frame.of(size)
    for scale in LAYOUT_SCALES:
        stack = builder(content, frame, style, scale)
        if stack.height <= frame.safe.height:
            return stack, frame
    raise ValueError(
        f"the {type(content).__name__} needs {stack.height}px of height but the {size[0]}x{size[1]} frame's safe "
        f"area has {frame.safe.height}px even with the smallest text; shorten its texts"
    )


def caption_layer(text: str, size: Size, style: Style) -> Layer:
    """A burned-in caption: up to 2 lines of white text on a dark translucent rounded box, centred at the
    bottom of the safe area. Lines break where captions.cue_lines breaks them, so the picture matches the
    subtitle sidecars; only text too wide for that (long unspaced Japanese runs) is rewrapped by pixel width."""
    frame = _Frame.of(size)
    fitted = _caption_text(text, frame, style)
    pad_x, pad_y = _caption_padding(frame)
    box_w, box_h = fitted.width + 2 * pad_x, fitted.height + 2 * pad_y
    left = frame.safe.left + (frame.safe.width - box_w) // 2
    top = frame.safe.bottom - frame.px(CAPTION_LIFT) - box_h
    canvas = _canvas(size)
    box = _shape_mask(
        (box_w, box_h),
        lambda draw, w, h: draw.rounded_rectangle(
            (0, 0, w - 1, h - 1), radius=min(h // 2, round(fitted.line_pitch * 0.35 * SUPERSAMPLE)), fill=255
        ),
    )
    paint_mask(canvas, box, (left, top), (0, 0, 0), CAPTION_BOX_ALPHA)
    fitted.draw(canvas, left + pad_x, top + pad_y, fitted.width, (255, 255, 255), "center")
    return replace(
        _layer(canvas), text_boxes=text_line_boxes(fitted, left + pad_x, top + pad_y, fitted.width, "center")
    )


def caption_band_top(size: Size, style: Style, *, lines: int = 1) -> int:
    """How high a burned-in caption's box of `lines` lines reaches: what else at the bottom must stay above."""
    frame = _Frame.of(size)
    font = font_load(font_path_for(style, "Ag"), max(frame.px(CAPTION_SIZE), frame.smallest))
    box_height = Text(font, ("Ag",) * lines).height + 2 * _caption_padding(frame)[1]
    return frame.safe.bottom - frame.px(CAPTION_LIFT) - box_height


def caption_line_chars(size: Size, style: Style, text: str = "") -> int:
    """How many characters a burned-in caption line holds at this size (at most captions.MAX_CHARS_PER_LINE): what
    to split a caption's cues by, so a tall frame shows shorter cues at a readable size rather than long lines
    shrunk past it. Measured on lower-case text with a 10% margin for wider words."""
    frame = _Frame.of(size)
    font = font_load(font_path_for(style, text or "a"), max(frame.px(CAPTION_SIZE), frame.smallest))
    sample = "the quick brown fox jumps over a lazy dog "
    per_char = ink_width(font, sample) / len(sample)
    room = frame.measure - 2 * _caption_padding(frame)[0]
    return max(8, min(CAPTION_MAX_CHARS, int(room / per_char * 0.9)))


def caption_fits(text: str, size: Size, style: Style) -> None:
    """Fit the caption without painting it: ValueError saying what to shorten if it cannot fit."""
    _caption_text(text, _Frame.of(size), style)


def _caption_padding(frame: _Frame) -> tuple[int, int]:
    return round(frame.short * 0.025), round(frame.short * 0.012)


def _caption_text(text: str, frame: _Frame, style: Style) -> Text:
    if not text.strip():
        raise ValueError("a caption needs some text, got only whitespace")
    font_path = font_path_for(style, text)
    max_width = frame.measure - 2 * _caption_padding(frame)[0]
    start, smallest = frame.px(CAPTION_SIZE), frame.smallest
    lines = cue_lines(text)
    fitted = None
    if len(lines) <= CAPTION_MAX_LINES:
        fitted = fit_given_lines(lines, font_path, start, smallest, max_width)
    if fitted is None:
        fitted = fit_text(text, font_path, start, smallest, max_width, CAPTION_MAX_LINES, "caption")
    return fitted


def badge_layer(label: str, size: Size, style: Style) -> Layer:
    """A discount badge ("-25%"): a circle (a pill for long labels) in style.accent with the label in black or
    white, whichever reads better, at the top-left corner of the safe area."""
    frame = _Frame.of(size)
    badge = _badge_item(label, frame, style, 1.0)
    canvas = _canvas(size)
    badge.draw(canvas, frame.safe.left, frame.safe.top)
    return replace(_layer(canvas), text_boxes=badge.lines(frame.safe.left, frame.safe.top))


def watermark_layer(style: Style, size: Size, position: str) -> Layer | None:
    """The logo at ~11% of the short side, 85% opaque, in the named corner of the safe area; None for
    position "none" or a style without a logo."""
    if position not in WATERMARK_POSITIONS:
        raise ValueError(f"watermark {position!r} is unknown; use one of {', '.join(WATERMARK_POSITIONS)}")
    if position == "none" or not style.logo_path:
        return None
    frame = _Frame.of(size)
    logo = _contained_logo(style.logo_path, frame.px(WATERMARK_BOX[0]), frame.px(WATERMARK_BOX[1]))
    alpha = np.asarray(logo.getchannel("A"), dtype=np.float32) * WATERMARK_OPACITY
    logo.putalpha(Image.fromarray(np.rint(alpha).astype(np.uint8)))
    vertical, horizontal = position.split("-")
    safe = frame.safe
    x = safe.left if horizontal == "left" else safe.right - logo.width
    y = safe.top if vertical == "top" else safe.bottom - logo.height
    canvas = _canvas(size)
    canvas.alpha_composite(logo, (x, y))
    return _layer(canvas, empty_ok=True)


def text_colour_on(background_hex: str) -> RGB:
    """Black or white, whichever has the higher WCAG contrast ratio against the colour."""
    luminance = _luminance(background_hex)
    contrast_with_white = 1.05 / (luminance + 0.05)
    contrast_with_black = (luminance + 0.05) / 0.05
    return (255, 255, 255) if contrast_with_white >= contrast_with_black else (0, 0, 0)


# --- the frame and colours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    size: Size
    short: int
    safe: Box
    measure: int  # the widest a text line may be

    @classmethod
    def of(cls, size: Size) -> _Frame:
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


def _luminance(hex_colour: str) -> float:
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


def _canvas(size: Size) -> Image.Image:
    return Image.new("RGBA", size, (0, 0, 0, 0))


def _shape_mask(size: Size, draw_shape: Callable[[ImageDraw.ImageDraw, int, int], None]) -> Image.Image:
    """A smooth-edged coverage mask: draw_shape(draw, w, h) paints at SUPERSAMPLE times the size."""
    big = (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
    mask = Image.new("L", big, 0)
    draw_shape(ImageDraw.Draw(mask), *big)
    return mask.resize(size, Image.Resampling.BOX)


def _pill_mask(size: Size) -> Image.Image:
    return _shape_mask(size, lambda draw, w, h: draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=h // 2, fill=255))


def _layer(canvas: Image.Image, *, empty_ok: bool = False) -> Layer | None:
    """Crop the canvas to what is drawn on it."""
    bbox = canvas.getchannel("A").getbbox()
    if bbox is None:
        if empty_ok:
            return None
        raise ValueError("nothing to draw")
    return Layer(np.asarray(canvas.crop(bbox)).copy(), bbox[0], bbox[1])


def _contained_logo(path: str, max_width: int, max_height: int) -> Image.Image:
    """The logo scaled (up or down) to fit max_width x max_height, aspect kept (a copy: callers may change it)."""
    return _contained_logo_cached(path, os.stat(path).st_mtime_ns, max_width, max_height).copy()


@lru_cache(maxsize=32)
def _contained_logo_cached(path: str, modified: int, max_width: int, max_height: int) -> Image.Image:
    # Every card of every rendition of a render draws the same logo: decode and scale it once per size.
    with Image.open(path) as source:
        logo = source.convert("RGBA")
    scale = min(max_width / logo.width, max_height / logo.height)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    # Resampled premultiplied, so transparent pixels' (arbitrary) colour cannot bleed into the edges.
    return logo.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")


# --- stacks: a card's elements, top to bottom --------------------------------------------------------


def _no_lines(x: int, y: int) -> tuple[Box, ...]:
    return ()


@dataclass(frozen=True)
class _Item:
    """Something a stack places: its size, how to paint it with its top-left corner at (x, y), how it enters (one
    of MOTIONS), and where its lines of text fall when drawn at (x, y). A group (_group) is made of parts at
    offsets, which enter one by one."""

    width: int
    height: int
    paint: Callable[[Image.Image, int, int], None]
    motion: str = "rise"
    lines: Callable[[int, int], tuple[Box, ...]] = _no_lines
    parts: tuple[tuple[int, int, _Item], ...] = ()

    def draw(self, canvas: Image.Image, x: int, y: int) -> None:
        self.paint(canvas, x, y)

    def leaves(self, x: int, y: int) -> Iterator[tuple[_Item, int, int]]:
        """The items that enter on their own, with where each is drawn, in drawing order."""
        if not self.parts:
            yield self, x, y
        for dx, dy, part in self.parts:
            yield from part.leaves(x + dx, y + dy)


def _group(width: int, height: int, parts: list[tuple[int, int, _Item]]) -> _Item:
    def paint(canvas: Image.Image, x: int, y: int) -> None:
        for dx, dy, part in parts:
            part.draw(canvas, x + dx, y + dy)

    return _Item(width, height, paint, parts=tuple(parts))


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
class _Stack:
    items: tuple[_Item, ...]
    gap: int
    align: str = "center"  # "left": items share a left edge, the block is centred as a whole

    @property
    def height(self) -> int:
        return sum(item.height for item in self.items) + self.gap * (len(self.items) - 1)

    @property
    def width(self) -> int:
        return max(item.width for item in self.items)

    def placed(self, region: Box) -> Iterator[tuple[_Item, int, int]]:
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

    def leaves(self, region: Box) -> Iterator[tuple[_Item, int, int]]:
        for item, x, y in self.placed(region):
            yield from item.leaves(x, y)


def _text_item(text: Text, colour: RGB, align: str = "center", motion: str = "rise") -> _Item:
    """The text; one part per line, so a wrapped text enters line by line."""

    def line_item(line: Text) -> _Item:
        return _Item(
            text.width,
            line.height,
            lambda canvas, x, y: line.draw(canvas, x, y, text.width, colour, align),
            motion,
            lambda x, y: text_line_boxes(line, x, y, text.width, align),
        )

    if len(text.lines) == 1:
        return line_item(text)
    return _group(
        text.width,
        text.height,
        [(0, index * text.line_pitch, line_item(Text(text.font, (line,)))) for index, line in enumerate(text.lines)],
    )


def _title_stack(card: TitleCard, frame: _Frame, style: Style, scale: float) -> _Stack:
    _require(card.title, "TitleCard title")
    font_path = font_path_for(style, card.title, card.subtitle)
    smallest = frame.smallest
    title = fit_text(card.title, font_path, frame.px(TITLE_SIZE, scale), smallest, frame.measure, TITLE_LINES, "title")
    items = [_text_item(title, parse_hex_color(style.foreground))]
    if card.subtitle.strip():
        subtitle = fit_text(
            card.subtitle,
            font_path,
            frame.px(SUBTITLE_SIZE, scale),
            smallest,
            frame.measure,
            SUBTITLE_LINES,
            "subtitle",
        )
        items.append(_text_item(subtitle, muted_colour(style)))
    return _Stack(tuple(items), frame.px(0.035, scale))


def _logo_stack(card: LogoCard, frame: _Frame, style: Style, scale: float) -> _Stack:
    font_path = font_path_for(style, card.name, card.tagline)
    smallest = frame.smallest
    if style.logo_path:
        side = frame.px(LOGO_BOX, scale)
        logo = _contained_logo(style.logo_path, min(side, frame.safe.width), side)
        items = [_Item(logo.width, logo.height, lambda canvas, x, y: canvas.alpha_composite(logo, (x, y)), "logo")]
    else:
        _require(card.name, "LogoCard name (the style has no logo)")
        name = fit_text(
            card.name, font_path, frame.px(NAME_SIZE, scale), smallest, frame.measure, TITLE_LINES, "brand name"
        )
        items = [_text_item(name, parse_hex_color(style.foreground), motion="logo")]
    if card.tagline.strip():
        tagline = _fit_or_trim(
            card.tagline, font_path, frame.px(SUBTITLE_SIZE, scale), smallest, frame.measure, SUBTITLE_LINES, "tagline"
        )
        items.append(_text_item(tagline, muted_colour(style)))
    return _Stack(tuple(items), frame.px(0.045, scale))


def _price_stack(card: PriceCard, frame: _Frame, style: Style, scale: float) -> _Stack:
    _require(card.price, "PriceCard price")
    font_path = font_path_for(style, card.price, card.compare_at, card.headline)
    smallest = frame.smallest
    items = []
    if card.headline.strip():
        headline = _fit_or_trim(
            card.headline,
            font_path,
            frame.px(HEADLINE_SIZE, scale),
            smallest,
            frame.measure,
            SUBTITLE_LINES,
            "headline",
        )
        items.append(_text_item(headline, parse_hex_color(style.foreground)))
    if card.compare_at.strip():
        old = fit_text(
            card.compare_at, font_path, frame.px(COMPARE_AT_SIZE, scale), smallest, frame.measure, 1, "compare-at price"
        )
        items.append(_struck_item(old, muted_colour(style)))

    badge = _badge_item(card.discount, frame, style, scale) if card.discount.strip() else None
    gap = frame.px(0.03, scale)
    room = frame.measure - (badge.width + gap if badge else 0)
    price = fit_text(card.price, font_path, frame.px(PRICE_SIZE, scale), smallest, room, 1, "price")
    price_item = _text_item(price, parse_hex_color(style.foreground), motion="slam")
    items.append(_beside(price_item, badge, gap) if badge else price_item)
    return _Stack(tuple(items), frame.px(0.035, scale))


def _struck_item(text: Text, colour: RGB) -> _Item:
    """The text with a straight line drawn across it at half its cap height (a crossed-out old price)."""
    font = text.font
    ascent, _ = font.getmetrics()
    _, cap_top, _, _ = font.getbbox(text.lines[0], anchor="ls")  # negative: above the baseline
    thickness = max(2, round(font.size * 0.08))
    overhang = round(font.size * 0.08)
    width = text.width + 2 * overhang

    line_top = round(ascent + cap_top / 2 - thickness / 2)

    def paint_line(canvas: Image.Image, x: int, y: int) -> None:
        paint_mask(canvas, Image.new("L", (width, thickness), 255), (x, y), colour)

    # Two parts: the old price enters, then the line is drawn across it.
    return _group(
        width,
        text.height,
        [(overhang, 0, _text_item(text, colour)), (0, line_top, _Item(width, thickness, paint_line, "strike"))],
    )


def _beside(left: _Item, right: _Item, gap: int) -> _Item:
    """Two items side by side, centred on each other vertically."""
    height = max(left.height, right.height)

    return _group(
        left.width + gap + right.width,
        height,
        [(0, (height - left.height) // 2, left), (left.width + gap, (height - right.height) // 2, right)],
    )


def _badge_item(label: str, frame: _Frame, style: Style, scale: float) -> _Item:
    """A filled accent circle with the label inside; a pill when the label is too wide for a circle."""
    _require(label, "badge label")
    diameter = frame.px(BADGE_DIAMETER, scale)
    padding = round(diameter * 0.14)
    text = fit_text(
        label,
        font_path_for(style, label),
        frame.px(BADGE_SIZE, scale),
        frame.smallest,
        frame.safe.width - 2 * padding,
        1,
        "badge label",
    )
    # A short label grows the circle a little rather than turning it into a pill.
    circle = max(diameter, text.width + 2 * padding) if text.width + 2 * padding <= diameter * 1.3 else 0
    width = circle or text.width + 2 * padding
    height = circle or max(diameter, text.height + padding)
    colour = text_colour_on(style.accent)

    def paint(canvas: Image.Image, x: int, y: int) -> None:
        paint_mask(canvas, _pill_mask((width, height)), (x, y), parse_hex_color(style.accent))
        text.draw(canvas, x, y + (height - text.height) // 2, width, colour, "center")

    return _Item(
        width,
        height,
        paint,
        "pop",
        lambda x, y: text_line_boxes(text, x, y + (height - text.height) // 2, width, "center"),
    )


def _feature_stack(card: FeatureList, frame: _Frame, style: Style, scale: float) -> _Stack:
    bullets = [bullet for bullet in card.bullets if bullet.strip()]
    if len(bullets) > MAX_FEATURE_BULLETS:
        raise ValueError(f"a FeatureList shows at most {MAX_FEATURE_BULLETS} bullets, got {len(bullets)}")
    if not bullets and not card.heading.strip():
        raise ValueError("a FeatureList needs a heading or at least one bullet")
    font_path = font_path_for(style, card.heading, *bullets)
    smallest = frame.smallest
    items = []
    if card.heading.strip():
        heading = _fit_or_trim(
            card.heading, font_path, frame.px(HEADING_SIZE, scale), smallest, frame.measure, SUBTITLE_LINES, "heading"
        )
        items.append(_text_item(heading, parse_hex_color(style.foreground), "left"))
    # One size for every bullet (the smallest any of them needs), so the list reads as one block.
    bullet_size = max(frame.px(BULLET_SIZE, scale), frame.smallest)
    indent = round(bullet_size * 1.1)
    texts = [
        _fit_or_trim(bullet, font_path, bullet_size, smallest, frame.measure - indent, BULLET_LINES, "bullet")
        for bullet in bullets
    ]
    size = min((text.font.size for text in texts), default=bullet_size)
    texts = [
        _fit_or_trim(bullet, font_path, size, size, frame.measure - indent, BULLET_LINES, "bullet")
        for bullet in bullets
    ]
    items.extend(_bullet_item(text, indent, style) for text in texts)
    return _Stack(tuple(items), frame.px(0.03, scale), align="left")


def _bullet_item(text: Text, indent: int, style: Style) -> _Item:
    """An accent dot level with the first line's lower-case letters, the text beside it."""
    ascent, _ = text.font.getmetrics()
    dot = max(3, round(text.font.size * 0.4))
    _, x_top, _, _ = text.font.getbbox("x", anchor="ls")

    def paint(canvas: Image.Image, x: int, y: int) -> None:
        centre = y + ascent + x_top / 2
        mask = _shape_mask((dot, dot), lambda draw, w, h: draw.ellipse((0, 0, w - 1, h - 1), fill=255))
        paint_mask(canvas, mask, (x, round(centre - dot / 2)), parse_hex_color(style.accent))
        text.draw(canvas, x + indent, y, text.width, parse_hex_color(style.foreground), "left")

    return _Item(
        indent + text.width,
        text.height,
        paint,
        "rise",
        lambda x, y: text_line_boxes(text, x + indent, y, text.width, "left"),
    )


def _cta_stack(card: CallToAction, frame: _Frame, style: Style, scale: float) -> _Stack:
    _require(card.text, "CallToAction text")
    if card.qr and not card.url.strip():
        raise ValueError("a CallToAction with qr=True needs a url")
    display_urls = _display_urls(card.url)
    font_path = font_path_for(style, card.text, *display_urls[:1])
    smallest = frame.smallest
    text_size = frame.px(CTA_SIZE, scale)
    pad_x, pad_y = round(text_size * 0.8), round(text_size * 0.35)
    text = fit_text(
        card.text,
        font_path,
        max(text_size, frame.smallest_cta),
        frame.smallest_cta,
        frame.measure - 2 * pad_x,
        CTA_LINES,
        "call to action",
    )
    items = [_button_item(text, pad_x, pad_y, style)]
    if display_urls:
        items.append(
            _text_item(
                _fitted_url(display_urls, font_path, frame.px(URL_SIZE, scale), smallest, frame.measure),
                muted_colour(style),
            )
        )
    if card.qr:
        items.append(_qr_item(card.url.strip(), frame, scale))
    return _Stack(tuple(items), frame.px(0.04, scale))


def _button_item(text: Text, pad_x: int, pad_y: int, style: Style) -> _Item:
    width, height = text.width + 2 * pad_x, text.height + 2 * pad_y
    colour = text_colour_on(style.accent)

    def paint(canvas: Image.Image, x: int, y: int) -> None:
        radius = min(height, text.line_pitch + 2 * pad_y) // 2 * SUPERSAMPLE
        mask = _shape_mask(
            (width, height), lambda draw, w, h: draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=255)
        )
        paint_mask(canvas, mask, (x, y), parse_hex_color(style.accent))
        text.draw(canvas, x + pad_x, y + pad_y, text.width, colour, "center")

    return _Item(
        width, height, paint, "pop", lambda x, y: text_line_boxes(text, x + pad_x, y + pad_y, text.width, "center")
    )


def _qr_item(url: str, frame: _Frame, scale: float) -> _Item:
    """The full URL as a QR code: black modules on a white quiet zone, scaled by whole pixels per module
    (nearest neighbour) so every module stays a crisp square."""
    modules = np.array(list(segno.make(url, error="m").matrix_iter(scale=1, border=QR_BORDER)), dtype=bool)
    module_px = max(QR_MIN_MODULE, frame.px(QR_SIDE, scale) // modules.shape[0])
    pixels = np.where(modules, 0, 255).astype(np.uint8).repeat(module_px, axis=0).repeat(module_px, axis=1)
    rgba = np.dstack([pixels, pixels, pixels, np.full_like(pixels, 255)])
    image = Image.fromarray(rgba)
    if image.width > frame.safe.width:
        raise ValueError(
            f"the URL {url!r} makes a QR code too dense to draw in a {frame.size[0]}x{frame.size[1]} "
            f"frame; use a shorter URL"
        )
    return _Item(image.width, image.height, lambda canvas, x, y: canvas.alpha_composite(image, (x, y)))


def _display_urls(url: str) -> list[str]:
    """The URL as people read it (no scheme, no "www.", no trailing slash), then shorter forms to fall back on when
    it does not fit: without its query and fragment (tracking parameters), then the host alone. The QR code always
    holds the whole URL; only the printed form is shortened."""
    shown = _URL_SCHEME.sub("", url.strip())
    shown = shown[4:] if shown.lower().startswith("www.") else shown
    forms = [shown.rstrip("/"), re.split(r"[?#]", shown, maxsplit=1)[0].rstrip("/"), shown.split("/", 1)[0]]
    return [form for index, form in enumerate(forms) if form and form not in forms[:index]]


def _fitted_url(forms: list[str], font_path: str, start: int, smallest: int, measure: int) -> Text:
    for form in forms[:-1]:
        try:
            return fit_fewest_lines(form, font_path, start, smallest, measure, URL_LINES, "URL", tokens=_URL_TOKEN)
        except ValueError:
            continue
    return fit_fewest_lines(forms[-1], font_path, start, smallest, measure, URL_LINES, "URL", tokens=_URL_TOKEN)


def _fit_or_trim(
    text: str, font_path: str, start: int, smallest: int, max_width: int, max_lines: int, what: str
) -> Text:
    """fit_text, or else the longest run of the text's first words (characters, for text without spaces) that
    fits, ending with "…": for the texts a template or a description supplies (headings, taglines, bullets), where
    a shortened line beats refusing the render. Prices, titles and the call to action are never shortened."""
    try:
        return fit_text(text, font_path, start, smallest, max_width, max_lines, what)
    except ValueError as error:
        refusal = error
    words = text.split()
    pieces, joiner = (words, " ") if len(words) > 1 else (list(text.strip()), "")
    fitted, low, high = None, 1, len(pieces) - 1
    while low <= high:  # the most pieces that fit (fitting shrinks as the text grows)
        middle = (low + high) // 2
        shortened = joiner.join(pieces[:middle]).rstrip(" ,;:.-–—") + ELLIPSIS
        try:
            fitted = fit_text(shortened, font_path, start, smallest, max_width, max_lines, what)
            low = middle + 1
        except ValueError:
            high = middle - 1
    if fitted is None:
        raise refusal
    return fitted


def _require(text: str, what: str) -> None:
    if not text or not text.strip():
        raise ValueError(f"the {what} is empty")
