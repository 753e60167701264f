"""Cards and overlays drawn with Pillow: placement inside the safe area, fitting, and what each card shows.

Small frames (short side 270) keep this fast on 2 cores; one 1080x1920 case checks the real size.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from generation.assembly.captions import caption_cues
from generation.assembly.card_canvas import Layer, text_colour_on
from generation.assembly.cards import card_background, card_layer
from generation.assembly.fonts import LATIN_FONT
from generation.assembly.overlays import badge_layer, caption_layer, caption_line_chars, watermark_layer
from generation.assembly.timeline import (
    CallToAction,
    FeatureList,
    LogoCard,
    PriceCard,
    Style,
    TitleCard,
    parse_hex_color,
    safe_area,
)

SIZES = [(270, 480), (270, 270), (480, 270), (270, 338), (1080, 1920)]
STYLE = Style(background="#1d2b3a", foreground="#ffffff", accent="#e4572e")
URL = "https://shop.example.com/products/espresso-cup"
CARDS = [
    TitleCard("Hand-thrown espresso cup", "€12.00"),
    LogoCard("Acme Ceramics", "Made by hand in Devon"),
    PriceCard("€79.00", compare_at="€99.00", discount="-20%", headline="Summer sale"),
    FeatureList("Why you'll love it", ("Dishwasher safe", "Holds 90 ml", "Made in Devon, England")),
    CallToAction("Shop now", URL, qr=True),
]


@pytest.fixture
def logo_path(tmp_path) -> str:
    """A 3:1 logo: a blue disc and a yellow bar on transparency."""
    logo = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((0, 0, 99, 99), fill=(40, 160, 220, 255))
    draw.rectangle((120, 30, 299, 70), fill=(250, 200, 0, 255))
    path = tmp_path / "logo.png"
    logo.save(path)
    return str(path)


def assert_inside_safe_area(layer: Layer, size: tuple[int, int]) -> None:
    box = safe_area(*size)
    height, width = layer.image.shape[:2]
    assert box.left <= layer.x and layer.x + width <= box.right, (layer.x, width, box)
    assert box.top <= layer.y and layer.y + height <= box.bottom, (layer.y, height, box)


def composite(layer: Layer, size: tuple[int, int], style: Style = STYLE) -> np.ndarray:
    frame = Image.fromarray(card_background(size, style)).convert("RGBA")
    frame.alpha_composite(Image.fromarray(layer.image), (layer.x, layer.y))
    return np.asarray(frame.convert("RGB"))


def near(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 12) -> np.ndarray:
    return (np.abs(image[..., :3].astype(int) - colour) <= tolerance).all(axis=-1)


def longest_run(row: np.ndarray) -> int:
    best = current = 0
    for value in row:
        current = current + 1 if value else 0
        best = max(best, current)
    return best


def ink_bands(alpha: np.ndarray) -> list[tuple[int, int]]:
    """(first row, end row) of each horizontal band of rows that hold ink, top to bottom."""
    inked = (alpha > 0).any(axis=1)
    bands, start = [], None
    for row, has_ink in enumerate([*inked, False]):
        if has_ink and start is None:
            start = row
        elif not has_ink and start is not None:
            bands.append((start, row))
            start = None
    return bands


# --- every card, every shape ---------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("content", CARDS, ids=lambda content: type(content).__name__)
def test_card_lies_inside_the_safe_area_cropped_to_its_ink(content, size):
    layer = card_layer(content, size, STYLE)

    assert layer.image.dtype == np.uint8 and layer.image.ndim == 3 and layer.image.shape[2] == 4
    assert_inside_safe_area(layer, size)
    alpha = layer.image[..., 3]
    assert alpha[0].any() and alpha[-1].any() and alpha[:, 0].any() and alpha[:, -1].any()  # cropped


@pytest.mark.parametrize("size", SIZES[:4], ids=lambda size: f"{size[0]}x{size[1]}")
def test_logo_card_shows_the_logo_inside_the_safe_area(size, logo_path):
    style = Style(logo_path=logo_path)
    layer = card_layer(LogoCard("Acme", "Made by hand"), size, style)

    assert_inside_safe_area(layer, size)
    disc, bar = near(layer.image, (40, 160, 220), 4), near(layer.image, (250, 200, 0), 4)
    assert disc.any() and bar.any()
    logo_columns = np.flatnonzero((disc | bar).any(axis=0))
    assert logo_columns[-1] - logo_columns[0] + 1 <= round(0.45 * min(size)) + 1


def test_cards_scale_with_the_short_side():
    small = card_layer(TitleCard("Espresso"), (270, 480), STYLE)
    large = card_layer(TitleCard("Espresso"), (1080, 1920), STYLE)

    assert large.image.shape[0] == pytest.approx(4 * small.image.shape[0], rel=0.1)


# --- fitting ---------------------------------------------------------------------------------------


LONG_TITLE = "Hand-thrown stoneware espresso cup, speckled glaze"  # 50 characters, as long as product names run


@pytest.mark.parametrize("size", SIZES[:4], ids=lambda size: f"{size[0]}x{size[1]}")
def test_long_texts_shrink_and_wrap_inside_the_safe_area(size):
    short = card_layer(TitleCard("Espresso cup"), size, STYLE)
    long = card_layer(TitleCard(LONG_TITLE, "Speckled glaze, fired twice in a wood kiln"), size, STYLE)

    assert_inside_safe_area(long, size)
    lines = ink_bands(long.image[..., 3])
    assert len(lines) >= 3  # wrapped, title and subtitle both drawn
    assert lines[0][1] - lines[0][0] < short.image.shape[0]  # and smaller than a short title


@pytest.mark.parametrize(
    "content",
    [
        TitleCard(" ".join(["Unbelievably"] * 40)),
        TitleCard("Pneumonoultramicroscopicsilicovolcanoconiosis" * 2),
        PriceCard("€" + "9" * 60),
        FeatureList("Features", tuple(f"Feature {n}" for n in range(6))),
        CallToAction("Shop now", URL + "/" + "x" * 1200, qr=True),
        TitleCard("   "),
    ],
    ids=["too-many-lines", "word-too-wide", "price-too-wide", "six-bullets", "qr-too-dense", "blank-title"],
)
def test_text_that_cannot_fit_raises_a_clear_error(content):
    from generation.assembly.cards import card_fits

    with pytest.raises(ValueError, match=r"shorten|at most|empty|shorter"):
        card_layer(content, (270, 480), STYLE)
    with pytest.raises(ValueError, match=r"shorten|at most|empty|shorter"):  # the pre-flight says the same
        card_fits(content, (270, 480), STYLE)


def test_the_pre_flight_passes_what_draws():
    from generation.assembly.cards import card_fits
    from generation.assembly.overlays import caption_fits

    for content in (
        TitleCard("Linen shirt", "€49.00"),
        PriceCard("$18.00", "$24.00", "-25%", "Sale"),
        CallToAction("Shop now", URL, qr=True),
        FeatureList("Why", ("Soft", "Warm")),
    ):
        card_fits(content, (270, 480), STYLE)
        card_layer(content, (270, 480), STYLE)
    caption_fits("Espresso cup, stoneware", (270, 480), STYLE)
    with pytest.raises(ValueError, match="caption"):
        caption_fits("x" * 400, (270, 480), STYLE)


def test_a_cjk_title_draws_real_glyphs_not_tofu():
    size = (270, 480)
    first, second = (card_layer(TitleCard(text), size, STYLE) for text in ("新", "作"))
    # Control: a font without the script draws the same missing-glyph box for both characters.
    latin = Style(font_path=str(LATIN_FONT))
    tofu_first, tofu_second = (card_layer(TitleCard(text), size, latin).image for text in ("新", "作"))

    assert np.array_equal(tofu_first, tofu_second)
    assert (first.image[..., 3] > 128).sum() > 100
    assert first.image.shape != second.image.shape or not np.array_equal(first.image, second.image)
    wrapped = card_layer(TitleCard("新作クロールバリエ2WAYショルダーバッグ新登場です", "送料無料"), size, STYLE)
    assert_inside_safe_area(wrapped, size)


# --- what each card shows --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(270, 480), (480, 270), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_price_card_strikes_through_the_old_price_and_shows_the_badge(size):
    layer = card_layer(PriceCard("€79", compare_at="€99.00", discount="-20%"), size, STYLE)
    alpha, short = layer.image[..., 3], min(size)
    old_price_band, price_band = ink_bands(alpha)[:2]

    def full_width_rows(band):
        top, bottom = band
        ink_columns = np.flatnonzero((alpha[top:bottom] > 0).any(axis=0))
        span = ink_columns[-1] - ink_columns[0] + 1
        solid = (alpha[top:bottom] > 200) & near(layer.image[top:bottom], (198, 198, 198), 40)
        return [row for row in range(bottom - top) if longest_run(solid[row]) >= 0.95 * span]

    struck = full_width_rows(old_price_band)
    assert struck, "no strike-through line across the old price"
    middle = (old_price_band[0] + old_price_band[1]) / 2 - old_price_band[0]
    assert abs(np.mean(struck) - middle) < (old_price_band[1] - old_price_band[0]) * 0.3
    assert not full_width_rows(price_band)  # the check is not fooled by plain text
    accent = near(layer.image, parse_hex_color(STYLE.accent), 6) & (alpha == 255)
    assert accent.sum() > 0.01 * short * short


def test_price_card_without_sale_draws_just_the_price():
    plain = card_layer(PriceCard("€79.00"), (270, 480), STYLE)

    assert len(ink_bands(plain.image[..., 3])) == 1
    assert not near(plain.image, parse_hex_color(STYLE.accent), 30).any()


@pytest.mark.parametrize("size", [(270, 480), (480, 270), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_call_to_action_qr_code_decodes_to_the_full_url(size):
    layer = card_layer(CallToAction("Shop now", URL + "/", qr=True), size, STYLE)
    frame = composite(layer, size)
    if min(size) < 500:  # a few pixels per module: enlarge (nearest, still crisp) for the detector
        frame = cv2.resize(frame, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)

    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(frame)

    assert decoded == URL + "/"
    values = np.unique(layer.image[..., :3].reshape(-1, 3), axis=0)
    assert any((values == 0).all(axis=1)) and any((values == 255).all(axis=1))


def test_call_to_action_without_qr_has_no_code_and_a_shortened_url():
    size = (270, 480)
    with_url = card_layer(CallToAction("Shop now", URL), size, STYLE)
    without_url = card_layer(CallToAction("Shop now"), size, STYLE)

    assert cv2.QRCodeDetector().detectAndDecode(composite(with_url, size))[0] == ""
    # The button, then the URL without its scheme on two lines at the smallest legible size (a QR code would add a
    # band of squares).
    assert len(ink_bands(with_url.image[..., 3])) == 3 and len(ink_bands(without_url.image[..., 3])) == 1
    assert near(with_url.image, parse_hex_color(STYLE.accent), 6).sum() > 0.01 * 270 * 270  # the button


def test_display_urls_drop_scheme_www_and_trailing_slash_then_fall_back_to_shorter_forms():
    from generation.assembly.cards import _display_urls

    assert _display_urls("https://www.shop.example.com/p/cup/") == ["shop.example.com/p/cup", "shop.example.com"]
    assert _display_urls("http://shop.example.com/p/cup?colour=blue#top") == [
        "shop.example.com/p/cup?colour=blue#top",
        "shop.example.com/p/cup",
        "shop.example.com",
    ]
    assert _display_urls("https://shop.example.com/") == ["shop.example.com"]


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (1080, 1080), (270, 480)])
def test_a_url_with_tracking_parameters_prints_shorter_but_the_qr_code_holds_all_of_it(size):
    url = (
        "https://www.example-shop.com/collections/summer-sale/products/linen-shirt-relaxed-fit-blue"
        "?variant=4412345678901&utm_source=video&utm_medium=social&utm_campaign=summer_2026_launch"
    )
    layer = card_layer(CallToAction("Shop now", url, qr=True), size, STYLE)
    frame = composite(layer, size)
    if size[0] < 1000:  # small frames: enlarge for the detector, as the other QR tests do
        frame = cv2.resize(frame, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
    assert cv2.QRCodeDetector().detectAndDecode(frame)[0] == url


def test_a_long_url_is_shown_smaller_and_broken_at_slashes_then_falls_back_to_the_host():
    size = (960, 540)  # room for a long URL at a legible size (9:16 prints the host alone, below)
    medium_url = "https://shop.example.com/products/hand-thrown-espresso-cup-set"
    long_url = "https://shop.example.com/collections/summer-sale/products/hand-thrown-espresso-cup"
    short, medium, long = (
        card_layer(CallToAction("Shop", url), size, STYLE)
        for url in ("https://shop.example.com/", medium_url, long_url)
    )
    short_bands, medium_bands, long_bands = (ink_bands(layer.image[..., 3]) for layer in (short, medium, long))

    assert_inside_safe_area(long, size)
    height = lambda band: band[1] - band[0]  # noqa: E731
    assert len(medium_bands) == 2 and height(medium_bands[1]) < height(short_bands[1])  # one smaller line
    assert len(long_bands) == 3  # button, then the URL on two lines
    # A path that fits in no two lines: the host alone is printed (the card never fails over a printed URL).
    unbreakable = card_layer(CallToAction("Shop", "https://shop.example.com/" + "x" * 120), size, STYLE)
    assert len(ink_bands(unbreakable.image[..., 3])) == 2
    narrow, host = (
        card_layer(CallToAction("Shop", url), (270, 480), STYLE) for url in (medium_url, "https://shop.example.com")
    )
    assert narrow.text_boxes == host.text_boxes  # 9:16 prints "shop.example.com" alone


def test_feature_list_bullets_are_left_aligned_accent_dots():
    size = (480, 270)
    layer = card_layer(FeatureList("Features", ("Dishwasher safe", "Holds 90 ml", "Made in Devon")), size, STYLE)
    dots = near(layer.image, parse_hex_color(STYLE.accent), 6) & (layer.image[..., 3] == 255)
    dot_bands = ink_bands(dots.astype(np.uint8))

    assert len(dot_bands) == 3
    first_columns = {int(np.flatnonzero(dots[top:bottom].any(axis=0))[0]) for top, bottom in dot_bands}
    assert len(first_columns) == 1
    assert_inside_safe_area(layer, size)


# --- overlays --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_caption_sits_low_in_the_safe_area_white_on_a_translucent_box(size):
    # The first cue, split as the timeline splits a caption for this size.
    chars = caption_line_chars(size, STYLE)
    cue = caption_cues("Hand-thrown in Devon, fired twice in a wood kiln", 0, 1, max_chars_per_line=chars)[0]
    layer = caption_layer(cue.text, size, STYLE)
    box = safe_area(*size)
    image, alpha = layer.image, layer.image[..., 3]

    assert_inside_safe_area(layer, size)
    assert layer.y > box.top + box.height / 2
    centre = layer.x + image.shape[1] / 2
    assert abs(centre - (box.left + box.right) / 2) <= 1
    assert (near(image, (0, 0, 0), 2) & (np.abs(alpha.astype(int) - 153) <= 2)).sum() > image.shape[0] * 10
    assert (near(image, (255, 255, 255), 2) & (alpha == 255)).any()
    assert len(ink_bands((near(image, (255, 255, 255), 60) & (alpha > 200)).astype(np.uint8))) <= 2


def test_caption_that_cannot_fit_two_lines_raises():
    with pytest.raises(ValueError, match="caption"):
        caption_layer("A caption far too long for the screen " * 8, (270, 480), STYLE)


@pytest.mark.parametrize("size", SIZES[:4], ids=lambda size: f"{size[0]}x{size[1]}")
def test_badge_is_an_accent_disc_with_contrasting_text_at_the_top_left(size):
    layer = badge_layer("-25%", size, STYLE)
    box = safe_area(*size)

    assert (layer.x, layer.y) == (box.left, box.top)
    assert near(layer.image, parse_hex_color(STYLE.accent), 4).sum() > 0.01 * min(size) ** 2
    assert near(layer.image, text_colour_on(STYLE.accent), 4).any()


@pytest.mark.parametrize("position", ["top-left", "top-right", "bottom-left", "bottom-right"])
@pytest.mark.parametrize("size", SIZES[:4], ids=lambda size: f"{size[0]}x{size[1]}")
def test_watermark_sits_in_the_named_corner_of_the_safe_area(position, size, logo_path):
    layer = watermark_layer(Style(logo_path=logo_path), size, position)
    box = safe_area(*size)
    height, width = layer.image.shape[:2]
    vertical, horizontal = position.split("-")

    assert layer.x == box.left if horizontal == "left" else layer.x + width == box.right
    assert layer.y == box.top if vertical == "top" else layer.y + height == box.bottom
    assert height == pytest.approx(0.11 * min(size), abs=1.5)
    assert layer.image[..., 3].max() == round(255 * 0.85)


def test_no_watermark_for_none_or_without_a_logo(logo_path):
    assert watermark_layer(Style(logo_path=logo_path), (270, 480), "none") is None
    assert watermark_layer(Style(), (270, 480), "top-left") is None
    with pytest.raises(ValueError, match="top-right"):
        watermark_layer(Style(logo_path=logo_path), (270, 480), "middle")


# --- colours ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("background", "expected"),
    [
        ("#000000", (255, 255, 255)),
        ("#1d2b3a", (255, 255, 255)),
        ("#5a189a", (255, 255, 255)),
        ("#ffffff", (0, 0, 0)),
        ("#ffd23f", (0, 0, 0)),
        ("#f4efe6", (0, 0, 0)),
    ],
)
def test_text_colour_on_picks_the_more_readable_of_black_and_white(background, expected):
    assert text_colour_on(background) == expected


@pytest.mark.parametrize(("background", "bottom_is"), [("#1d2b3a", "lighter"), ("#f4efe6", "darker")])
def test_card_background_is_the_brand_colour_with_a_subtle_vertical_gradient(background, bottom_is):
    image = card_background((270, 480), Style(background=background))
    colour = np.array(parse_hex_color(background))

    assert image.shape == (480, 270, 3) and image.dtype == np.uint8
    assert (image[0] == colour).all()
    assert (image == image[:, :1]).all()  # every row is one colour
    change = image[-1, 0].astype(int) - colour
    assert (change > 0).all() if bottom_is == "lighter" else (change < 0).all()
    assert np.abs(change).max() < 40  # subtle


def test_a_tall_stack_shrinks_to_fit_a_landscape_safe_area():
    size = (480, 270)
    bullets = tuple(f"Feature number {n} that is long enough to need a second line on screen" for n in range(5))
    content = FeatureList("Five good reasons to choose this hand-thrown espresso cup", bullets)

    layer = card_layer(content, size, STYLE)

    assert_inside_safe_area(layer, size)
    assert layer.image.shape[0] > 0.8 * safe_area(*size).height  # it fills the height, centred
