"""The visible AI label: "AI-generated" (in the template's language) on a small dark pill, drawn once per
rendition and shown over every frame of a rendition that has any AI-generated part (docs/provenance.md).

Its text is 5% of the frame's short side (China's labelling standard asks at least that of an image's label: 54 px
on a 1080 px wide phone video, small beside the product and still read at a glance); it sits in a corner of the safe area, so feeds' buttons do not
hide it. "auto" takes the first top corner that neither the watermark, a discount badge nor the product's box
uses, then the bottom ones."""

from __future__ import annotations

from dataclasses import replace

from generation.provenance.label_spec import AI_LABEL_TEXTS

from .card_canvas import (
    Frame,
    Layer,
    Size,
    blank_canvas,
    cropped_layer,
    font_path_for,
    pill_mask,
    text_line_boxes,
)
from .text_fit import Text, font_load, paint_mask
from .timeline import AI_LABEL_CORNERS, AiLabel, Box, Style

LABEL_SIZE = 0.05  # of the short side
LABEL_OPACITY = 0.72  # the pill's; the text is opaque white


def ai_label_text(language: str) -> str:
    return AI_LABEL_TEXTS.get((language or "en").replace("_", "-").split("-")[0].lower(), AI_LABEL_TEXTS["en"])


def _pill(text: str, size: Size, style: Style) -> tuple[Text, int, int, int, int]:
    frame = Frame.of(size)
    font = font_load(font_path_for(style, text), frame.px(LABEL_SIZE))
    fitted = Text(font, (text,))
    pad_x, pad_y = round(font.size * 0.45), round(font.size * 0.2)
    return fitted, pad_x, pad_y, fitted.width + 2 * pad_x, fitted.height + 2 * pad_y


def ai_label_box(text: str, size: Size, style: Style, corner: str) -> Box:
    """Where the label's pill goes in this corner of the safe area, in frame pixels."""
    safe = Frame.of(size).safe
    _, _, _, width, height = _pill(text, size, style)
    vertical, horizontal = corner.split("-")
    left = safe.left if horizontal == "left" else safe.right - width
    top = safe.top if vertical == "top" else safe.bottom - height
    return Box(left, top, left + width, top + height)


def ai_label_corner(
    label: AiLabel,
    size: Size,
    style: Style,
    *,
    taken: tuple[str, ...] = (),
    product_boxes: tuple[tuple[float, float, float, float], ...] = (),
) -> str:
    """The label's corner: the template's, or for "auto" the first corner free of `taken` (the watermark's, the
    badge's) whose box misses every product box (fractions of the frame), else the free one covering least of it."""
    if label.position != "auto":
        return label.position
    width, height = size
    free = [corner for corner in AI_LABEL_CORNERS if corner not in taken] or list(AI_LABEL_CORNERS)

    def overlap(corner: str) -> float:
        box = ai_label_box(label.text, size, style, corner)
        return sum(
            max(0.0, min(box.right, right * width) - max(box.left, left * width))
            * max(0.0, min(box.bottom, bottom * height) - max(box.top, top * height))
            for left, top, right, bottom in product_boxes
        )

    # The first corner clear of the product; when none is (a product filling the frame), the least covering one.
    return min(free, key=lambda corner: (overlap(corner), free.index(corner)))


def ai_label_layer(label: AiLabel, size: Size, style: Style, corner: str) -> Layer:
    """The pill in `corner` ("top-left", ...), white text on translucent black (legible over any shot)."""
    fitted, pad_x, pad_y, width, height = _pill(label.text, size, style)
    box = ai_label_box(label.text, size, style, corner)
    canvas = blank_canvas(size)
    paint_mask(canvas, pill_mask((width, height)), (box.left, box.top), (0, 0, 0), LABEL_OPACITY)
    fitted.draw(canvas, box.left + pad_x, box.top + pad_y, fitted.width, (255, 255, 255), "center")
    return replace(
        cropped_layer(canvas),
        text_boxes=text_line_boxes(fitted, box.left + pad_x, box.top + pad_y, fitted.width, "center"),
    )
