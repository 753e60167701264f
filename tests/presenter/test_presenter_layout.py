"""The pure parts of presenter scenes: where the host goes per layout, captions that follow speech, the script's
punctuation put back on the TTS's words, and the product card's fit check."""

import pytest

from generation.assembly.captions import spoken_cues
from generation.assembly.presenter_frames import product_card_fits
from generation.assembly.presenter_layout import card_region, host_box, product_box
from generation.assembly.timeline import ProductCard, Style, rendition_size, safe_area
from generation.presenter.shot_speech import words_punctuated


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9", "4:5"])
def test_every_layout_keeps_the_host_inside_the_frame_with_even_sides(aspect):
    width, height = rendition_size(aspect, 1080)
    assert host_box("full", width, height).width == width and product_box("full", width, height) is None
    split_host, split_product = host_box("split", width, height), product_box("split", width, height)
    assert split_host.width % 2 == 0 and split_host.height % 2 == 0
    # The two halves tile the frame without overlapping.
    assert split_host.width * split_host.height + split_product.width * split_product.height == width * height
    pip = host_box("pip", width, height)
    safe = safe_area(width, height)
    assert safe.left <= pip.left and pip.right <= safe.right and pip.top >= safe.top and pip.bottom <= height
    assert pip.width * pip.height < width * height / 4  # a corner window, not half the frame
    assert pip.width % 2 == 0 and pip.height % 2 == 0


def test_a_split_puts_the_host_on_top_of_tall_frames_and_left_of_wide_ones():
    assert host_box("split", 1080, 1920).bottom == 960 and product_box("split", 1080, 1920).top == 960
    assert host_box("split", 1920, 1080).right == 960 and product_box("split", 1920, 1080).left == 960
    assert card_region("split", 1920, 1080).left > 960  # the card sits on the product's half


def test_spoken_cues_start_on_their_first_word_and_break_at_sentences_and_pauses():
    words = [
        ("Meet", 0.40, 0.62),
        ("the", 0.62, 0.70),
        ("mug.", 0.70, 1.05),
        ("It", 1.40, 1.50),
        ("keeps", 1.50, 1.80),
        ("coffee", 1.80, 2.10),
        ("hot", 2.10, 2.40),
        ("all", 3.20, 3.35),
        ("day!", 3.35, 3.70),
    ]
    cues = spoken_cues(words)
    assert [cue.text for cue in cues] == ["Meet the mug.", "It keeps coffee hot", "all day!"]
    assert [t for cue in cues for t in (cue.start, cue.end)] == pytest.approx([0.40, 1.05, 1.40, 2.40, 3.20, 3.80])
    # "all day!" lasts 0.5 s: held to the 0.6 s minimum so it can be read


def test_spoken_cues_split_a_long_sentence_into_lines_that_fit():
    words = [(f"word{index}", index * 0.3, index * 0.3 + 0.25) for index in range(20)]
    cues = spoken_cues(words, max_chars_per_line=20)
    assert all(len(cue.text) <= 20 for cue in cues) and len(cues) > 4
    assert " ".join(cue.text for cue in cues).split() == [w[0] for w in words]


def test_words_said_in_pieces_are_written_as_the_script_writes_them():
    script = "Meet the Print A3! Yours for $35.00."
    words = [
        ["Meet", 0, 0.1],
        ["the", 0.1, 0.2],
        ["Print", 0.2, 0.4],
        ["A", 0.4, 0.5],
        ["3", 0.5, 0.7],
        ["Yours", 0.9, 1.0],
        ["for", 1.0, 1.1],
        ["35.00", 1.1, 1.6],
    ]
    assert words_punctuated(script, words) == [
        ["Meet", 0, 0.1],
        ["the", 0.1, 0.2],
        ["Print", 0.2, 0.4],
        ["A3!", 0.4, 0.7],
        ["Yours", 0.9, 1.0],
        ["for", 1.0, 1.1],
        ["$35.00.", 1.1, 1.6],
    ]


def test_the_scripts_punctuation_goes_back_on_the_words():
    script = 'Say hello to the "Mug"! Only $18.00, really.'
    words = [
        ["Say", 0, 0.1],
        ["hello", 0.1, 0.2],
        ["to", 0.2, 0.3],
        ["the", 0.3, 0.4],
        ["Mug", 0.4, 0.5],
        ["Only", 0.6, 0.7],
        ["18.00", 0.7, 0.9],
        ["really", 0.9, 1.0],
        ["unsaid", 1.0, 1.1],
    ]
    assert [w[0] for w in words_punctuated(script, words)] == [
        "Say",
        "hello",
        "to",
        "the",
        '"Mug"!',
        "Only",
        "$18.00,",
        "really.",
        "unsaid",
    ]


