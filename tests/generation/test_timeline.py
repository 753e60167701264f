"""Timeline data: rendition sizes, timing with overlapping transitions, validation, style and safe area (pure data,
no media)."""

from __future__ import annotations

import dataclasses

import pytest

from generation.assembly.captions import Cue
from generation.assembly.timeline import (
    CUT,
    Box,
    Music,
    PriceCard,
    Segment,
    ShotClip,
    Style,
    Timeline,
    TitleCard,
    Transition,
    Voice,
    parse_hex_color,
    rendition_size,
    safe_area,
    timeline_validate,
)


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


# --- timing: segments, overlapping transitions ------------------------------------------------------

FPS = 12


def shot(duration: float = 1.0, transition: Transition = CUT, **kw) -> Segment:
    return Segment(ShotClip("a.mp4"), duration, transition, **kw)


def timeline(*segments: Segment, **kw) -> Timeline:
    return Timeline(**({"width": 64, "height": 114, "fps": FPS, "segments": segments} | kw))


def test_crossfades_overlap_their_predecessors():
    fade = Transition("crossfade", 0.25)
    tl = timeline(shot(1.0), shot(1.0, fade), shot(1.0, fade))
    assert tl.starts() == pytest.approx([0.0, 0.75, 1.5])
    assert tl.duration == pytest.approx(2.5)
    assert tl.num_frames == 30
    assert tl.start_frames() == [0, 9, 18]


def test_cuts_and_mixed_transitions_add_up():
    tl = timeline(
        Segment(TitleCard("Cup"), 0.5),
        shot(2.0, Transition("slide_left", 0.25)),
        shot(1.0),  # a cut: starts where the one before ends
        Segment(PriceCard("$12.00"), 1.5, Transition("slide_up", 0.5)),
    )
    assert tl.starts() == pytest.approx([0.0, 0.25, 2.25, 2.75])
    assert tl.duration == pytest.approx(4.25)
    assert tl.num_frames == 51
    assert tl.start_frames() == [0, 3, 27, 33]


def test_durations_with_float_error_still_count_as_whole_frames():
    # 1/3 s at 30 fps is 10 frames, though 30 * (1/3) is not exactly 10.0 in binary; 0.1 + 0.2 likewise.
    tl = Timeline(64, 64, 30, (shot(1 / 3), shot(0.1 + 0.2, Transition("crossfade", 0.1))))
    assert tl.num_frames == 16
    assert tl.start_frames() == [0, 7]


def test_transition_on_the_first_segment_is_refused():
    with pytest.raises(ValueError, match="segment 0"):
        timeline(shot(1.0, Transition("crossfade", 0.25)), shot(1.0))


@pytest.mark.parametrize(
    ("first", "second", "transition"),
    [(1.0, 0.5, 0.5), (0.5, 1.0, 0.5), (0.5, 1.0, 0.75)],
    ids=["as-long-as-itself", "as-long-as-the-one-before", "longer-than-the-one-before"],
)
def test_transition_as_long_as_a_neighbour_is_refused(first, second, transition):
    with pytest.raises(ValueError, match="segment 1.*shorter than both"):
        timeline(shot(first), shot(second, Transition("crossfade", transition)))


def test_transition_just_shorter_than_both_neighbours_is_accepted():
    tl = timeline(shot(0.5), shot(0.5, Transition("crossfade", 0.5 - 1 / FPS)))
    assert tl.num_frames == 7


def test_segment_not_a_whole_number_of_frames_is_named():
    with pytest.raises(ValueError, match="segment 1 lasts 1.05 s") as error:
        timeline(shot(1.0), shot(1.05))
    assert "12 fps" in str(error.value)


def test_transition_not_a_whole_number_of_frames_is_named():
    with pytest.raises(ValueError, match="segment 2 has a transition of 0.3 s") as error:
        timeline(shot(1.0), shot(1.0), shot(1.0, Transition("crossfade", 0.3)))
    assert "12 fps" in str(error.value)


