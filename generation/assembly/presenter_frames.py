"""A presenter scene's frames: the host clip placed by its layout beside the product photo, and the product card.

The host clip is decoded by ShotFrames at exactly the host box's size (no per-frame resize); the product photo
and the card are drawn once per rendition; the only per-frame work beyond the host is the picture-in-picture
product's slow settle (one affine warp of the product box) and the blends. In a pip the product shows from the
scene's first frame, fitted whole and large in its box on the brand background: cut out of its photo when the
segmentation (generation.imaging) is confident, else the whole photo as a rounded tile, with a soft shadow.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import replace

import cv2
import numpy as np
from PIL import Image, ImageDraw

from generation.imaging.segmentation import product_segment

from . import card_canvas, cards, overlays
from .captions import MAX_LINES as CAPTION_MAX_LINES
from .frame_sources import Overlay, ShotFrames
from .presenter_layout import card_region, host_box, product_box
from .text_fit import Text, fit_text, paint_mask
from .timeline import Box, PresenterClip, ProductCard, Segment, ShotClip, Style, parse_hex_color

PANEL_OPACITY = 0.88
PANEL_PADDING = 0.035  # of the short side
TITLE_SIZE = 0.055
PRICE_SIZE = 0.085
TITLE_LINES = 2
MIN_TEXT_HEIGHT = 0.035  # of the frame height: no card text smaller (a phone shows 1080x1920 about 14 cm tall)
CARD_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6)  # tried in turn until the card fits its region
COMPARE_SHARE = 0.6  # the old price and the discount, of the price's size, on the price's line
PIP_CORNER = 0.08  # corner radius, of the window's width
PIP_BORDER = 0.012  # of the short side
SETTLE_FROM = 0.95  # the pip's product tile grows from this share of its fitted size to all of it over the scene
TILE_CORNER = 0.03  # the product tile's corner radius, of the short side
SHADOW_BLUR = 0.02  # of the short side


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
        self.photo_box, self.tile = photo_box, None
        if photo_box is not None and content.photo:
            if content.layout == "pip":
                self.tile = _product_tile(content.photo, self.background, photo_box, min(size))
                self.settled = self.background.copy()
                self.settled[photo_box.top : photo_box.bottom, photo_box.left : photo_box.right] = self.tile
            else:
                fitted = photo_fitted(content.photo, (photo_box.width, photo_box.height))
                self.background[photo_box.top : photo_box.bottom, photo_box.left : photo_box.right] = fitted
        self.card = Overlay(
            product_card_layer(content.card, size, style, card_region_clear_of_captions(content.layout, size, style)),
            size,
        )
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
            frame[box.top : box.bottom, box.left : box.right] = host
        else:
            frame = self._settling(index) if self.tile is not None else self.background.copy()
            region = frame[box.top : box.bottom, box.left : box.right]
            alpha = self.window_alpha
            region[...] = cv2.blendLinear(region, self.window_border, 1 - alpha, alpha)
            inner = self.window_inner
            region[...] = cv2.blendLinear(region, np.ascontiguousarray(host), 1 - inner, inner)
        self.card.blend_onto(frame)
        return frame

    def _settling(self, index: int) -> np.ndarray:
        """The frame with the product tile grown from SETTLE_FROM to its full fitted size (eased), never past it:
        the whole product stays inside its box in every frame."""
        progress = min(1.0, index / max(1, self.length - 1))
        scale = SETTLE_FROM + (1.0 - SETTLE_FROM) * (1.0 - (1.0 - progress) ** 2)
        if scale >= 1.0:
            return self.settled.copy()
        frame = self.background.copy()
        box = self.photo_box
        region = frame[box.top : box.bottom, box.left : box.right]
        matrix = cv2.getRotationMatrix2D((box.width / 2, box.height / 2), 0, scale)
        cv2.warpAffine(
            self.tile,
            matrix,
            (box.width, box.height),
            dst=region,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_TRANSPARENT,
        )
        return frame


def _rounded_window(box: Box, style: Style, short: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pip window's outer mask (border included), its inner mask (where the host shows) and the border's
    colour as an image."""
    border = max(2, round(short * PIP_BORDER))
    radius = round(box.width * PIP_CORNER)
    outer = _rounded_mask((box.width, box.height), radius)
    inner_mask = np.zeros_like(outer)
    inner = _rounded_mask((box.width - 2 * border, box.height - 2 * border), max(1, radius - border))
    inner_mask[border : box.height - border, border : box.width - border] = inner
    colour = np.empty((box.height, box.width, 3), np.uint8)
    colour[...] = parse_hex_color(style.foreground)
    return outer, inner_mask, colour


