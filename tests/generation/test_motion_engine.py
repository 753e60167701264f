"""MotionEngine: frames of the right shape that really move, deterministically, without distorting the product."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from generation.engines.base import EngineError, ShotCancelled, ShotRequest
from generation.engines.motion import CAMERA_PRESETS, MotionEngine

MOVING_CAMERAS = [camera for camera in CAMERA_PRESETS if camera != "static"]
PRODUCT_GREEN = (30, 200, 60)


@pytest.fixture(scope="module")
def textured_photo(tmp_path_factory) -> str:
    """Busy, high-contrast content, so any sub-pixel camera move changes pixels."""
    rng = np.random.default_rng(7)
    blocks = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    path = tmp_path_factory.mktemp("photos") / "textured.png"
    Image.fromarray(blocks).resize((320, 240), Image.Resampling.NEAREST).save(path)
    return str(path)


def solid_photo(directory, width: int, height: int) -> str:
    path = directory / f"solid-{width}x{height}.png"
    Image.new("RGB", (width, height), PRODUCT_GREEN).save(path)
    return str(path)


def request(image_path: str | None, **overrides) -> ShotRequest:
    fields = {"width": 64, "height": 48, "fps": 12, "num_frames": 8, "image_path": image_path, "camera": "push_in"}
    return ShotRequest(**(fields | overrides))


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_camera_presets_are_the_documented_names():
    assert set(CAMERA_PRESETS) == {
        "push_in", "zoom_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "static", "ken_burns", "orbit",
    }


@pytest.mark.parametrize("camera", CAMERA_PRESETS)
def test_output_has_requested_shape_dtype_and_fps(textured_photo, camera):
    result = MotionEngine().generate(request(textured_photo, width=48, height=80, num_frames=5, fps=15, camera=camera))
    assert result.frames.shape == (5, 80, 48, 3)
    assert result.frames.dtype == np.uint8
    assert result.fps == 15
    assert result.metadata["camera"] == camera


@pytest.mark.parametrize("camera", MOVING_CAMERAS)
def test_moving_cameras_change_every_frame(textured_photo, camera):
    frames = MotionEngine().generate(request(textured_photo, num_frames=10, camera=camera)).frames
    for index in range(len(frames) - 1):
        assert not np.array_equal(frames[index], frames[index + 1]), f"frames {index} and {index + 1} are equal"
    assert mean_abs_diff(frames[0], frames[-1]) > 5


def test_pans_and_tilts_move_the_expected_way(textured_photo):
    # Content shifts opposite to the camera: panning left moves the picture right.
    engine = MotionEngine()
    left = engine.generate(request(textured_photo, num_frames=6, camera="pan_left")).frames
    right = engine.generate(request(textured_photo, num_frames=6, camera="pan_right")).frames
    np.testing.assert_array_equal(left[0], right[-1])
    np.testing.assert_array_equal(left[-1], right[0])
    up = engine.generate(request(textured_photo, num_frames=6, camera="tilt_up")).frames
    down = engine.generate(request(textured_photo, num_frames=6, camera="tilt_down")).frames
    np.testing.assert_array_equal(up[0], down[-1])


def test_static_camera_does_not_move(textured_photo):
    frames = MotionEngine().generate(request(textured_photo, num_frames=6, camera="static")).frames
    for frame in frames[1:]:
        assert mean_abs_diff(frames[0], frame) < 0.5


def test_motion_eases_in_and_out(textured_photo):
    frames = MotionEngine().generate(request(textured_photo, num_frames=21, camera="pan_right")).frames
    steps = [mean_abs_diff(frames[i], frames[i + 1]) for i in range(len(frames) - 1)]
    assert steps[0] < steps[len(steps) // 2] and steps[-1] < steps[len(steps) // 2]


def test_same_request_gives_identical_frames(textured_photo):
    shot = request(textured_photo, num_frames=6, camera="ken_burns", seed=3)
    np.testing.assert_array_equal(MotionEngine().generate(shot).frames, MotionEngine().generate(shot).frames)


def _product_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box (left, top, right, bottom) of pixels close to the product colour."""
    distance = np.abs(frame.astype(np.int16) - np.array(PRODUCT_GREEN, dtype=np.int16)).sum(axis=2)
    rows, cols = np.nonzero(distance < 60)
    assert rows.size, "product not visible"
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