def test_a_product_card_too_big_for_the_frame_is_refused_saying_what_to_change():
    region = card_region("full", 160, 284)
    product_card_fits(
        ProductCard(title="Ceramic Mug", price="$18.00", compare_at="$24.00", discount="-25%"),
        (160, 284),
        Style(),
        region,
    )
    product_card_fits(ProductCard(title="Extraordinarily " * 12, price="$18.00"), (160, 284), Style(), region)
    with pytest.raises(ValueError, match="too little for the product title and the price"):  # cut, but no room
        product_card_fits(
            ProductCard(title="Extraordinarily " * 12, price="$18.00"),
            (160, 284),
            Style(),
            type(region)(region.left, region.bottom - 12, region.right, region.bottom),
        )


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9", "4:5"])
@pytest.mark.parametrize("layout", ["full", "split", "pip"])
def test_the_product_card_stays_clear_of_the_captions_and_the_pip_window(aspect, layout):
    from generation.assembly import overlays
    from generation.assembly.presenter_frames import card_region_clear_of_captions

    size = rendition_size(aspect, 540)
    region = card_region_clear_of_captions(layout, size, Style())
    caption = overlays.caption_layer("Meet the Ceramic Mug.", size, Style())
    assert region.bottom < caption.y  # the card ends above the spoken caption's box
    if layout == "pip":
        window = host_box("pip", *size)
        overlaps = (
            region.left < window.right
            and window.left < region.right
            and region.top < window.bottom
            and window.top < region.bottom
        )
        assert not overlaps  # below the window in a tall or square frame, beside it in a wide one
    product_card_fits(
        ProductCard(title="Ceramic Mug, Stoneware", price="$18.00", compare_at="$24.00", discount="-25%"),
        size,
        Style(),
        region,
    )


PRODUCT_SHARE = 0.35  # the pip's product box covers at least this much of the frame in every aspect ratio


def _overlap(a, b) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


@pytest.mark.parametrize("short_side", [1080, 540])
@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9", "4:5"])
def test_the_pip_shows_the_product_large_beside_the_host_the_card_and_the_captions(aspect, short_side):
    from generation.assembly import overlays
    from generation.assembly.presenter_frames import card_region_clear_of_captions, product_card_layer

    size = rendition_size(aspect, short_side)
    width, height = size
    product, host = product_box("pip", width, height), host_box("pip", width, height)
    assert 0 <= product.left and 0 <= product.top and product.right <= width and product.bottom <= height
    assert product.width * product.height >= PRODUCT_SHARE * width * height
    assert not _overlap(product, host)
    card = product_card_layer(
        ProductCard(title="Ceramic Mug, Stoneware", price="$18.00", compare_at="$24.00", discount="-25%"),
        size,
        Style(),
        card_region_clear_of_captions("pip", size, Style()),
    )
    card_box = type(product)(card.x, card.y, card.x + card.image.shape[1], card.y + card.image.shape[0])
    caption = overlays.caption_layer("Meet the Ceramic Mug.", size, Style())
    safe = safe_area(width, height)
    for box in (host, card_box):  # the host, the card and the captions keep out of each other and the product
        assert not _overlap(box, product) and box.bottom < caption.y
        assert safe.left <= box.left and box.right <= safe.right and safe.top <= box.top
    assert not _overlap(host, card_box) and product.bottom < caption.y
    # Every text the card draws is inside the safe area and at least 3.5 % of the frame height tall.
    assert card.text_boxes and all(
        safe.left <= b.left and b.right <= safe.right and safe.top <= b.top and b.bottom <= safe.bottom
        for b in card.text_boxes
    )
    assert min(b.height for b in card.text_boxes) >= 0.035 * height


def test_a_long_title_is_cut_with_an_ellipsis_rather_than_refused():
    size = rendition_size("9:16", 1080)
    from generation.assembly.presenter_frames import _product_card, card_region_clear_of_captions

    region = card_region_clear_of_captions("pip", size, Style())
    title = "Handmade Stoneware Espresso Cup with Saucer and Spoon, Glazed in Deep Ocean Blue"
    _, height, boxes = _product_card(ProductCard(title=title, price="$18.00"), size, Style(), region, paint=True)
    assert height <= region.height and len(boxes) == 3  # two title lines and the price