def _rounded_mask(size: tuple[int, int], radius: int) -> np.ndarray:
    scale = 4
    big = Image.new("L", (size[0] * scale, size[1] * scale), 0)
    ImageDraw.Draw(big).rounded_rectangle(
        (0, 0, size[0] * scale - 1, size[1] * scale - 1), radius=radius * scale, fill=255
    )
    return np.asarray(big.resize(size, Image.Resampling.BOX), dtype=np.float32) / 255


def photo_fitted(path: str, size: tuple[int, int]) -> np.ndarray:
    """The whole product in the box (never cropped or stretched) over a blurred, darkened fill of itself."""
    width, height = size
    with Image.open(path) as source:
        photo = np.asarray(source.convert("RGB"))
    ph, pw = photo.shape[:2]
    cover = max(width / pw, height / ph)
    filled = cv2.resize(
        photo, (max(width, round(pw * cover)), max(height, round(ph * cover))), interpolation=cv2.INTER_AREA
    )
    top, left = (filled.shape[0] - height) // 2, (filled.shape[1] - width) // 2
    filled = filled[top : top + height, left : left + width]
    filled = cv2.GaussianBlur(filled, (0, 0), sigmaX=max(2.0, min(size) / 30))
    filled = (filled.astype(np.float32) * 0.55).astype(np.uint8)
    contain = min(width / pw, height / ph)
    inner = cv2.resize(
        photo,
        (max(1, round(pw * contain)), max(1, round(ph * contain))),
        interpolation=cv2.INTER_AREA if contain < 1 else cv2.INTER_CUBIC,
    )
    y, x = (height - inner.shape[0]) // 2, (width - inner.shape[1]) // 2
    filled[y : y + inner.shape[0], x : x + inner.shape[1]] = inner
    return np.ascontiguousarray(filled)


