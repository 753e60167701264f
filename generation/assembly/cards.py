"""Draw a video's cards with Pillow: backgrounds and contents (title, logo, price, feature list, call to action), in
the brand's colours and font. The overlays (caption, badge, watermark) are in overlays.py; the frame's geometry
and the drawing primitives both share, in card_canvas.py.

Each is drawn once per rendition, never per frame; the renderer composites the returned layers. Sizes are
fractions of the frame's short side, so 9:16, 1:1, 16:9 and 4:5 renditions look alike, and everything stays
inside timeline.safe_area. Text is fitted, never cut off: the font shrinks, then lines wrap, up to a number of
lines; text that still does not fit at the smallest readable size raises ValueError saying what to shorten.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import segno
from PIL import Image

from .card_canvas import (
    RGB,
    SUPERSAMPLE,
    Frame,
    Item,
    Layer,
    Size,
    Stack,
    blank_canvas,
    contained_logo,
    cropped_layer,
    font_path_for,
    group,
    luminance,
    muted_colour,
    require_text,
    shape_mask,
    text_colour_on,
    text_line_boxes,
)
from .overlays import badge_item
from .text_fit import Text, fit_fewest_lines, fit_text, paint_mask
from .timeline import CallToAction, FeatureList, LogoCard, PriceCard, Style, TitleCard, parse_hex_color

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
LAYOUT_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)  # tried in turn until a card's stack fits the safe height
GRADIENT_STRENGTH = 0.12

ELLIPSIS = "…"
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# A long URL may break after a path or query separator (and only there).
_URL_TOKEN = re.compile(r"[^/?&#]+[/?&#]*|[/?&#]+")


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


# --- what the compositor and the pre-flight checks call, each with its private helpers ---------------


def card_background(size: Size, style: Style) -> np.ndarray:
    """(H, W, 3) uint8: style.background at the top, shading toward black (light colours) or white (dark
    colours) down the frame, so a flat brand colour has some depth without changing hue."""
    width, height = size
    base = np.array(parse_hex_color(style.background), dtype=np.float32)
    target = np.zeros(3, np.float32) if luminance(style.background) > 0.5 else np.full(3, 255, np.float32)
    amount = np.linspace(0.0, GRADIENT_STRENGTH, height, dtype=np.float32)[:, None]
    column = np.rint(base + (target - base) * amount).astype(np.uint8)  # (H, 3)
    return np.ascontiguousarray(np.broadcast_to(column[:, None, :], (height, width, 3)))


def card_layer(content, size: Size, style: Style) -> Layer:
    """A card's content (no background) as one layer: a TitleCard, LogoCard, PriceCard, FeatureList or
    CallToAction laid out as a vertically centred stack inside the safe area."""
    stack, frame = _card_stack(content, size, style)
    canvas = blank_canvas(size)
    stack.draw(canvas, frame.safe)
    boxes = tuple(box for item, x, y in stack.leaves(frame.safe) for box in item.lines(x, y))
    return replace(cropped_layer(canvas), text_boxes=boxes)


def card_parts(content, size: Size, style: Style) -> tuple[Part, ...]:
    """The card_layer's elements one by one, top to bottom, each drawn alone on its own layer with how it enters
    (a line of text rises, the price slams, the badge pops, the strike-through is drawn). Composited at rest they
    make the card_layer."""
    stack, frame = _card_stack(content, size, style)
    parts = []
    for item, x, y in stack.leaves(frame.safe):
        canvas = blank_canvas(size)
        item.draw(canvas, x, y)
        layer = cropped_layer(canvas, empty_ok=True)
        if layer is not None:
            parts.append(Part(replace(layer, text_boxes=item.lines(x, y)), item.motion))
    return tuple(parts)


def card_fits(content, size: Size, style: Style) -> None:
    """Lay the card out without painting it: ValueError saying what to shorten if it cannot fit (cheap enough to
    check every card of a render before its shots are made)."""
    _card_stack(content, size, style)


def _card_stack(content, size: Size, style: Style) -> tuple[Stack, Frame]:
    builders: dict[type, Callable[..., Stack]] = {
        TitleCard: _title_stack,
        LogoCard: _logo_stack,
        PriceCard: _price_stack,
        FeatureList: _feature_stack,
        CallToAction: _cta_stack,
    }
    builder = builders.get(type(content))
    if builder is None:
        raise ValueError(f"cards draw {', '.join(t.__name__ for t in builders)}; got a {type(content).__name__}")
    frame = Frame.of(size)
    for scale in LAYOUT_SCALES:
        stack = builder(content, frame, style, scale)
        if stack.height <= frame.safe.height:
            return stack, frame
    raise ValueError(
        f"the {type(content).__name__} needs {stack.height}px of height but the {size[0]}x{size[1]} frame's safe "
        f"area has {frame.safe.height}px even with the smallest text; shorten its texts"
    )


# --- each card's stack -------------------------------------------------------------------------------


def _text_item(text: Text, colour: RGB, align: str = "center", motion: str = "rise") -> Item:
    """The text; one part per line, so a wrapped text enters line by line."""

    def line_item(line: Text) -> Item:
        return Item(
            text.width,
            line.height,
            lambda canvas, x, y: line.draw(canvas, x, y, text.width, colour, align),
            motion,
            lambda x, y: text_line_boxes(line, x, y, text.width, align),
        )

    if len(text.lines) == 1:
        return line_item(text)
    return group(
        text.width,
        text.height,
        [(0, index * text.line_pitch, line_item(Text(text.font, (line,)))) for index, line in enumerate(text.lines)],
    )


def _title_stack(card: TitleCard, frame: Frame, style: Style, scale: float) -> Stack:
    require_text(card.title, "TitleCard title")
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
    return Stack(tuple(items), frame.px(0.035, scale))


def _logo_stack(card: LogoCard, frame: Frame, style: Style, scale: float) -> Stack:
    font_path = font_path_for(style, card.name, card.tagline)
    smallest = frame.smallest
    if style.logo_path:
        side = frame.px(LOGO_BOX, scale)
        logo = contained_logo(style.logo_path, min(side, frame.safe.width), side)
        items = [Item(logo.width, logo.height, lambda canvas, x, y: canvas.alpha_composite(logo, (x, y)), "logo")]
    else:
        require_text(card.name, "LogoCard name (the style has no logo)")
        name = fit_text(
            card.name, font_path, frame.px(NAME_SIZE, scale), smallest, frame.measure, TITLE_LINES, "brand name"
        )
        items = [_text_item(name, parse_hex_color(style.foreground), motion="logo")]
    if card.tagline.strip():
        tagline = _fit_or_trim(
            card.tagline, font_path, frame.px(SUBTITLE_SIZE, scale), smallest, frame.measure, SUBTITLE_LINES, "tagline"
        )
        items.append(_text_item(tagline, muted_colour(style)))
    return Stack(tuple(items), frame.px(0.045, scale))


def _price_stack(card: PriceCard, frame: Frame, style: Style, scale: float) -> Stack:
    require_text(card.price, "PriceCard price")
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

    badge = badge_item(card.discount, frame, style, scale) if card.discount.strip() else None
    gap = frame.px(0.03, scale)
    room = frame.measure - (badge.width + gap if badge else 0)
    price = fit_text(card.price, font_path, frame.px(PRICE_SIZE, scale), smallest, room, 1, "price")
    price_item = _text_item(price, parse_hex_color(style.foreground), motion="slam")
    items.append(_beside(price_item, badge, gap) if badge else price_item)
    return Stack(tuple(items), frame.px(0.035, scale))


def _struck_item(text: Text, colour: RGB) -> Item:
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
    return group(
        width,
        text.height,
        [(overhang, 0, _text_item(text, colour)), (0, line_top, Item(width, thickness, paint_line, "strike"))],
    )


def _beside(left: Item, right: Item, gap: int) -> Item:
    """Two items side by side, centred on each other vertically."""
    height = max(left.height, right.height)

    return group(
        left.width + gap + right.width,
        height,
        [(0, (height - left.height) // 2, left), (left.width + gap, (height - right.height) // 2, right)],
    )


def _feature_stack(card: FeatureList, frame: Frame, style: Style, scale: float) -> Stack:
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
    return Stack(tuple(items), frame.px(0.03, scale), align="left")


def _bullet_item(text: Text, indent: int, style: Style) -> Item:
    """An accent dot level with the first line's lower-case letters, the text beside it."""
    ascent, _ = text.font.getmetrics()
    dot = max(3, round(text.font.size * 0.4))
    _, x_top, _, _ = text.font.getbbox("x", anchor="ls")

    def paint(canvas: Image.Image, x: int, y: int) -> None:
        centre = y + ascent + x_top / 2
        mask = shape_mask((dot, dot), lambda draw, w, h: draw.ellipse((0, 0, w - 1, h - 1), fill=255))
        paint_mask(canvas, mask, (x, round(centre - dot / 2)), parse_hex_color(style.accent))
        text.draw(canvas, x + indent, y, text.width, parse_hex_color(style.foreground), "left")

    return Item(
        indent + text.width,
        text.height,
        paint,
        "rise",
        lambda x, y: text_line_boxes(text, x + indent, y, text.width, "left"),
    )


def _cta_stack(card: CallToAction, frame: Frame, style: Style, scale: float) -> Stack:
    require_text(card.text, "CallToAction text")
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
    return Stack(tuple(items), frame.px(0.04, scale))


def _button_item(text: Text, pad_x: int, pad_y: int, style: Style) -> Item:
    width, height = text.width + 2 * pad_x, text.height + 2 * pad_y
    colour = text_colour_on(style.accent)

    def paint(canvas: Image.Image, x: int, y: int) -> None:
        radius = min(height, text.line_pitch + 2 * pad_y) // 2 * SUPERSAMPLE
        mask = shape_mask(
            (width, height), lambda draw, w, h: draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=255)
        )
        paint_mask(canvas, mask, (x, y), parse_hex_color(style.accent))
        text.draw(canvas, x + pad_x, y + pad_y, text.width, colour, "center")

    return Item(
        width, height, paint, "pop", lambda x, y: text_line_boxes(text, x + pad_x, y + pad_y, text.width, "center")
    )


def _qr_item(url: str, frame: Frame, scale: float) -> Item:
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
    return Item(image.width, image.height, lambda canvas, x, y: canvas.alpha_composite(image, (x, y)))


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
