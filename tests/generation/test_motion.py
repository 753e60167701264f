"""Motion design and legibility (issue 15): card parts entering in turn, the badge popping, the push, zoom and wipe
transitions, cuts moved onto beats, and every text big enough and inside the safe area in every shape.

Frames are saved under var/test-artifacts/motion/ for a reviewer to look at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generation.assembly import card_canvas, cards, overlays
from generation.assembly.beats import cuts_on_beats
from generation.assembly.captions import caption_cues
from generation.assembly.clipio import write_clip
from generation.assembly.compositor import Compositor
from generation.assembly.frame_sources import CardFrames, Overlay, part_entering
from generation.assembly.timeline import (
    CallToAction,
    FeatureList,
    LogoCard,
    PriceCard,
    Segment,
    ShotClip,
    Style,
    Timeline,
    TitleCard,
    Transition,
    parse_hex_color,
    safe_area,
)
from generation.feature_bullets import description_bullets

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "motion"
STYLE = Style(background="#1d2b3a", foreground="#ffffff", accent="#e4572e")
SMALL = (270, 480)
PRICE = PriceCard("€79.00", compare_at="€99.00", discount="-20%", headline="Summer sale")
NAME_50 = "Hand-thrown stoneware espresso cup, speckled glaze"
DESCRIPTION_300 = (
    "Thrown by hand on the wheel in our Devon studio, each cup holds a double espresso and keeps it hot thanks to "
    "its thick stoneware walls. The speckled oatmeal glaze is food safe, dishwasher safe and microwave safe. Fired "
    "twice in a wood kiln, so every cup differs a little in colour and pattern from the next."
)
SHAPES = [(1080, 1920), (1920, 1080), (1080, 1350), (1080, 1080)]


def save(name: str, frames: list[np.ndarray]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(frames, axis=1)).save(ARTIFACTS / f"{name}.png")


def static_card(content, size, style=STYLE) -> np.ndarray:
    frame = cards.card_background(size, style).copy()
    Overlay(cards.card_layer(content, size, style), size).blend_onto(frame)
    return frame


# --- card entrances -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        PRICE,
        TitleCard(NAME_50, "€12.00"),
        LogoCard("Acme Ceramics", "Made in Devon"),
        FeatureList("Why you'll love it", ("Dishwasher safe", "Holds 90 ml")),
        CallToAction("Shop now", "https://shop.example.com"),
    ],
    ids=lambda content: type(content).__name__,
)
def test_a_card_moves_while_it_enters_then_settles_on_the_static_card(content):
    source = CardFrames(Segment(content, 3.0), SMALL, 30, STYLE)
    settled = static_card(content, SMALL)
    middle = source.frame(source.entrance_frames // 2)

    assert 0.3 <= source.entrance_frames / 30 <= 1.5
    assert np.abs(middle.astype(int) - settled).max() > 60  # mid-entrance is not the card
    assert np.array_equal(source.frame(source.entrance_frames), settled)
    assert np.array_equal(source.frame(89), settled)
    # The last entrance frame lands on the card: no jump when the still takes over.
    assert np.abs(source.frame(source.entrance_frames - 2).astype(int) - settled).mean() < 2
    save(f"entrance-{type(content).__name__}", [source.frame(i) for i in range(0, source.entrance_frames + 1, 3)])


def test_the_parts_enter_in_turn_top_to_bottom():
    source = CardFrames(Segment(TitleCard(NAME_50), 3.0), SMALL, 30, STYLE)
    ink = [(np.abs(source.frame(i).astype(int) - source.background).sum(axis=2) > 40) for i in range(4)]
    rows = [np.flatnonzero(mask.any(axis=1)) for mask in ink]

    assert len(source.parts) >= 2 and [part.motion for part in source.parts] == ["rise"] * len(source.parts)
    assert rows[0].size == 0 or rows[0][-1] < rows[3][-1]  # lower lines are not in yet at first


def test_price_card_parts_strike_slam_and_pop():
    parts = {part.motion: part for part in cards.card_parts(PRICE, SMALL, STYLE)}
    assert set(parts) == {"rise", "strike", "slam", "pop"}

    strike = [part_entering(parts["strike"], p, SMALL)[0].image.shape[1] for p in (0.1, 0.4, 0.7, 1.0)]
    assert strike == sorted(strike) and strike[0] < strike[-1] == parts["strike"].layer.image.shape[1]

    badge_width = parts["pop"].layer.image.shape[1]
    pop = [part_entering(parts["pop"], p / 20, SMALL)[0].image.shape[1] for p in range(1, 21)]
    assert pop[0] < 0.5 * badge_width and max(pop) > 1.05 * badge_width and pop[-1] == badge_width  # overshoots

    price_width = parts["slam"].layer.image.shape[1]
    slam = [part_entering(parts["slam"], p / 20, SMALL)[0].image.shape[1] for p in range(1, 21)]
    assert slam[0] > 1.15 * price_width and min(slam) < price_width and slam[-1] == price_width  # lands, dips


def test_parts_at_rest_make_the_whole_card():
    for content in (PRICE, CallToAction("Shop now", "https://shop.example.com", qr=True)):
        whole = cards.card_background(SMALL, STYLE).copy()
        Overlay(cards.card_layer(content, SMALL, STYLE), SMALL).blend_onto(whole)
        parts = cards.card_background(SMALL, STYLE).copy()
        for part in cards.card_parts(content, SMALL, STYLE):
            Overlay(part.layer, SMALL).blend_onto(parts)
        assert np.abs(parts.astype(int) - whole).max() <= 2


# --- transitions and the badge over shots ----------------------------------------------------------------


RED, BLUE = (200, 30, 30), (30, 30, 200)


@pytest.fixture(scope="module")
def solid_clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("solid")
    paths = {}
    for name, colour in (("red", RED), ("blue", BLUE)):
        frames = np.empty((30, SMALL[1], SMALL[0], 3), np.uint8)
        frames[:] = colour
        paths[name] = str(folder / f"{name}.mp4")
        write_clip(frames, 30, paths[name])
    return paths


def two_shots(clips, kind: str, **segment) -> Timeline:
    return Timeline(
        width=SMALL[0],
        height=SMALL[1],
        fps=30,
        style=Style(accent="#2ecc71"),
        segments=(
            Segment(ShotClip(clips["red"]), 1.0, **segment),
            Segment(ShotClip(clips["blue"]), 1.0, Transition(kind, 0.5)),
        ),
    )


def near(pixels: np.ndarray, colour, tolerance: int = 40) -> np.ndarray:
    return (np.abs(pixels.astype(int) - colour) <= tolerance).all(axis=-1)


@pytest.mark.parametrize("kind", ["push", "zoom", "wipe", "crossfade", "slide_left", "slide_up"])
def test_each_transition_mid_way_shows_both_segments_in_its_geometry(solid_clips, kind):
    compositor = Compositor(two_shots(solid_clips, kind))
    try:
        frames = [compositor.frame(n) for n in range(15, 31, 3)]
        middle = compositor.frame(22)  # the transition runs over frames 15-29
    finally:
        compositor.close()
    save(f"transition-{kind}", frames)
    red, blue = near(middle, RED), near(middle, BLUE)
    if kind in ("crossfade", "zoom"):  # a dissolve: every pixel a mix of the two
        mixed = near(middle, tuple((a + b) // 2 for a, b in zip(RED, BLUE)), 60)
        assert mixed.mean() > 0.9
    elif kind == "wipe":  # the new segment on the left, the brand-colour band, the old one on the right
        row = middle[SMALL[1] // 2]
        green = near(row, parse_hex_color("#2ecc71"))
        columns = np.flatnonzero(green)
        assert columns.size > 0.1 * SMALL[0]
        assert near(row[: columns[0]], BLUE).all() and near(row[columns[-1] + 1 :], RED).all()
    elif kind == "slide_up":
        assert red[: SMALL[1] // 3].all() and blue[-SMALL[1] // 3 :].all()
    else:  # push and slide_left: the old segment leaves to the left, the new one follows from the right
        assert red[:, : SMALL[0] // 4].all() and blue[:, -SMALL[0] // 4 :].all()
    if kind not in ("crossfade", "zoom"):
        assert red.mean() > 0.2 and blue.mean() > 0.2


def test_zoom_through_scales_the_picture(solid_clips, tmp_path):
    frames = np.zeros((30, SMALL[1], SMALL[0], 3), np.uint8)
    frames[:, 200:280, 95:175] = 255  # a white square in the middle
    path = tmp_path / "square.mp4"
    write_clip(frames, 30, path)
    timeline = Timeline(
        width=SMALL[0],
        height=SMALL[1],
        fps=30,
        segments=(
            Segment(ShotClip(str(path)), 1.0),
            Segment(ShotClip(solid_clips["blue"]), 1.0, Transition("zoom", 0.5)),
        ),
    )
    compositor = Compositor(timeline)
    try:
        before, during = compositor.frame(10), compositor.frame(22)
    finally:
        compositor.close()
    width = lambda frame: np.flatnonzero(frame[240].astype(int).sum(axis=1) > 200).size  # noqa: E731
    assert width(during) > 1.2 * width(before)


def test_the_badge_pops_in_over_its_shots(solid_clips):
    compositor = Compositor(two_shots(solid_clips, "crossfade", badge="-20%"))
    try:
        frames = [compositor.frame(n) for n in range(14)]
    finally:
        compositor.close()
    save("badge-pop", frames[::2])
    accent = [near(frame, parse_hex_color("#2ecc71"), 30).sum() for frame in frames]
    assert accent[0] < 0.5 * accent[-1] and max(accent) > 1.1 * accent[-1]  # grows past full size, settles
    assert accent[-1] == accent[-2]


# --- cuts on beats ------------------------------------------------------------------------------------


def test_cuts_move_to_the_nearest_beat_in_whole_frames():
    beats = [k * 0.5 for k in range(40)]
    durations = cuts_on_beats([2.1, 2.9, 3.0], [0, 0, 0], beats, fps=30)

    assert durations == pytest.approx([2.0, 3.0, 3.0])
    assert all(abs(d * 30 - round(d * 30)) < 1e-9 for d in durations)


def test_a_transition_is_centred_on_the_beat():
    durations = cuts_on_beats([2.0, 3.0], [0, 0.4], [k * 0.5 for k in range(20)], fps=30)
    boundary = durations[0] - 0.4 / 2  # the second segment starts at durations[0] - 0.4 and is half in 0.2 s later
    assert boundary == pytest.approx(2.0)


def test_cuts_far_from_any_beat_stay_and_minimums_hold():
    beats = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert cuts_on_beats([1.6, 2.0], [0, 0], beats, fps=25) == [1.6, 2.0]  # 0.4 s away: beyond the tolerance
    assert cuts_on_beats([0.6, 2.0], [0, 0], beats, fps=25, min_seconds=0.5) == pytest.approx([0.6, 2.0])
    assert cuts_on_beats([0.8, 2.0], [0, 0], beats, fps=25, min_seconds=0.5) == pytest.approx([1.0, 2.0])
    # Transitions keep room: a segment never gets shorter than its two transitions and a frame.
    durations = cuts_on_beats([1.2, 1.2, 1.0], [0, 0.5, 0.5], [0.0, 0.75, 1.5], fps=20, min_seconds=0.1)
    assert durations[1] * 20 >= 0.5 * 20 + 0.5 * 20 + 1


def test_shots_are_only_trimmed_and_presenters_keep_their_length():
    beats = [k * 0.5 for k in range(40)]
    assert cuts_on_beats([1.9, 2.0], [0, 0], beats, fps=30, flex=["shrink", "free"]) == pytest.approx([1.9, 2.0])
    assert cuts_on_beats([2.1, 2.0], [0, 0], beats, fps=30, flex=["shrink", "free"]) == pytest.approx([2.0, 2.0])
    assert cuts_on_beats([2.1, 2.0], [0, 0], beats, fps=30, flex=["fixed", "free"]) == pytest.approx([2.1, 2.0])
    # A boundary after a later segment still lands on a beat even though the one before it stayed (3.7 -> 3.5).
    assert cuts_on_beats([2.1, 1.6, 1.0], [0, 0, 0], beats, fps=30, flex=["fixed", "free", "free"]) == pytest.approx(
        [2.1, 1.4, 1.0]
    )


def test_no_beats_changes_nothing():
    assert cuts_on_beats([1.0, 2.0], [0, 0.5], [], fps=30) == [1.0, 2.0]
    with pytest.raises(ValueError, match="one entry per segment"):
        cuts_on_beats([1.0, 2.0], [0], [], fps=30)


# --- legibility ---------------------------------------------------------------------------------------


def long_cards() -> list:
    bullets = description_bullets(DESCRIPTION_300, max_bullets=4)
    return [
        TitleCard(NAME_50, "€1,249.00"),
        LogoCard("Devon Handmade Ceramics Company", "Small-batch stoneware, thrown and glazed by hand in Devon"),
        PriceCard("€1,249.00", compare_at="€1,499.00", discount="-17%", headline="Summer sale on every cup"),
        FeatureList("Why you'll love it", bullets),
        CallToAction("Shop the collection now", "https://shop.example.com/products/hand-thrown-espresso-cup", qr=True),
    ]


def assert_legible(layer: cards.Layer, size: tuple[int, int], minimum: float = card_canvas.MIN_TEXT_HEIGHT) -> None:
    safe = safe_area(*size)
    assert layer.text_boxes
    for box in layer.text_boxes:
        assert box.height >= minimum * size[1], (box, size)
        assert safe.left <= box.left and box.right <= safe.right and safe.top <= box.top and box.bottom <= safe.bottom
    height, width = layer.image.shape[:2]
    assert safe.left <= layer.x and layer.x + width <= safe.right
    assert safe.top <= layer.y and layer.y + height <= safe.bottom


@pytest.mark.parametrize("size", SHAPES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_text_is_big_enough_and_inside_the_safe_area_with_long_texts(size):
    frames = []
    for content in long_cards():
        layer = cards.card_layer(content, size, STYLE)
        assert_legible(layer, size)
        if isinstance(content, CallToAction):  # the button's text: the thing to act on, bigger still
            assert layer.text_boxes[0].height >= card_canvas.MIN_CTA_HEIGHT * size[1]
        frames.append(static_card(content, size))
    chars = overlays.caption_line_chars(size, STYLE)
    for cue in caption_cues(DESCRIPTION_300, 0, 10, max_chars_per_line=chars):
        assert_legible(overlays.caption_layer(cue.text, size, STYLE), size)
    assert_legible(overlays.badge_layer("-17%", size, STYLE), size)
    caption = overlays.caption_layer(
        caption_cues(DESCRIPTION_300, 0, 10, max_chars_per_line=chars)[0].text, size, STYLE
    )
    Overlay(caption, size).blend_onto(frames[0])
    Overlay(overlays.badge_layer("-17%", size, STYLE), size).blend_onto(frames[0])
    scale = 540 / max(size)
    save(
        f"legible-{size[0]}x{size[1]}",
        [
            np.asarray(
                Image.fromarray(frame).resize(
                    (round(size[0] * scale), round(size[1] * scale)), Image.Resampling.LANCZOS
                )
            )
            for frame in frames
        ],
    )


def test_a_long_description_makes_bullets_trimmed_by_words_not_a_refusal():
    bullets = (
        "Thrown by hand on the wheel in our Devon studio, each cup holds a double espresso and keeps it hot "
        "thanks to its thick stoneware walls",
    )
    layer = cards.card_layer(FeatureList("Details", bullets), (1080, 1920), STYLE)
    assert_legible(layer, (1080, 1920))
    assert len(layer.text_boxes) == 1 + cards.BULLET_LINES  # the heading, then the bullet's lines, shortened


def test_a_title_too_long_for_a_legible_size_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"the title .* shorten it"):
        cards.card_fits(TitleCard(" ".join([NAME_50] * 3)), (1080, 1920), STYLE)


@pytest.mark.parametrize("size", SHAPES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_part_lists_its_text_boxes(size):
    for content in long_cards():
        layer = cards.card_layer(content, size, STYLE)
        part_boxes = [box for part in cards.card_parts(content, size, STYLE) for box in part.layer.text_boxes]
        assert part_boxes == list(layer.text_boxes)
