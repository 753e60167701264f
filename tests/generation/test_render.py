"""Shot clips and the final render, checked by probing the encoded files (tiny sizes: CI has 2 cores)."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from generation.assembly.clipio import write_clip
from generation.assembly.render import render_timeline, render_title_image, write_poster
from generation.assembly.timeline import ClipSegment, Timeline, TitleCard, rendition_size
from generation.engines.base import ShotRequest
from generation.engines.motion import MotionEngine
from tests.media_probe import probe_video

FPS = 12
SHORT_SIDE = 96
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> dict[str, str]:
    """Two 1 s motion shots: one at the timeline's 9:16 size, one 16:9 (a different aspect)."""
    directory = tmp_path_factory.mktemp("shots")
    rng = np.random.default_rng(11)
    photo = directory / "photo.png"
    blocks = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    Image.fromarray(blocks).resize((400, 300), Image.Resampling.NEAREST).save(photo)
    clips = {}
    for name, aspect_ratio, camera in [("tall", "9:16", "push_in"), ("wide", "16:9", "pan_right")]:
        width, height = rendition_size(aspect_ratio, SHORT_SIDE)
        result = MotionEngine().generate(
            ShotRequest(width=width, height=height, fps=FPS, num_frames=FPS, image_path=str(photo), camera=camera)
        )
        clips[name] = str(directory / f"{name}.mp4")
        write_clip(result.frames, result.fps, clips[name])
    return clips


def tall_timeline(shots, **overrides) -> Timeline:
    width, height = rendition_size("9:16", SHORT_SIDE)
    segments = (
        TitleCard("Hand-thrown espresso cup with a very long product name", "$12.00", 1.0, "#203040", "#f0e0c0"),
        ClipSegment(shots["tall"], 1.0),
        ClipSegment(shots["wide"], 1.5),  # longer than the 1 s clip: its last frame is held
    )
    return Timeline(**({"width": width, "height": height, "fps": FPS, "segments": segments} | overrides))


def write_sine_wav(path: Path, seconds: float, rate: int = 22050) -> str:
    t = np.arange(int(rate * seconds)) / rate
    samples = (0.4 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return str(path)


def decoded_frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def decoded_audio(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)])


def assert_deliverable(probe, timeline: Timeline) -> None:
    assert probe.video_codec == "h264"
    assert probe.pix_fmt == "yuv420p"
    assert (probe.width, probe.height) == (timeline.width, timeline.height)
    assert probe.fps == pytest.approx(timeline.fps)
    assert probe.duration == pytest.approx(timeline.duration, abs=0.1)
    assert abs(probe.frames_decoded - round(timeline.duration * timeline.fps)) <= 1
    assert probe.audio_codec == "aac"
    assert probe.faststart
    assert (probe.color_primaries, probe.color_trc, probe.colorspace) == ("bt709", "bt709", "bt709")


# --- write_clip -------------------------------------------------------------------------------------


def test_write_clip_round_trip(tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (7, 32, 48, 3), dtype=np.uint8)
    write_clip(frames, 10, tmp_path / "clip.mp4")
    probe = probe_video(tmp_path / "clip.mp4")
    assert (probe.video_codec, probe.pix_fmt, probe.width, probe.height) == ("h264", "yuv420p", 48, 32)
    assert probe.frames_decoded == 7 and probe.fps == pytest.approx(10)
    assert probe.audio_codec is None
    assert probe.faststart


@pytest.mark.parametrize("shape", [(3, 33, 48, 3), (3, 32, 47, 3)])
def test_write_clip_rejects_odd_sizes(tmp_path, shape):
    with pytest.raises(ValueError, match="even"):
        write_clip(np.zeros(shape, np.uint8), 10, tmp_path / "clip.mp4")


