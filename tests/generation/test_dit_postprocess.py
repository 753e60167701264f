"""DiT post-processing: conditioning photo, retiming with flow, resizing, colour matching, quality gate."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from generation.engines.dit.postprocess import (
    QualityReport,
    colour_match,
    frames_fit,
    frames_resize,
    frames_retime,
    mean_luma,
    motion_score,
    photo_fit,
    quality_check,
)

BACKGROUND_GREY = 30
SQUARE = 40  # side of the moving square, px
SQUARE_TOP = 28
SQUARE_STEP = 6  # px per source frame


def red_mask(image: np.ndarray) -> np.ndarray:
    return (image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60)


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, width, height) of the True pixels."""
    rows, cols = np.nonzero(mask)
    return cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1


@pytest.fixture(scope="module")
def texture() -> np.ndarray:
    """Bright noise, so optical flow has something to lock onto and misalignment shows."""
    return np.random.default_rng(3).integers(150, 256, size=(SQUARE, SQUARE, 3), dtype=np.uint8)


def square_frame(texture: np.ndarray, left: int, *, width: int = 200, height: int = 96) -> np.ndarray:
    frame = np.full((height, width, 3), BACKGROUND_GREY, dtype=np.uint8)
    frame[SQUARE_TOP : SQUARE_TOP + SQUARE, left : left + SQUARE] = texture
    return frame


def square_left(frame: np.ndarray) -> float:
    """Left edge of the square, from the brightness-weighted centroid over the plain background."""
    weight = np.clip(frame.astype(np.float64).mean(axis=2) - BACKGROUND_GREY, 0, None)
    centroid = (weight.sum(axis=0) * np.arange(frame.shape[1])).sum() / weight.sum()
    return centroid - (SQUARE - 1) / 2


def column_profile(frame: np.ndarray) -> np.ndarray:
    return frame[SQUARE_TOP : SQUARE_TOP + SQUARE].astype(np.float64).mean(axis=(0, 2))


def textured_clip(count: int, *, width: int = 64, height: int = 48, step: int = 2, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.integers(0, 256, size=(height, width * 2, 3), dtype=np.uint8), (0, 0), 1.5)
    return np.stack([base[:, i * step : i * step + width] for i in range(count)])


# --- photo_fit -----------------------------------------------------------------------------------------


def test_photo_fit_keeps_the_photos_aspect_at_the_requested_size():
    photo = Image.new("RGB", (200, 400), "white")
    photo.paste((220, 20, 20), (50, 50, 150, 350))  # a 100x300 red product: aspect 1:3

    fitted = photo_fit(photo, width=320, height=180)

    assert fitted.size == (320, 180) and fitted.mode == "RGB"
    _, _, red_width, red_height = bounding_box(red_mask(np.asarray(fitted)))
    assert red_width / red_height == pytest.approx(1 / 3, rel=0.05)
    assert red_height == pytest.approx(180 * 300 / 400, abs=2)  # the whole photo is contained, not cropped


def test_photo_fit_puts_a_wide_photo_in_a_tall_frame_over_a_dimmed_background():
    photo = Image.new("RGB", (400, 100), "white")

    fitted = np.asarray(photo_fit(photo, width=90, height=160)).astype(int)

    photo_rows = np.nonzero((fitted == 255).all(axis=(1, 2)))[0]
    assert len(photo_rows) == pytest.approx(90 * 100 / 400, abs=1)  # full width, aspect kept
    assert photo_rows.min() > 60 and photo_rows.max() < 100  # centred
    for background_row in (fitted[:50], fitted[-50:]):
        assert np.all(np.abs(background_row - 255 * 0.55) < 4)  # blurred copy, darkened


def test_photo_fit_puts_transparent_areas_on_white():
    photo = Image.new("RGBA", (100, 100), (0, 0, 0, 0))  # transparent black: would turn black if dropped
    photo.paste((220, 20, 20, 255), (40, 40, 60, 60))

    fitted = np.asarray(photo_fit(photo, width=100, height=100))

    assert tuple(fitted[5, 5]) == (255, 255, 255)
    assert red_mask(fitted)[50, 50]


# --- frames_retime -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("src_fps", "dst_fps", "num_frames"), [(8, 30, 120), (16, 8, 5), (8, 30, 200), (24, 24, 40)])
def test_frames_retime_returns_exactly_num_frames(src_fps, dst_fps, num_frames):
    clip = textured_clip(33)

    retimed = frames_retime(clip, src_fps=src_fps, dst_fps=dst_fps, num_frames=num_frames)

    assert retimed.shape == (num_frames, *clip.shape[1:]) and retimed.dtype == np.uint8


def test_frames_retime_past_the_end_holds_the_last_frame():
    clip = textured_clip(5)

    retimed = frames_retime(clip, src_fps=8, dst_fps=8, num_frames=8)

    assert np.array_equal(retimed[:5], clip)
    assert all(np.array_equal(frame, clip[-1]) for frame in retimed[5:])


