"""Poster JPEG and animated WebP preview of a short, known test video."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from PIL import Image, ImageSequence

from generation.assembly.clipio import write_clip
from generation.assembly.preview import write_animated_preview, write_poster

FPS = 10
SIZE = (320, 240)
RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> str:
    """2 s at 10 fps, 320x240: red for the first second, blue for the second. A white square moves
    along the top edge so no two frames are equal (WebP merges equal neighbours into one frame)."""
    width, height = SIZE
    frames = np.empty((2 * FPS, height, width, 3), dtype=np.uint8)
    for index in range(len(frames)):
        frames[index] = RED if index < FPS else BLUE
        frames[index, :16, 16 * index : 16 * index + 16] = 255
    path = tmp_path_factory.mktemp("preview") / "video.mp4"
    write_clip(frames, FPS, path)
    return str(path)


def centre_colour(image: Image.Image) -> np.ndarray:
    """Mean colour of the middle of the picture (clear of the moving square)."""
    pixels = np.asarray(image.convert("RGB"), dtype=float)
    height, width = pixels.shape[:2]
    return pixels[height // 3 : 2 * height // 3, width // 3 : 2 * width // 3].reshape(-1, 3).mean(axis=0)


def assert_colour(image: Image.Image, expected: tuple[int, int, int]) -> None:
    np.testing.assert_allclose(centre_colour(image), expected, atol=12)


def leftovers(directory) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name.startswith("."))


# --- poster -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("at, colour", [(0.0, RED), (0.5, RED), (1.5, BLUE), (60.0, BLUE)])
def test_poster_shows_the_frame_at_the_time(tmp_path, video, at, colour):
    poster = tmp_path / "poster.jpg"
    write_poster(video, poster, at=at)
    with Image.open(poster) as image:
        assert image.format == "JPEG" and image.size == SIZE
        assert_colour(image, colour)
    assert leftovers(tmp_path) == []


def test_poster_refuses_negative_time(tmp_path, video):
    with pytest.raises(ValueError, match="poster time"):
        write_poster(video, tmp_path / "poster.jpg", at=-1.0)


# --- animated preview -------------------------------------------------------------------------------


def test_preview_is_a_looping_animation_of_the_excerpt(tmp_path, video):
    out = tmp_path / "preview.webp"
    write_animated_preview(video, out, start=0.0, seconds=2.0, fps=FPS, width=160)

    with Image.open(out) as image:
        assert image.format == "WEBP"
        assert image.is_animated
        assert abs(image.n_frames - 2 * FPS) <= 1
        assert image.size == (160, 120)
        assert image.info["loop"] == 0
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
        durations = [frame.info["duration"] for frame in frames]
    assert set(durations) == {100}
    assert_colour(frames[0], RED)
    assert_colour(frames[5], RED)
    assert_colour(frames[-5], BLUE)
    assert_colour(frames[-1], BLUE)
    assert leftovers(tmp_path) == []


def test_preview_starts_where_asked(tmp_path, video):
    out = tmp_path / "preview.webp"
    write_animated_preview(video, out, start=0.5, seconds=1.0, fps=FPS, width=160)
    with Image.open(out) as image:
        reds = [centre_colour(frame)[0] > 128 for frame in ImageSequence.Iterator(image)]
    # 0.5 s of red, then 0.5 s of blue, changing once.
    assert reds == sorted(reds, reverse=True)
    assert abs(sum(reds) - FPS // 2) <= 1 and abs(len(reds) - sum(reds) - FPS // 2) <= 1


def test_preview_start_is_clamped_into_the_video(tmp_path, video):
    out = tmp_path / "preview.webp"
    write_animated_preview(video, out, start=5.0, seconds=1.0, fps=FPS, width=160)
    with Image.open(out) as image:
        assert abs(image.n_frames - FPS) <= 1
        for frame in ImageSequence.Iterator(image):
            assert_colour(frame, BLUE)


def test_preview_longer_than_the_video_shows_it_whole(tmp_path, video):
    out = tmp_path / "preview.webp"
    write_animated_preview(video, out, start=0.5, seconds=3.0, fps=5, width=160)
    with Image.open(out) as image:
        assert abs(image.n_frames - 2 * 5) <= 1
        assert_colour(image, RED)  # started at 0, not 0.5: the whole video fits


def test_preview_height_is_even_and_keeps_the_aspect(tmp_path, video):
    out = tmp_path / "preview.webp"
    write_animated_preview(video, out, start=0.0, seconds=0.5, width=101)
    with Image.open(out) as image:
        width, height = image.size
    assert width == 101
    assert height % 2 == 0
    assert abs(height - 101 * 240 / 320) <= 1


def test_bad_video_paths_give_clear_errors_and_no_output(tmp_path):
    out = tmp_path / "preview.webp"
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        write_animated_preview(tmp_path / "missing.mp4", out, start=0.0)

    not_video = tmp_path / "notes.mp4"
    not_video.write_text("this is not a video")
    with pytest.raises(ValueError, match="cannot read video"):
        write_animated_preview(not_video, out, start=0.0)

    sound_only = tmp_path / "sound.wav"
    with wave.open(str(sound_only), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(16000))
    with pytest.raises(ValueError, match="no video stream"):
        write_animated_preview(sound_only, out, start=0.0)

    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kwargs", [{"start": -1.0}, {"seconds": 0}, {"fps": 0}, {"width": 0}, {"fps": 2.5}])
def test_preview_refuses_bad_settings(tmp_path, video, kwargs):
    with pytest.raises(ValueError):
        write_animated_preview(video, tmp_path / "preview.webp", **({"start": 0.0} | kwargs))
