"""The overlays drawn over a video's frames, once per rendition: the burned-in caption, the discount badge and the
logo watermark, in the brand's colours and font, inside timeline.safe_area. Sizes are fractions of the frame's
short side. Text is fitted, never cut off; a caption that cannot fit raises ValueError saying what to shorten.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image

from .captions import MAX_CHARS_PER_LINE as CAPTION_MAX_CHARS
from .captions import MAX_LINES as CAPTION_MAX_LINES
from .captions import cue_lines
from .card_canvas import (
    SUPERSAMPLE,
    Frame,
    Item,
    Layer,
    Size,
    blank_canvas,
    contained_logo,
    cropped_layer,
    font_path_for,
    pill_mask,
    require_text,
    shape_mask,
    text_colour_on,
    text_line_boxes,
)
from .text_fit import Text, fit_given_lines, fit_text, font_load, ink_width, paint_mask
from .timeline import WATERMARK_POSITIONS, Style, parse_hex_color

# Fractions of the frame's short side.
CAPTION_SIZE = 0.05
BADGE_SIZE, BADGE_DIAMETER = 0.065, 0.19
WATERMARK_BOX = (0.33, 0.11)  # (width, height): 11% of the short side tall; very wide logos (over 3:1) narrower
WATERMARK_OPACITY = 0.85
CAPTION_BOX_ALPHA = 0.6
# Gap between the caption box and the bottom of the safe area: clear of a bottom-corner watermark, so the two never
# overlap whichever corner the brand kit picks.
CAPTION_LIFT = WATERMARK_BOX[1] + 0.03


def caption_layer(text: str, size: Size, style: Style) -> Layer:
    """A burned-in caption: up to 2 lines of white text on a dark translucent rounded box, centred at the
    bottom of the safe area. Lines break where captions.cue_lines breaks them, so the picture matches the
    subtitle sidecars; only text too wide for that (long unspaced Japanese runs) is rewrapped by pixel width."""
    frame = Frame.of(size)
    fitted = _caption_text(text, frame, style)
    pad_x, pad_y = _caption_padding(frame)
    box_w, box_h = fitted.width + 2 * pad_x, fitted.height + 2 * pad_y
    left = frame.safe.left + (frame.safe.width - box_w) // 2
    top = frame.safe.bottom - frame.px(CAPTION_LIFT) - box_h
    canvas = blank_canvas(size)
    box = shape_mask(
        (box_w, box_h),
        lambda draw, w, h: draw.rounded_rectangle(
            (0, 0, w - 1, h - 1), radius=min(h // 2, round(fitted.line_pitch * 0.35 * SUPERSAMPLE)), fill=255
        ),
    )
    paint_mask(canvas, box, (left, top), (0, 0, 0), CAPTION_BOX_ALPHA)
    fitted.draw(canvas, left + pad_x, top + pad_y, fitted.width, (255, 255, 255), "center")
    return replace(
        cropped_layer(canvas), text_boxes=text_line_boxes(fitted, left + pad_x, top + pad_y, fitted.width, "center")
    )


def caption_band_top(size: Size, style: Style, *, lines: int = 1) -> int:
    """How high a burned-in caption's box of `lines` lines reaches: what else at the bottom must stay above."""
    frame = Frame.of(size)
    font = font_load(font_path_for(style, "Ag"), max(frame.px(CAPTION_SIZE), frame.smallest))
    box_height = Text(font, ("Ag",) * lines).height + 2 * _caption_padding(frame)[1]
    return frame.safe.bottom - frame.px(CAPTION_LIFT) - box_height


def caption_line_chars(size: Size, style: Style, text: str = "") -> int:
    """How many characters a burned-in caption line holds at this size (at most captions.MAX_CHARS_PER_LINE): what
    to split a caption's cues by, so a tall frame shows shorter cues at a readable size rather than long lines
    shrunk past it. Measured on lower-case text with a 10% margin for wider words."""
    frame = Frame.of(size)
    font = font_load(font_path_for(style, text or "a"), max(frame.px(CAPTION_SIZE), frame.smallest))
    sample = "the quick brown fox jumps over a lazy dog "
    per_char = ink_width(font, sample) / len(sample)
    room = frame.measure - 2 * _caption_padding(frame)[0]
    return max(8, min(CAPTION_MAX_CHARS, int(room / per_char * 0.9)))


def caption_fits(text: str, size: Size, style: Style) -> None:
    """Fit the caption without painting it: ValueError saying what to shorten if it cannot fit."""
    _caption_text(text, Frame.of(size), style)


def _caption_padding(frame: Frame) -> tuple[int, int]:
    return round(frame.short * 0.025), round(frame.short * 0.012)


def _caption_text(text: str, frame: Frame, style: Style) -> Text:
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
    frame = Frame.of(size)
    badge = badge_item(label, frame, style, 1.0)
    canvas = blank_canvas(size)
    badge.draw(canvas, frame.safe.left, frame.safe.top)
    return replace(cropped_layer(canvas), text_boxes=badge.lines(frame.safe.left, frame.safe.top))


def watermark_layer(style: Style, size: Size, position: str) -> Layer | None:
    """The logo at ~11% of the short side, 85% opaque, in the named corner of the safe area; None for
    position "none" or a style without a logo."""
    if position not in WATERMARK_POSITIONS:
        raise ValueError(f"watermark {position!r} is unknown; use one of {', '.join(WATERMARK_POSITIONS)}")
    if position == "none" or not style.logo_path:
        return None
    frame = Frame.of(size)
    logo = contained_logo(style.logo_path, frame.px(WATERMARK_BOX[0]), frame.px(WATERMARK_BOX[1]))
    alpha = np.asarray(logo.getchannel("A"), dtype=np.float32) * WATERMARK_OPACITY
    logo.putalpha(Image.fromarray(np.rint(alpha).astype(np.uint8)))
    vertical, horizontal = position.split("-")
    safe = frame.safe
    x = safe.left if horizontal == "left" else safe.right - logo.width
    y = safe.top if vertical == "top" else safe.bottom - logo.height
    canvas = blank_canvas(size)
    canvas.alpha_composite(logo, (x, y))
    return cropped_layer(canvas, empty_ok=True)


def badge_item(label: str, frame: Frame, style: Style, scale: float) -> Item:
    """A filled accent circle with the label inside; a pill when the label is too wide for a circle."""
    require_text(label, "badge label")
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
        paint_mask(canvas, pill_mask((width, height)), (x, y), parse_hex_color(style.accent))
        text.draw(canvas, x, y + (height - text.height) // 2, width, colour, "center")

    return Item(
        width,
        height,
        paint,
        "pop",
        lambda x, y: text_line_boxes(text, x, y + (height - text.height) // 2, width, "center"),
    )
