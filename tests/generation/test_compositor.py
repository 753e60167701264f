"""Compositor pieces: the overlay blend's arithmetic and clipping, and frames asked for out of order (a seek back)
matching frames asked for in order (tiny clips: CI has 2 cores)."""

from __future__ import annotations

import numpy as np
import pytest

from generation.assembly.cards import Layer
from generation.assembly.clipio import write_clip
from generation.assembly.compositor import Compositor
from generation.assembly.frame_sources import Overlay, ShotFrames
from generation.assembly.timeline import Segment, ShotClip, Timeline, TitleCard, Transition

FPS = 10
W, H = 64, 114


def layer(colour, alpha: int, size=(4, 6), x=0, y=0) -> Layer:
    image = np.empty((size[1], size[0], 4), np.uint8)
    image[..., :3] = colour
    image[..., 3] = alpha
    return Layer(image, x, y)


def background(value=100, size=(10, 8)) -> np.ndarray:
    return np.full((size[1], size[0], 3), value, np.uint8)


# --- Overlay.blend_onto -------------------------------------------------------------------------------


@pytest.mark.parametrize(("alpha", "expected"), [(0, 100), (255, 200), (128, 150), (64, 125), (191, 175)])
def test_blend_is_straight_alpha_over_the_frame(alpha, expected):
    frame = background(100)
    Overlay(layer((200, 200, 200), alpha, x=2, y=1), (10, 8)).blend_onto(frame)
    exact = 100 + (200 - 100) * alpha / 255
    assert abs(int(frame[1, 2, 0]) - exact) <= 0.5 + 1e-9, "rounded, not floored (191: 174.9 -> 175)"
    assert (frame[1:7, 2:6] == expected).all()
    # outside the layer's rectangle nothing changes
    untouched = np.ones((8, 10), bool)
    untouched[1:7, 2:6] = False
    assert (frame[untouched] == 100).all()


def test_blend_keeps_each_channel_apart():
    frame = background(0)
    Overlay(layer((255, 128, 0), 255), (10, 8)).blend_onto(frame)
    assert tuple(frame[0, 0]) == (255, 128, 0)


def test_blend_of_a_bright_layer_never_wraps_around():
    frame = background(255)
    Overlay(layer((255, 255, 255), 200), (10, 8)).blend_onto(frame)
    assert (frame == 255).all()
    frame = background(0)
    Overlay(layer((0, 0, 0), 200), (10, 8)).blend_onto(frame)
    assert (frame == 0).all()


@pytest.mark.parametrize(("opacity", "expected"), [(0.0, 100), (0.5, 150), (1.0, 200)])
def test_opacity_scales_the_layer(opacity, expected):
    frame = background(100)
    Overlay(layer((200, 200, 200), 255), (10, 8)).blend_onto(frame, opacity=opacity)
    assert np.abs(frame[0:6, 0:4].astype(int) - expected).max() <= 1


def test_opacity_and_alpha_multiply():
    frame = background(100)
    Overlay(layer((200, 200, 200), 128), (10, 8)).blend_onto(frame, opacity=0.5)
    assert abs(int(frame[0, 0, 0]) - (100 + 100 * (128 / 255) * 0.5)) <= 1


@pytest.mark.parametrize(
    ("x", "y", "changed"),
    [
        (-2, -3, (slice(0, 3), slice(0, 2))),  # pokes out top-left
        (8, 5, (slice(5, 8), slice(8, 10))),  # pokes out bottom-right
        (-2, 5, (slice(5, 8), slice(0, 2))),  # pokes out bottom-left
    ],
)
def test_layer_poking_out_of_the_frame_is_clipped(x, y, changed):
    frame = background(100)
    Overlay(layer((200, 200, 200), 255, x=x, y=y), (10, 8)).blend_onto(frame)
    expected = background(100)
    expected[changed] = 200
    assert (frame == expected).all()


def test_layer_poking_out_keeps_the_right_part_of_its_image():
    image = np.zeros((4, 4, 4), np.uint8)
    image[..., 3] = 255
    image[..., 0] = np.arange(4)[None, :] * 50  # column c has red 50*c
    frame = background(0)
    Overlay(Layer(image, -2, 0), (10, 8)).blend_onto(frame)
    assert frame[0, :2, 0].tolist() == [100, 150], "the columns left of the frame are the ones dropped"


@pytest.mark.parametrize(("x", "y"), [(10, 0), (0, 8), (-4, 0), (0, -6), (50, 50)])
def test_layer_wholly_outside_the_frame_draws_nothing(x, y):
    frame = background(100)
    Overlay(layer((200, 200, 200), 255, x=x, y=y), (10, 8)).blend_onto(frame)
    assert (frame == 100).all()


# --- frames out of order --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stepped_clip(tmp_path_factory) -> str:
    """1 s at 10 fps, frame i a flat grey of 20 + 20 i, so every frame can be told apart by its level."""
    path = tmp_path_factory.mktemp("clips") / "steps.mp4"
    write_clip(np.stack([np.full((H, W, 3), 20 + 20 * i, np.uint8) for i in range(10)]), FPS, path)
    return str(path)


def test_shot_frames_seek_back_gives_the_same_frames(stepped_clip):
    forward = ShotFrames(ShotClip(stepped_clip), (W, H), FPS)
    try:
        in_order = [forward.frame(i).copy() for i in range(12)]  # 10, 11: the last frame held
    finally:
        forward.close()
    assert [round(frame.mean()) for frame in in_order[:10]] == pytest.approx([20 + 20 * i for i in range(10)], abs=3)
    assert np.array_equal(in_order[10], in_order[9]) and np.array_equal(in_order[11], in_order[9])

    jumping = ShotFrames(ShotClip(stepped_clip), (W, H), FPS)
    try:
        for index in (7, 2, 2, 9, 0, 5, 11, 3, 8, 1):
            assert np.array_equal(jumping.frame(index), in_order[index]), f"frame {index} differs when sought"
    finally:
        jumping.close()


def test_compositor_frames_out_of_order_match_in_order(stepped_clip):
    timeline = Timeline(
        W,
        H,
        FPS,
        (
            Segment(ShotClip(stepped_clip), 1.0),
            Segment(TitleCard("Cup"), 1.0, Transition("crossfade", 0.3)),
            Segment(ShotClip(stepped_clip), 1.0, Transition("slide_left", 0.3)),
        ),
    )
    compositor = Compositor(timeline)
    try:
        assert timeline.num_frames == 24
        in_order = [compositor.frame(n).copy() for n in range(timeline.num_frames)]
    finally:
        compositor.close()
    assert len({frame.tobytes() for frame in in_order}) > 15, "the frames should differ from one another"
    compositor = Compositor(timeline)
    try:
        for n in (20, 3, 15, 7, 23, 0, 9, 22, 14, 16, 1):
            assert np.array_equal(compositor.frame(n), in_order[n]), f"frame {n} differs out of order"
    finally:
        compositor.close()
