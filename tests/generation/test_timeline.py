"""Timeline data: rendition sizes, validation, durations and start times (pure data, no media)."""

from __future__ import annotations

import dataclasses

import pytest

from generation.assembly.timeline import ClipSegment, Timeline, TitleCard, rendition_size, timeline_validate


@pytest.mark.parametrize(
    ("aspect_ratio", "short_side", "size"),
    [
        ("9:16", 1080, (1080, 1920)),
        ("1:1", 1080, (1080, 1080)),
        ("16:9", 1080, (1920, 1080)),
        ("4:5", 1080, (1080, 1350)),
        ("9:16", 720, (720, 1280)),
        ("9:16", 64, (64, 114)),  # 113.8 rounds to the nearest even
        ("1:1", 64, (64, 64)),
        ("16:9", 64, (114, 64)),
        ("4:5", 64, (64, 80)),
        ("4:5", 90, (90, 112)),  # 112.5 -> an even side, not 113
    ],
)
def test_rendition_size(aspect_ratio, short_side, size):
    assert rendition_size(aspect_ratio, short_side) == size


@pytest.mark.parametrize("aspect_ratio", ["9:16", "1:1", "16:9", "4:5"])
@pytest.mark.parametrize("short_side", [16, 96, 250, 1080])
def test_rendition_sizes_are_even_and_keep_the_ratio(aspect_ratio, short_side):
    width, height = rendition_size(aspect_ratio, short_side)
    assert width % 2 == 0 and height % 2 == 0
    assert min(width, height) == short_side
    ratio_w, ratio_h = map(int, aspect_ratio.split(":"))
    assert width / height == pytest.approx(ratio_w / ratio_h, rel=0.02)


def test_unknown_aspect_ratio_lists_valid_ones():
    with pytest.raises(ValueError, match="3:2") as error:
        rendition_size("3:2", 1080)
    assert all(ratio in str(error.value) for ratio in ("9:16", "1:1", "16:9", "4:5"))


@pytest.mark.parametrize("short_side", [1081, 15, 14, 0, -2])
def test_bad_short_side_is_rejected(short_side):
    with pytest.raises(ValueError, match="short_side"):
        rendition_size("9:16", short_side)


def card(duration: float = 1.0) -> TitleCard:
    return TitleCard("Espresso cup", "$12.00", duration, background="#102030", foreground="#ffffff")


def test_duration_and_starts():
    timeline = Timeline(
        width=64, height=114, fps=30,
        segments=(card(1.0), ClipSegment("a.mp4", 2.5), ClipSegment("b.mp4", 0.1), card(0.5)),
    )
    assert timeline.duration == pytest.approx(4.1)
    assert timeline.starts() == pytest.approx([0.0, 1.0, 3.5, 3.6])
    assert timeline.num_frames == 123
    assert timeline.music_path is None


def test_durations_with_float_error_still_count_as_whole_frames():
    # 1/3 s at 30 fps is 10 frames, though 30 * (1/3) is not exactly 10.0 in binary.
    timeline = Timeline(64, 64, 30, (ClipSegment("a.mp4", 1 / 3), ClipSegment("b.mp4", 0.1 + 0.2)))
    assert timeline.num_frames == 19


def test_segment_not_a_whole_number_of_frames_is_named():
    with pytest.raises(ValueError, match="segment 1") as error:
        Timeline(64, 64, 10, (card(1.0), ClipSegment("a.mp4", 1.05)))
    assert "10 fps" in str(error.value)


@pytest.mark.parametrize("duration", [0.0, -0.5])
def test_empty_or_negative_segment_is_rejected(duration):
    with pytest.raises(ValueError, match="segment 0"):
        Timeline(64, 64, 10, (ClipSegment("a.mp4", duration),))


def test_no_segments_is_rejected():
    with pytest.raises(ValueError, match="no segments"):
        Timeline(64, 64, 10, ())


@pytest.mark.parametrize(("width", "height", "named"), [(63, 64, "width"), (64, 65, "height"), (8, 64, "width")])
def test_odd_or_tiny_size_is_rejected(width, height, named):
    with pytest.raises(ValueError, match=named):
        Timeline(width, height, 10, (card(),))


def test_bad_fps_is_rejected():
    with pytest.raises(ValueError, match="fps"):
        Timeline(64, 64, 0, (card(),))


def test_segments_must_be_a_tuple_of_known_segments():
    with pytest.raises(ValueError, match="tuple"):
        Timeline(64, 64, 10, [card()])
    with pytest.raises(ValueError, match="segment 1"):
        Timeline(64, 64, 10, (card(), "clip.mp4"))


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "102030"])
def test_title_card_colours_must_be_hex(colour):
    with pytest.raises(ValueError, match="rrggbb"):
        TitleCard("t", "s", 1.0, background=colour, foreground="#ffffff")


def test_timeline_is_frozen_and_validate_is_callable_on_its_own():
    timeline = Timeline(64, 64, 10, (card(),), music_path="music.wav")
    with pytest.raises(dataclasses.FrozenInstanceError):
        timeline.fps = 25
    timeline_validate(timeline)  # a valid timeline passes silently