def _product_tile(path: str, background: np.ndarray, box: Box, short: int) -> np.ndarray:
    """The product box's pixels on the brand background: the product cut out of its photo (when the segmentation
    is confident) or else the whole photo as a rounded tile, fitted as large as the box allows (never cropped or
    stretched), with a soft shadow under it."""
    with Image.open(path) as source:
        photo = np.asarray(source.convert("RGB"))
    segmentation = product_segment(photo)
    if segmentation.confident:
        left, top, right, bottom = segmentation.box
        photo, cutout = photo[top:bottom, left:right], segmentation.mask[top:bottom, left:right]
    ph, pw = photo.shape[:2]
    blur = max(1.0, short * SHADOW_BLUR)
    margin = math.ceil(blur)  # room for the shadow inside the box
    contain = min((box.width - 2 * margin) / pw, (box.height - 2 * margin) / ph)
    size = (max(1, round(pw * contain)), max(1, round(ph * contain)))
    interpolation = cv2.INTER_AREA if contain < 1 else cv2.INTER_CUBIC
    inner = cv2.resize(photo, size, interpolation=interpolation)
    tile_h, tile_w = inner.shape[:2]
    y, x = (box.height - tile_h) // 2, (box.width - tile_w) // 2
    mask = np.zeros((box.height, box.width), np.float32)
    if segmentation.confident:
        mask[y : y + tile_h, x : x + tile_w] = np.clip(cv2.resize(cutout, size, interpolation=cv2.INTER_LINEAR), 0, 1)
    else:
        mask[y : y + tile_h, x : x + tile_w] = _rounded_mask((tile_w, tile_h), round(short * TILE_CORNER))
    shadow = cv2.GaussianBlur(np.roll(mask, max(1, margin // 2), axis=0), (0, 0), sigmaX=blur)[..., None] * 0.45
    region = background[box.top : box.bottom, box.left : box.right].astype(np.float32) * (1.0 - shadow)
    placed = np.zeros_like(region)
    placed[y : y + tile_h, x : x + tile_w] = inner
    alpha = mask[..., None]
    return np.ascontiguousarray(np.clip(region * (1.0 - alpha) + placed * alpha + 0.5, 0, 255).astype(np.uint8))


def card_region_clear_of_captions(layout: str, size: tuple[int, int], style: Style) -> Box:
    """The layout's card region, ending above where the spoken captions (up to their most lines) are burned in."""
    region = card_region(layout, *size)
    gap = round(min(size) * PANEL_PADDING / 2)
    top = overlays.caption_band_top(size, style, lines=CAPTION_MAX_LINES)
    return replace(region, bottom=min(region.bottom, top - gap))


def product_card_layer(card: ProductCard, size: tuple[int, int], style: Style, region: Box) -> cards.Layer:
    """A rounded panel at the bottom of `region`: the product title, then its price on one line (the old price
    struck through and the discount beside it when on sale). Its text_boxes hold every line it draws."""
    canvas, _, boxes = _product_card(card, size, style, region, paint=True)
    left, top, right, bottom = canvas.getchannel("A").getbbox()
    return cards.Layer(np.asarray(canvas.crop((left, top, right, bottom))).copy(), left, top, text_boxes=boxes)


def product_card_fits(card: ProductCard, size: tuple[int, int], style: Style, region: Box) -> None:
    """ValueError saying what to change when the card cannot be laid out (checked before any shot is made)."""
    _product_card(card, size, style, region, paint=False)


def _title_fitted(title: str, font_path: str, start: int, smallest: int, measure: int, lines: int) -> Text:
    """The title in at most `lines` lines; a title too long even at the smallest size is cut at a word and ends
    with an ellipsis (the presenter says it whole, and the captions show it)."""
    what = "product title on the presenter card"
    try:
        return fit_text(title, font_path, start, smallest, measure, lines, what)
    except ValueError:
        words = title.split()
        cuts = [" ".join(words[:count]).rstrip(",;:-") for count in range(len(words) - 1, 0, -1)]
        cuts += [words[0][:length] for length in range(len(words[0]) - 1, 2, -1)]  # a first word too wide
        for cut in cuts:
            try:
                return fit_text(cut + "\u2026", font_path, smallest, smallest, measure, lines, what)
            except ValueError:
                continue
        raise


PRICE_TIERS = (
    # Everything: on one line, or the old price and the discount on a second line, or the discount beside the price.
    ([["price", "compare", "discount"]], [["price"], ["compare", "discount"]], [["price", "discount"], ["compare"]]),
    ([["price"], ["compare"]],),  # the discount left out: the struck-through old price already says it
    ([["price"]],),  # the price alone (a tiny frame)
)


def _price_layouts(
    card: ProductCard, font_path: str, start: int, smallest: int, measure: int, tier: int
) -> Iterator[tuple[list[list[tuple[str, Text]]], int]]:
    """Ways to set the price with what PRICE_TIERS[tier] shows, best first, each as lines of (role, Text) pairs
    (role: price, compare or discount) no wider than `measure`, and the space between parts. One line is tried
    down to three quarters of the price's size only; the old price and the discount are set smaller than the
    price, never under `smallest`."""
    texts = {"price": card.price, "compare": card.compare_at, "discount": card.discount}
    seen = []
    for arrangement in PRICE_TIERS[tier]:
        arrangement = [[role for role in line if texts[role]] for line in arrangement]
        arrangement = [line for line in arrangement if line]
        if arrangement in seen:
            continue
        seen.append(arrangement)
        low = max(smallest, math.ceil(start * 0.75)) if len(arrangement) == 1 and len(arrangement[0]) > 1 else smallest
        for size in range(start, low - 1, -1):
            small = max(smallest, round(size * COMPARE_SHARE))
            space = round(small * 0.6)
            lines = [
                [
                    (
                        role,
                        fit_text(
                            texts[role],
                            font_path,
                            size if role == "price" else small,
                            size if role == "price" else small,
                            10**6,
                            1,
                            "price on the presenter card",
                        ),
                    )
                    for role in line
                ]
                for line in arrangement
            ]
            if all(sum(text.width for _, text in line) + space * (len(line) - 1) <= measure for line in lines):
                yield lines, space
                break


def _card_layouts(card: ProductCard, font_path: str, short: int, smallest: int, region: Box) -> Iterator[tuple]:
    """Cards that fit the region, best first: (padding, gap, title, price lines, space, line heights). Smaller type
    first; then the discount left out (the struck-through old price says it) before the title loses its second
    line (cut with an ellipsis when long), and the old price last."""
    order = ((0, TITLE_LINES), (1, TITLE_LINES), (0, 1), (1, 1), (2, TITLE_LINES), (2, 1))  # (price tier, lines)
    for (tier, title_lines), scale in itertools.product(order, CARD_SCALES):
        padding = max(4, round(short * PANEL_PADDING * scale))
        measure, gap = region.width - 2 * padding, padding // 2
        try:
            title = _title_fitted(
                card.title, font_path, max(smallest, round(short * TITLE_SIZE * scale)), smallest, measure, title_lines
            )
        except ValueError:
            continue
        for lines, space in _price_layouts(
            card, font_path, max(smallest, round(short * PRICE_SIZE * scale)), smallest, measure, tier
        ):
            heights = [max(text.height for _, text in line) for line in lines]
            if title.height + sum(heights) + gap * len(lines) + 2 * padding <= region.height:
                yield padding, gap, title, lines, space, heights
                return


def _product_card(card: ProductCard, size, style: Style, region: Box, *, paint: bool):
    short, frame_height = min(size), size[1]
    font_path = cards.font_path_for(style, card.title, card.price, card.compare_at, card.discount, "\u2026")
    smallest = max(8, round(short * card_canvas.MIN_TEXT_SIZE), math.ceil(frame_height * MIN_TEXT_HEIGHT))
    fitted = next(_card_layouts(card, font_path, short, smallest, region), None)
    if fitted is None:
        raise ValueError(
            f"the presenter card has {region.height}px at this size, too little for the product title "
            "and the price: shorten the product title or render a larger size"
        )
    padding, gap, title, lines, space, heights = fitted
    height = title.height + sum(heights) + gap * len(lines) + 2 * padding
    measure = region.width - 2 * padding
    if not paint:
        return None, height, ()
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    top = region.bottom - height
    panel = Image.new("L", (region.width * 4, height * 4), 0)
    ImageDraw.Draw(panel).rounded_rectangle(
        (0, 0, region.width * 4 - 1, height * 4 - 1), radius=padding * 4, fill=round(255 * PANEL_OPACITY)
    )
    paint_mask(
        canvas,
        panel.resize((region.width, height), Image.Resampling.BOX),
        (region.left, top),
        parse_hex_color(style.background),
    )
    left, y = region.left + padding, top + padding
    title.draw(canvas, left, y, measure, parse_hex_color(style.foreground), "left")
    boxes = list(cards.text_line_boxes(title, left, y, measure, "left"))
    y += title.height + gap
    colours = {
        "price": parse_hex_color(style.accent),
        "compare": cards.muted_colour(style),
        "discount": parse_hex_color(style.accent),
    }
    for line, line_height in zip(lines, heights):
        ascent = max(text.font.getmetrics()[0] for _, text in line)
        x = left
        for role, part in line:
            part_y = y + ascent - part.font.getmetrics()[0]  # one baseline for the whole line
            part.draw(canvas, x, part_y, part.width, colours[role], "left")
            boxes.extend(cards.text_line_boxes(part, x, part_y, part.width, "left"))
            if role == "compare":  # struck through: the price it was
                line_y = part_y + round(part.font.getmetrics()[0] * 0.62)
                ImageDraw.Draw(canvas).line(
                    (x, line_y, x + part.width, line_y), fill=(*colours[role], 255), width=max(1, part.font.size // 10)
                )
            x += part.width + space
        y += line_height + gap
    return canvas, height, tuple(boxes)