def test_write_clip_rejects_empty_frames(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        write_clip(np.zeros((0, 32, 32, 3), np.uint8), 10, tmp_path / "clip.mp4")
    assert not (tmp_path / "clip.mp4").exists()


# --- title cards ------------------------------------------------------------------------------------


def test_title_card_wraps_a_long_title_inside_the_margins():
    card = TitleCard("The extraordinarily long name of a hand-thrown espresso cup", "$12.00", 1.0, "#000000", "#ffffff")
    image = render_title_image(card, (160, 284))
    assert image.shape == (284, 160, 3)
    assert (image[0, 0] == 0).all() and (image[-1, -1] == 0).all()
    text_columns = np.nonzero(image.max(axis=(0, 2)) > 40)[0]
    assert text_columns.size, "the title should be drawn"
    assert text_columns.min() >= 160 * 0.07 and text_columns.max() <= 160 * 0.93, "text should stay within ~85% width"
    text_rows = np.nonzero(image.max(axis=(1, 2)) > 40)[0]
    assert text_rows.min() > 0 and text_rows.max() < 283


@pytest.mark.skipif(not DEJAVU_SANS.exists(), reason="needs the DejaVu Sans font")
def test_title_card_can_use_a_font_with_wider_coverage():
    card = TitleCard("Crème brûlée", "€12,00", 1.0, "#000000", "#ffffff")
    default = render_title_image(card, (160, 160))
    dejavu = render_title_image(card, (160, 160), font_path=DEJAVU_SANS)
    assert default.shape == dejavu.shape and not np.array_equal(default, dejavu)


# --- render_timeline --------------------------------------------------------------------------------


def test_render_produces_a_deliverable_mp4(shots, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything written to the working directory would show up here
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    timeline = tall_timeline(shots)
    render_timeline(timeline, out_dir / "video.mp4", preset="ultrafast")
    assert_deliverable(probe_video(out_dir / "video.mp4"), timeline)
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert os.listdir(out_dir) == ["video.mp4"], "temporary audio or partial files were left behind"


@pytest.mark.parametrize("music_seconds", [1.0, 6.0], ids=["looped", "cut"])
def test_render_with_music(shots, tmp_path, music_seconds):
    timeline = tall_timeline(shots, music_path=write_sine_wav(tmp_path / "music.wav", music_seconds))
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast")
    assert_deliverable(probe_video(tmp_path / "video.mp4"), timeline)

    samples = np.abs(decoded_audio(tmp_path / "video.mp4"))
    quarter = len(samples) // 4
    assert samples[quarter : 3 * quarter].mean() > 0.1, "music should be audible through the middle"
    assert samples[-len(samples) // 50 :].mean() < samples[quarter : 3 * quarter].mean() / 4, "music should fade out"


def test_render_without_music_has_a_silent_track(shots, tmp_path):
    timeline = tall_timeline(shots)
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast")
    assert np.abs(decoded_audio(tmp_path / "video.mp4")).max() < 1e-3


def test_segments_land_on_their_exact_frames(tmp_path):
    # 0.1 + 0.2 is not 0.3 in binary: boundaries must still fall on whole frames.
    colours = {"#ff0000": (1, (255, 0, 0)), "#00ff00": (2, (0, 255, 0)), "#0000ff": (3, (0, 0, 255))}
    segments = tuple(TitleCard("", "", frames / 10, colour, "#ffffff") for colour, (frames, _) in colours.items())
    timeline = Timeline(32, 32, 10, segments)
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast")
    centres = [frame[16, 16].astype(int) for frame in decoded_frames(tmp_path / "video.mp4")]
    expected = [rgb for frames, rgb in colours.values() for _ in range(frames)]
    assert len(centres) == len(expected) == 6
    for index, (got, want) in enumerate(zip(centres, expected)):
        assert np.abs(got - want).max() < 24, f"frame {index}: {got} instead of {want}"


def test_other_aspect_shot_is_contained_over_a_blurred_backdrop(shots, tmp_path):
    timeline = tall_timeline(shots)
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast", crf=12)
    width, height = timeline.width, timeline.height
    wide_start = round(timeline.starts()[2] * timeline.fps)
    rendered = decoded_frames(tmp_path / "video.mp4")[wide_start].astype(int)
    source = decoded_frames(shots["wide"])[0]

    # The whole 16:9 picture, scaled to the 9:16 width and centred: not stretched, not cropped.
    inner_height = round(source.shape[0] * width / source.shape[1])
    top = (height - inner_height) // 2
    expected = np.asarray(Image.fromarray(source).resize((width, inner_height), Image.Resampling.BICUBIC)).astype(int)
    band = rendered[top + 2 : top + inner_height - 2]
    # Chroma subsampling of the tiny colour blocks costs ~10 here; 2 px off, stretched or cropped is 28+.
    assert np.abs(band - expected[2:-2]).mean() < 16

    backdrop_rows = np.concatenate([rendered[: top - 2], rendered[top + inner_height + 2 :]])
    assert backdrop_rows.mean() > 10, "above and below the picture should be a backdrop, not black bars"

    def sharpness(pixels: np.ndarray) -> float:
        return float(np.abs(np.diff(pixels, axis=1)).mean())

    assert sharpness(band) > 3 * sharpness(backdrop_rows), "the picture should be sharp, the backdrop blurred"


def test_same_aspect_shot_is_shown_as_is(shots, tmp_path):
    timeline = tall_timeline(shots)
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast", crf=12)
    tall_start = round(timeline.starts()[1] * timeline.fps)
    rendered = decoded_frames(tmp_path / "video.mp4")[tall_start : tall_start + FPS]
    source = decoded_frames(shots["tall"])
    assert len(rendered) == len(source) == FPS
    for got, want in zip(rendered, source):
        assert np.abs(got.astype(int) - want.astype(int)).mean() < 6


def test_write_poster(shots, tmp_path):
    timeline = tall_timeline(shots)
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast")
    for at in (1.5, timeline.duration + 5):  # past the end gives the last frame
        write_poster(tmp_path / "video.mp4", tmp_path / "poster.jpg", at=at)
        with Image.open(tmp_path / "poster.jpg") as poster:
            assert poster.format == "JPEG"
            assert poster.size == (timeline.width, timeline.height)
    with pytest.raises(ValueError, match="poster time"):
        write_poster(tmp_path / "video.mp4", tmp_path / "poster.jpg", at=-1)