def test_frames_retime_same_rate_is_an_independent_copy():
    clip = textured_clip(10)

    retimed = frames_retime(clip, src_fps=16, dst_fps=16, num_frames=7)

    assert np.array_equal(retimed, clip[:7])
    retimed[0] = 0
    assert clip[0].any()  # the source is untouched


def test_frames_retime_copies_source_frames_at_whole_positions():
    clip = textured_clip(9)

    retimed = frames_retime(clip, src_fps=8, dst_fps=30, num_frames=31)

    # t = i/30 lands on source frame p = 8i/30 exactly when i is a multiple of 15.
    for index, source in ((0, 0), (15, 4), (30, 8)):
        assert np.array_equal(retimed[index], clip[source])
    slower = frames_retime(clip, src_fps=8, dst_fps=4, num_frames=5)
    assert np.array_equal(slower, clip[::2])


def test_frames_retime_moves_things_to_their_in_between_position(texture):
    clip = np.stack([square_frame(texture, 20 + SQUARE_STEP * i) for i in range(6)])

    retimed = frames_retime(clip, src_fps=8, dst_fps=30, num_frames=18)

    for index, frame in enumerate(retimed):
        position = index * 8 / 30
        expected_left = 20 + SQUARE_STEP * position
        assert abs(square_left(frame) - expected_left) < 1.5, f"frame {index} at source position {position:.3f}"


def test_frames_retime_in_between_frame_is_one_sharp_square_not_a_cross_fade(texture):
    clip = np.stack([square_frame(texture, 20), square_frame(texture, 20 + SQUARE_STEP)])

    middle = frames_retime(clip, src_fps=1, dst_fps=2, num_frames=2)[1]

    # A cross-fade shows two half-bright squares: 6 half-bright columns on each side and scrambled texture.
    profile = column_profile(middle)
    half_bright = (profile > 70) & (profile < 150)
    assert half_bright.sum() <= 2
    assert profile.max() > 0.95 * texture.mean()
    moved = middle[SQUARE_TOP : SQUARE_TOP + SQUARE, 23 : 23 + SQUARE].astype(int)
    assert np.abs(moved - texture).mean() < 8  # the texture itself, three pixels on


@pytest.mark.parametrize(
    ("frames", "kwargs"),
    [
        (np.zeros((0, 8, 8, 3), np.uint8), {}),
        (np.zeros((2, 8, 8, 3), np.uint8), {"src_fps": 0}),
        (np.zeros((2, 8, 8, 3), np.uint8), {"dst_fps": -30}),
        (np.zeros((2, 8, 8, 3), np.uint8), {"num_frames": 0}),
    ],
)
def test_frames_retime_rejects_empty_clips_and_non_positive_settings(frames, kwargs):
    settings = {"src_fps": 8, "dst_fps": 30, "num_frames": 10} | kwargs

    with pytest.raises(ValueError, match=r"empty|positive|> 0"):
        frames_retime(frames, **settings)


# --- frames_resize / frames_fit ------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(32, 18), (128, 72), (45, 80), (200, 200)])
def test_frames_resize_covers_and_crops_to_exactly_the_size(width, height):
    clip = np.zeros((3, 36, 64, 3), np.uint8)
    clip[:, 14:22, 28:36] = (0, 255, 0)  # an 8 px green square in the middle

    resized = frames_resize(clip, width=width, height=height)

    assert resized.shape == (3, height, width, 3)
    left, top, green_width, green_height = bounding_box(resized[0, ..., 1] > 128)
    assert green_width == pytest.approx(green_height, rel=0.06, abs=1)  # not stretched
    assert left + green_width / 2 == pytest.approx(width / 2, abs=1)  # centre crop
    assert top + green_height / 2 == pytest.approx(height / 2, abs=1)


def test_frames_resize_keeps_an_enlarged_edge_sharp():
    clip = np.full((1, 36, 64, 3), 30, np.uint8)
    clip[:, :, 32:] = 220

    row = frames_resize(clip, width=256, height=144)[0, 72, :, 1].astype(int)
    bilinear = cv2.resize(clip[0], (256, 144), interpolation=cv2.INTER_LINEAR)[72, :, 1].astype(int)

    def transition_width(values: np.ndarray) -> int:  # pixels between 10% and 90% of the step
        return int(((values > 30 + 19) & (values < 220 - 19)).sum())

    assert transition_width(row) <= 2 < transition_width(bilinear)
    assert row[:100].mean() == pytest.approx(30, abs=3) and row[-100:].mean() == pytest.approx(220, abs=3)


def test_frames_resize_same_size_returns_equal_frames():
    clip = textured_clip(2)

    assert np.array_equal(frames_resize(clip, width=64, height=48), clip)