@pytest.mark.parametrize("camera", CAMERA_PRESETS)
@pytest.mark.parametrize(
    ("frame_size", "photo_size"),
    [((240, 160), (200, 100)), ((160, 240), (100, 300)), ((160, 240), (300, 150))],
    ids=["wide-in-wide", "tall-in-tall", "wide-in-tall"],
)
def test_product_keeps_its_aspect_and_stays_whole(tmp_path, camera, frame_size, photo_size):
    """A solid-colour photo shows up as a solid rectangle of its own aspect, never touching the frame edges."""
    width, height = frame_size
    photo = solid_photo(tmp_path, *photo_size)
    frames = MotionEngine().generate(request(photo, width=width, height=height, num_frames=5, camera=camera)).frames
    source_aspect = photo_size[0] / photo_size[1]
    for index, frame in enumerate(frames):
        left, top, right, bottom = _product_box(frame)
        aspect = (right - left) / (bottom - top)
        assert aspect == pytest.approx(source_aspect, rel=0.05), f"frame {index}: aspect {aspect:.3f}"
        assert left > 0 and top > 0 and right < width and bottom < height, f"frame {index}: product cut off"


def test_background_is_a_dimmed_copy_not_black_bars(tmp_path):
    photo = solid_photo(tmp_path, 300, 100)  # very wide photo in a tall frame: lots of background
    frame = MotionEngine().generate(request(photo, width=64, height=128, num_frames=1, camera="static")).frames[0]
    corner = frame[:8, :8].reshape(-1, 3).mean(axis=0)
    assert corner[1] > 60, "background should be the photo's colours, not black"
    assert corner[1] < PRODUCT_GREEN[1] * 0.8, "background should be dimmer than the product"


def test_transparent_photo_is_placed_on_white(tmp_path):
    path = tmp_path / "cutout.png"
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(path)
    frame = MotionEngine().generate(request(str(path), width=64, height=64, num_frames=1, camera="static")).frames[0]
    assert frame[32, 32].min() > 240


def test_on_step_reports_every_frame(textured_photo):
    calls = []
    MotionEngine().generate(request(textured_photo, num_frames=4), on_step=lambda *done_total: calls.append(done_total))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_raising_on_step_stops_generation(textured_photo):
    calls = []

    def cancel_after_three(done: int, total: int) -> None:
        calls.append(done)
        if done == 3:
            raise ShotCancelled

    with pytest.raises(ShotCancelled):
        MotionEngine().generate(request(textured_photo, num_frames=10), on_step=cancel_after_three)
    assert calls == [1, 2, 3]


def test_unknown_camera_lists_valid_ones(textured_photo):
    with pytest.raises(EngineError) as error:
        MotionEngine().generate(request(textured_photo, camera="dolly_zoom"))
    message = str(error.value)
    assert "dolly_zoom" in message
    assert all(camera in message for camera in CAMERA_PRESETS)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"width": 63}, "width"),
        ({"height": 47}, "height"),
        ({"width": 14}, "width"),
        ({"num_frames": 0}, "num_frames"),
        ({"fps": 0}, "fps"),
    ],
)
def test_bad_sizes_are_rejected_by_name(textured_photo, overrides, named):
    with pytest.raises(EngineError, match=named) as error:
        MotionEngine().generate(request(textured_photo, **overrides))
    assert str(next(iter(overrides.values()))) in str(error.value)


def test_missing_image_path_is_an_engine_error():
    with pytest.raises(EngineError, match="image_path"):
        MotionEngine().generate(request(None))


def test_nonexistent_photo_names_the_path(tmp_path):
    missing = tmp_path / "nope.jpg"
    with pytest.raises(EngineError, match="does not exist") as error:
        MotionEngine().generate(request(str(missing)))
    assert str(missing) in str(error.value)


def test_unreadable_photo_names_the_path(tmp_path):
    not_an_image = tmp_path / "photo.jpg"
    not_an_image.write_text("this is not a JPEG")
    with pytest.raises(EngineError, match="not an image") as error:
        MotionEngine().generate(request(str(not_an_image)))
    assert str(not_an_image) in str(error.value)