@pytest.mark.parametrize("duration", [0.0, -0.5])
def test_empty_or_negative_segment_is_rejected(duration):
    with pytest.raises(ValueError, match="segment 0"):
        timeline(shot(duration))


def test_unknown_transition_kind_lists_the_known_ones():
    with pytest.raises(ValueError, match="spin") as error:
        Transition("spin", 0.5)
    assert all(
        kind in str(error.value) for kind in ("cut", "crossfade", "slide_left", "slide_up", "push", "zoom", "wipe")
    )


def test_cut_with_a_duration_is_refused():
    with pytest.raises(ValueError, match="cut has no duration"):
        Transition("cut", 0.5)


@pytest.mark.parametrize("duration", [0.0, -0.25])
def test_crossfade_needs_a_duration(duration):
    with pytest.raises(ValueError, match="crossfade needs a duration"):
        Transition("crossfade", duration)


def test_no_segments_is_rejected():
    with pytest.raises(ValueError, match="no segments"):
        Timeline(64, 64, 10, ())


@pytest.mark.parametrize(("width", "height", "named"), [(63, 64, "width"), (64, 65, "height"), (8, 64, "width")])
def test_odd_or_tiny_size_is_rejected(width, height, named):
    with pytest.raises(ValueError, match=named):
        Timeline(width, height, 10, (shot(),))


@pytest.mark.parametrize("fps", [0, 12.5, True])
def test_bad_fps_is_rejected(fps):
    with pytest.raises(ValueError, match="fps"):
        Timeline(64, 64, fps, (shot(),))


def test_segments_must_be_a_tuple_of_segments_showing_something_drawable():
    with pytest.raises(ValueError, match="tuple"):
        Timeline(64, 64, 10, [shot()])
    with pytest.raises(ValueError, match="segment 1"):
        Timeline(64, 64, 10, (shot(), "clip.mp4"))
    with pytest.raises(ValueError, match="segment 0 shows a str"):
        Timeline(64, 64, 10, (Segment("clip.mp4", 1.0),))


# --- overlays and soundtrack -------------------------------------------------------------------------


@pytest.mark.parametrize("position", ["top-left", "top-right", "bottom-left", "bottom-right", "none"])
def test_known_watermark_positions_are_accepted(position):
    assert timeline(shot(), watermark=position).watermark == position


@pytest.mark.parametrize("position", ["centre", "top", "Top-Right", ""])
def test_bad_watermark_position_is_refused(position):
    with pytest.raises(ValueError, match="watermark") as error:
        timeline(shot(), watermark=position)
    assert "bottom-right" in str(error.value)


def test_captions_in_order_within_the_video_are_accepted():
    cues = (Cue(0.0, 1.0, "one"), Cue(1.0, 1.5, "two"), Cue(1.75, 2.0, "three"))  # touching is fine
    assert timeline(shot(1.0), shot(1.0), captions=cues).captions == cues


def test_overlapping_captions_are_refused():
    with pytest.raises(ValueError, match="'two'.*overlaps"):
        timeline(shot(1.0), shot(1.0), captions=(Cue(0.0, 1.0, "one"), Cue(0.5, 1.5, "two")))


def test_caption_past_the_end_is_refused():
    with pytest.raises(ValueError, match="'late'.*past the 2 s video"):
        timeline(shot(1.0), shot(1.0), captions=(Cue(1.5, 2.5, "late"),))


def test_caption_past_the_end_counts_the_overlap_of_transitions():
    # 2 s of segments, but the crossfade overlaps 0.5 s of them: the video is 1.5 s long.
    with pytest.raises(ValueError, match="past the 1.5 s video"):
        timeline(shot(1.0), shot(1.0, Transition("crossfade", 0.5)), captions=(Cue(1.0, 1.75, "late"),))


@pytest.mark.parametrize("start", [-0.5, 2.0, 3.0])
def test_voice_outside_the_video_is_refused(start):
    with pytest.raises(ValueError, match="voice starts at .* outside the 2 s video"):
        timeline(shot(1.0), shot(1.0), voices=(Voice("voice.wav", start),))