def test_frames_fit_pads_rather_than_crops_when_the_shapes_differ_a_lot():
    portrait = np.full((2, 160, 90, 3), 200, np.uint8)
    portrait[:, 4:14, 40:50] = (255, 0, 0)  # a marker near the top, which cover-and-crop would cut off
    portrait[:, -14:-4, 40:50] = (0, 0, 255)  # and one near the bottom

    fitted = frames_fit(portrait, width=320, height=180)

    assert fitted.shape == (2, 180, 320, 3)
    red = red_mask(fitted[0])
    blue = (fitted[0, ..., 2] > 200) & (fitted[0, ..., 0] < 60)
    assert red.sum() > 50 and blue.sum() > 50
    assert bounding_box(red)[1] < 20 and bounding_box(blue)[1] > 160
    assert not np.allclose(fitted[0, :, :40], 200, atol=5)  # the sides are the dimmed background
    assert np.allclose(frames_resize(portrait, width=320, height=180)[0, 90], 200, atol=1)  # crop would lose both


def test_frames_fit_crops_when_the_shapes_are_close():
    clip = textured_clip(2, width=64, height=40)  # 16:10 into 16:9 loses 10%

    assert np.array_equal(frames_fit(clip, width=128, height=72), frames_resize(clip, width=128, height=72))


# --- measurements --------------------------------------------------------------------------------------


def test_motion_score_is_zero_for_a_still_clip_and_positive_for_motion():
    clip = textured_clip(6)

    assert motion_score(np.repeat(clip[:1], 6, axis=0)) == 0.0
    assert motion_score(clip[:1]) == 0.0
    assert motion_score(clip) > 1.0


def test_mean_luma_uses_bt709_weights():
    green = np.zeros((2, 8, 8, 3), np.uint8)
    green[..., 1] = 255

    assert mean_luma(green) == pytest.approx(0.7152 * 255)
    assert mean_luma(np.full((1, 4, 4, 3), 255, np.uint8)) == pytest.approx(255)


# --- colour_match --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    rng = np.random.default_rng(11)
    gradient = np.linspace(40, 220, 160)[None, :, None] * np.array([1.0, 0.8, 0.6])
    noisy = gradient + rng.normal(0, 12, size=(120, 160, 3))
    return np.clip(noisy, 0, 255).astype(np.uint8)


def test_colour_match_pulls_drifted_colours_back_to_the_reference(reference):
    clip = np.stack([np.roll(reference, 4 * i, axis=1)[:, 10:150] for i in range(6)]).astype(np.float64)
    clip[..., 0] *= 0.7  # the model let the reds fade
    clip = clip.astype(np.uint8)
    target = reference.reshape(-1, 3).mean(axis=0)
    assert abs(clip[..., 0].mean() - target[0]) > 20

    matched = colour_match(clip, reference=reference)

    assert matched.shape == clip.shape and matched.dtype == np.uint8
    assert np.allclose(matched.reshape(-1, 3).mean(axis=0), target, atol=3)


def test_colour_match_applies_one_table_to_every_frame(reference):
    # The brightness changes over the clip: per-frame matching would map the same value differently.
    clip = np.stack([np.clip(reference.astype(int) + 12 * i, 0, 255) for i in range(4)]).astype(np.uint8)

    matched = colour_match(clip, reference=reference)

    for channel in range(3):
        first, last = clip[0, ..., channel], clip[-1, ..., channel]
        shared = np.intersect1d(first, last)
        assert len(shared) > 50
        for value in shared[::5]:
            outputs = np.concatenate(
                [matched[0, ..., channel][first == value], matched[-1, ..., channel][last == value]]
            )
            assert np.all(outputs == outputs[0]), f"channel {channel} value {value}"


# --- quality_check -------------------------------------------------------------------------------------


def test_quality_check_reports_a_black_clip_first():
    black = np.ones((4, 32, 32, 3), np.uint8)  # black and frozen: black is the telling one

    report, reason = quality_check(black, min_motion=0.2, min_luma=8.0)

    assert report == QualityReport(motion=0.0, luma=pytest.approx(1.0), finite=True)
    assert reason == "the clip is black (mean luma 1.0 < 8.0)"


def test_quality_check_reports_a_frozen_clip():
    frozen = np.repeat(textured_clip(1), 5, axis=0)

    report, reason = quality_check(frozen, min_motion=0.2, min_luma=8.0)

    assert report.motion == 0.0 and report.luma > 8.0
    assert reason == "the clip is frozen (motion score 0.00 < 0.20)"


def test_quality_check_passes_a_bright_moving_clip():
    report, reason = quality_check(textured_clip(6), min_motion=0.2, min_luma=8.0)

    assert reason is None
    assert report.motion > 0.2 and report.luma > 8.0 and report.finite
