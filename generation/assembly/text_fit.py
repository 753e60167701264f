"""Text fitted to a width in a number of lines: the largest font that fits, wrapped by pixel width (at spaces,
and between CJK characters without breaking before closing punctuation), never a word split or text cut off.
Used by cards.py; a ValueError says what did not fit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
SMALLEST_FONT_PX = 8
FONT_STEP = 0.92  # each fitting step shrinks the font by 8%

# Characters a line may break around without a space (kana, ideographs, full-width forms), and the closing
# punctuation that must not start a line.
_CJK_CHARS = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_NO_LINE_START = "、。，．！？）」』】〕ー・：；ゃゅょっァィゥェォャュョッ"
TOKEN = re.compile(rf"\s+|[{_CJK_CHARS}][{_NO_LINE_START}]*|[^\s{_CJK_CHARS}]+[{_NO_LINE_START}]*")


def paint_mask(canvas: Image.Image, mask: Image.Image, at: tuple[int, int], colour: RGB, opacity: float = 1.0) -> None:
    """Composite one colour through a coverage mask onto the canvas, at `at`; what falls outside is dropped."""
    left, top = at
    crop = (max(0, -left), max(0, -top), min(mask.width, canvas.width - left), min(mask.height, canvas.height - top))
    if crop[0] >= crop[2] or crop[1] >= crop[3]:
        return
    if crop != (0, 0, mask.width, mask.height):
        mask = mask.crop(crop)
    if opacity < 1.0:
        mask = mask.point(lambda value: round(value * opacity))
    ink = Image.new("RGBA", mask.size, (*colour, 0))
    ink.putalpha(mask)
    canvas.alpha_composite(ink, (left + crop[0], top + crop[1]))


@lru_cache(maxsize=256)
def font_load(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@dataclass(frozen=True)
class Text:
    """Lines fitted in one font; drawn with each line's ink inside the measured box."""

    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]

    @property
    def line_pitch(self) -> int:
        ascent, descent = self.font.getmetrics()
        return round((ascent + descent) * 1.08)

    @property
    def width(self) -> int:
        return max(ink_width(self.font, line) for line in self.lines)

    @property
    def height(self) -> int:
        ascent, descent = self.font.getmetrics()
        return ascent + descent + self.line_pitch * (len(self.lines) - 1)

    def draw(self, canvas: Image.Image, left: int, top: int, width: int, colour: RGB, align: str) -> None:
        """Paint the lines in a box of `width` starting at (left, top), each line centred or left-aligned. The mask
        covers the box and a margin for ink that overhangs it, not the whole frame (painting is most of a card's
        cost)."""
        ascent, _ = self.font.getmetrics()
        margin = self.font.size
        mask = Image.new("L", (width + 2 * margin, self.height + 2 * margin), 0)
        draw = ImageDraw.Draw(mask)
        for index, line in enumerate(self.lines):
            ink_left, _, ink_right, _ = self.font.getbbox(line, anchor="ls")
            x = margin + ((width - (ink_right - ink_left)) / 2 if align == "center" else 0)
            draw.text(
                (x - ink_left, margin + ascent + index * self.line_pitch), line, font=self.font, fill=255, anchor="ls"
            )
        paint_mask(canvas, mask, (left - margin, top - margin), colour)


def ink_width(font: ImageFont.FreeTypeFont, line: str) -> int:
    left, _, right, _ = font.getbbox(line, anchor="ls")
    return right - left


def font_sizes(start: int, smallest: int) -> list[int]:
    """start, then 8% smaller each step, ending exactly at smallest."""
    smallest = max(SMALLEST_FONT_PX, smallest)
    sizes, size = [], max(start, smallest)
    while size > smallest:
        sizes.append(size)
        size = min(size - 1, int(size * FONT_STEP))
    return [*sizes, smallest]


def fit_text(
    text: str,
    font_path: str,
    start: int,
    smallest: int,
    max_width: int,
    max_lines: int,
    what: str,
    tokens: re.Pattern = TOKEN,
) -> Text:
    """The largest font from start down to smallest whose wrap of text fits max_width in max_lines lines."""
    for size in font_sizes(start, smallest):
        font = font_load(font_path, size)
        lines = wrap(text, font, max_width, tokens)
        if lines is not None and len(lines) <= max_lines:
            return Text(font, tuple(lines))
    raise ValueError(
        f"the {what} {text!r} does not fit in {max_lines} line(s) of {max_width}px even at {smallest}px; shorten it"
    )


def fit_fewest_lines(
    text: str,
    font_path: str,
    start: int,
    smallest: int,
    max_width: int,
    max_lines: int,
    what: str,
    tokens: re.Pattern = TOKEN,
) -> Text:
    """Like fit_text, but one line at any readable size beats two larger lines (a URL reads best whole)."""
    for lines in range(1, max_lines):
        try:
            return fit_text(text, font_path, start, smallest, max_width, lines, what, tokens)
        except ValueError:
            continue
    return fit_text(text, font_path, start, smallest, max_width, max_lines, what, tokens)


def fit_given_lines(lines: list[str], font_path: str, start: int, smallest: int, max_width: int) -> Text | None:
    """The largest font in which every one of these already-broken lines fits max_width, or None."""
    for size in font_sizes(start, smallest):
        font = font_load(font_path, size)
        if all(ink_width(font, line) <= max_width for line in lines):
            return Text(font, tuple(lines))
    return None


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int, tokens: re.Pattern = TOKEN) -> list[str] | None:
    """Greedy wrap by pixel width, breaking between tokens: at spaces and between CJK characters by default.
    None when one token alone is wider than max_width (the font must shrink: a word is never split)."""
    lines: list[str] = []
    line, pending_space = "", False
    for token in tokens.findall(text):
        if token.isspace():
            pending_space = bool(line)
            continue
        candidate = f"{line}{' ' if pending_space else ''}{token}"
        if not line or ink_width(font, candidate) <= max_width:
            line = candidate
        else:
            lines.append(line)
            line = token
        pending_space = False
        if ink_width(font, line) > max_width:
            return None
    if line:
        lines.append(line)
    return lines