def test_voice_inside_the_video_is_accepted():
    tl = timeline(shot(1.0), shot(1.0), voices=(Voice("voice.wav", 0.0), Voice("voice.wav", 1.9)))
    assert len(tl.voices) == 2


@pytest.mark.parametrize(
    "music",
    [
        Music("m.wav", volume=1.5),
        Music("m.wav", volume=-0.1),
        Music("m.wav", fade_in=-1.0),
        Music("m.wav", fade_out=-1.0),
    ],
)
def test_bad_music_settings_are_refused(music):
    with pytest.raises(ValueError, match="music"):
        timeline(shot(), music=music)


# --- style ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field_name", ["background", "foreground", "accent"])
@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "102030", "#1020304", None])
def test_style_colours_must_be_hex(field_name, colour):
    with pytest.raises(ValueError, match="rrggbb"):
        Style(**{field_name: colour})


def test_style_accepts_hex_in_either_case():
    style = Style(background="#A0b0C0", foreground="#000000", accent="#ffcc00")
    assert parse_hex_color(style.background) == (160, 176, 192)


# --- safe area ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("aspect_ratio", ["9:16", "1:1", "16:9", "4:5"])
@pytest.mark.parametrize("short_side", [96, 720, 1080])
def test_safe_area_lies_inside_the_frame(aspect_ratio, short_side):
    width, height = rendition_size(aspect_ratio, short_side)
    box = safe_area(width, height)
    assert 0 < box.left < box.right < width
    assert 0 < box.top < box.bottom < height
    # a real margin on every side, but most of the frame stays usable
    assert box.left >= 0.04 * width and box.right <= 0.96 * width
    assert box.width >= 0.8 * width and box.height >= 0.65 * height


def test_tall_safe_area_keeps_clear_of_the_feed_buttons():
    width, height = 1080, 1920
    box = safe_area(width, height)
    assert box.top >= 0.12 * height - 1, "the top ~12% carries the app's header"
    assert box.bottom <= 0.80 * height + 1, "the bottom ~20% carries the caption and buttons"
    assert width - box.right >= 0.1 * width, "the right edge carries the like/share column"
    assert (box.width, box.height) == (box.right - box.left, box.bottom - box.top)


@pytest.mark.parametrize(("width", "height"), [(1080, 1080), (1920, 1080)])
def test_square_and_wide_safe_areas_have_an_even_margin(width, height):
    box = safe_area(width, height)
    assert box == Box(round(width * 0.05), round(height * 0.05), round(width * 0.95), round(height * 0.95))


def test_four_by_five_keeps_more_clear_top_and_bottom():
    box = safe_area(1080, 1350)
    assert box.top >= 0.07 * 1350 - 1 and 1350 - box.bottom >= 0.07 * 1350 - 1
    assert box.left == round(1080 * 0.05)
    # a 1:1 grid crop of a 4:5 post removes 10% from top and bottom together: the top keeps the more of it
    assert box.top > box.left


# --- frozen -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "attribute", "new"),
    [
        (Timeline(64, 64, 10, (Segment(ShotClip("a.mp4"), 1.0),)), "fps", 25),
        (Segment(ShotClip("a.mp4"), 1.0), "duration", 2.0),
        (Transition("crossfade", 0.5), "duration", 1.0),
        (Style(), "accent", "#000000"),
        (ShotClip("a.mp4"), "path", "b.mp4"),
        (TitleCard("t"), "title", "u"),
        (PriceCard("$1"), "price", "$2"),
        (Music("m.wav"), "volume", 0.1),
        (Voice("v.wav", 0.0), "start", 1.0),
        (Box(0, 0, 1, 1), "left", 1),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, (str, int, float)) else None,
)
def test_dataclasses_are_frozen(value, attribute, new):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, attribute, new)


def test_validate_runs_on_its_own_and_on_construction():
    tl = timeline(shot())
    timeline_validate(tl)  # a valid timeline passes silently
    bad = dataclasses.replace  # replace() re-runs __post_init__, so an invalid copy cannot be made either
    with pytest.raises(ValueError, match="watermark"):
        bad(tl, watermark="middle")
