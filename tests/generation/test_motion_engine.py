"""MotionEngine: frames of the right shape that really move, deterministically, without distorting the product."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from generation.engines.base import EngineError, ShotCancelled, ShotRequest
from generation.engines.motion import CAMERA_PRESETS, MotionEngine, ease_in_out, ease_in_out_sine

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


def staged_photo(directory) -> str:
    """A tall white photo with the green product in its middle: the product layer is the whole photo, the
    background layer its blurred copy (a soft white-green-white band, which is what the background tests track)."""
    path = directory / "staged.png"
    photo = Image.new("RGB", (100, 200), (255, 255, 255))
    photo.paste(PRODUCT_GREEN, (30, 60, 70, 140))
    photo.save(path)
    return str(path)


def test_camera_presets_are_the_documented_names():
    assert set(CAMERA_PRESETS) == {
        "push_in",
        "zoom_out",
        "pan_left",
        "pan_right",
        "tilt_up",
        "tilt_down",
        "static",
        "ken_burns",
        "orbit",
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
    """A solid-colour photo shows up as a solid rectangle of its own aspect, never touching the frame edges.
    zoom_out is a reveal: it starts close on the product (cropped on purpose), so only its end pose is checked."""
    width, height = frame_size
    photo = solid_photo(tmp_path, *photo_size)
    frames = MotionEngine().generate(request(photo, width=width, height=height, num_frames=5, camera=camera)).frames
    source_aspect = photo_size[0] / photo_size[1]
    checked = frames[-1:] if camera == "zoom_out" else frames
    for index, frame in enumerate(checked):
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


def _shift(before: np.ndarray, after: np.ndarray, reach: int) -> int:
    """The whole-pixel shift s minimising the mean squared difference of after[x + s] and before[x]."""

    def cost(shift: int) -> float:
        a = before[max(0, -shift) : len(before) - max(0, shift)]
        b = after[max(0, shift) : len(after) - max(0, -shift)]
        return float(np.mean((a - b) ** 2))

    return min(range(-reach, reach + 1), key=cost)


def test_orbit_has_parallax(tmp_path):
    """The backdrop drifts one way while the product shifts the other way: the camera circles the product."""
    frames = (
        MotionEngine()
        .generate(request(staged_photo(tmp_path), width=240, height=160, num_frames=9, camera="orbit"))
        .frames
    )
    first, last = _product_box(frames[0]), _product_box(frames[-1])
    product_shift = (last[0] + last[2]) / 2 - (first[0] + first[2]) / 2
    # Backdrop: the mean column profile of a strip left of the product, which covers x >= 76 in every frame.
    assert first[0] >= 76 and last[0] >= 76
    profile = [frame[:, :64].astype(np.float64).mean(axis=(0, 2)) for frame in (frames[0], frames[-1])]
    backdrop_shift = _shift(profile[0], profile[1], reach=24)
    assert product_shift >= 4, f"product moved {product_shift} px"
    assert backdrop_shift <= -8, f"backdrop moved {backdrop_shift} px"
    for frame in frames:  # it stays whole the whole way round
        left, top, right, bottom = _product_box(frame)
        assert left > 0 and top > 0 and right < 240 and bottom < 160


def test_non_parallax_glides_keep_the_layers_together(tmp_path):
    """ken_burns is a flat-photo move: product and backdrop travel the same way."""
    frames = (
        MotionEngine()
        .generate(request(staged_photo(tmp_path), width=240, height=160, num_frames=5, camera="ken_burns", seed=0))
        .frames
    )
    first, last = _product_box(frames[0]), _product_box(frames[-1])
    assert (last[0] + last[2]) / 2 < (first[0] + first[2]) / 2  # the view travels right: content moves left


def test_zoom_out_reveals_the_whole_product(tmp_path):
    width, height = 240, 160
    frames = (
        MotionEngine()
        .generate(request(staged_photo(tmp_path), width=width, height=height, num_frames=9, camera="zoom_out"))
        .frames
    )
    areas = []
    for frame in frames:
        left, top, right, bottom = _product_box(frame)
        areas.append((right - left) * (bottom - top))
    # The reveal is kept gentle enough that the product is whole in every frame (the first one included).
    assert areas[0] > 1.25 * areas[-1]
    assert all(a >= b for a, b in zip(areas, areas[1:])), "the product should only shrink"
    for frame in frames:
        left, top, right, bottom = _product_box(frame)
        assert left > 0 and top > 0 and right < width and bottom < height
    assert (right - left) / (bottom - top) == pytest.approx(40 / 80, rel=0.05)


@pytest.mark.parametrize("camera", ["orbit", "push_in", "zoom_out", "pan_right"])
def test_product_edges_stay_sharp_mid_move(tmp_path, camera):
    """No motion blur: in a middle frame the cut-out product's edge goes from green to the backdrop within 3
    pixels (10 % to 90 % of the step, in red: 30 in the product, the backdrop's level beside it)."""
    frames = (
        MotionEngine()
        .generate(request(staged_photo(tmp_path), width=240, height=160, num_frames=9, camera=camera))
        .frames
    )
    frame = frames[4]
    left, top, right, bottom = _product_box(frame)
    row = frame[(top + bottom) // 2, :, 0].astype(np.float64)
    for edge, outward in ((left, -1), (right - 1, 1)):
        backdrop = row[edge + 8 * outward]
        assert backdrop > 90, "the backdrop beside the product should differ from it"
        low, high = 30 + 0.1 * (backdrop - 30), 30 + 0.9 * (backdrop - 30)
        x = edge
        while row[x] < low:
            x += outward
        start = x
        while row[x] < high:
            x += outward
        assert abs(x - start) <= 3, f"edge at {edge}: {row[min(start, x) - 2 : max(start, x) + 3]}"


def test_easings_start_and_end_at_rest():
    for ease in (ease_in_out, ease_in_out_sine):
        assert ease(0.0) == 0.0 and ease(1.0) == pytest.approx(1.0) and ease(0.5) == pytest.approx(0.5)
        assert ease(0.01) < 0.001 and 1 - ease(0.99) < 0.001
    # the sine ease leaves rest more gently (acceleration pi^2/2 ~ 4.9 against the cubic's 6)
    assert ease_in_out_sine(0.05) < ease_in_out(0.05) and 1 - ease_in_out_sine(0.95) < 1 - ease_in_out(0.95)
