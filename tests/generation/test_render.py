"""The final render through render_timeline, checked by decoding the encoded files: the deliverable's format,
transitions, card entrances, overlays, the soundtrack, reframing and failures (tiny sizes: CI has 2 cores)."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from generation.assembly.captions import Cue
from generation.assembly.clipio import write_clip
from generation.assembly.render import render_timeline
from generation.assembly.timeline import (
    Music,
    Segment,
    ShotClip,
    Style,
    Timeline,
    TitleCard,
    Transition,
    Voice,
    safe_area,
)
from tests.media_probe import probe_video

FPS = 10
W, H = 64, 114  # rendition_size("9:16", 64)
RED, BLUE, GREY = (230, 20, 20), (20, 20, 230), (128, 128, 128)


# --- helpers ----------------------------------------------------------------------------------------


def flat_clip(path: Path, colour, frames: int = FPS, size=(W, H)) -> str:
    write_clip(np.full((frames, size[1], size[0], 3), colour, np.uint8), FPS, path)
    return str(path)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("shots")
    return {
        name: flat_clip(directory / f"{name}.mp4", colour, frames=2 * FPS)
        for name, colour in (("red", RED), ("blue", BLUE), ("grey", GREY))
    }


def shot(path: str, duration: float = 1.0, transition: Transition | None = None, **kw) -> Segment:
    return Segment(ShotClip(path), duration, transition or Transition(), **kw)


def render(tmp_path, *segments: Segment, name="video.mp4", **kw) -> tuple[Timeline, Path]:
    timeline = Timeline(**({"width": W, "height": H, "fps": FPS, "segments": segments} | kw))
    out = tmp_path / name
    render_timeline(timeline, out, preset="ultrafast", crf=10)
    return timeline, out


def decoded_frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)]


def decoded_audio(path) -> tuple[np.ndarray, int, int]:
    """(channels, samples) float array, the sample rate and the channel count of the first audio stream."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate, channels = stream.codec_context.sample_rate, stream.codec_context.layout.nb_channels
        chunks = [frame.to_ndarray() for frame in container.decode(stream)]
    return np.concatenate(chunks, axis=1), rate, channels


def write_sine_wav(path: Path, seconds: float, frequency: float, amplitude: float = 0.4, rate: int = 22050) -> str:
    t = np.arange(int(rate * seconds)) / rate
    samples = (amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return str(path)


def tone_amplitude(samples: np.ndarray, rate: int, frequency: float, start: float, end: float) -> float:
    """Amplitude of one frequency in [start, end) s of a mono signal (its projection onto sin and cos)."""
    first, last = round(start * rate), round(end * rate)
    t = np.arange(first, last) / rate
    window = samples[first:last]
    return float(
        2
        * np.hypot(
            (window * np.sin(2 * np.pi * frequency * t)).mean(), (window * np.cos(2 * np.pi * frequency * t)).mean()
        )
    )


def colour_mask(frame: np.ndarray, colour, tolerance: int = 45) -> np.ndarray:
    return np.abs(frame - np.array(colour)).max(axis=2) < tolerance


# --- the deliverable -----------------------------------------------------------------------------------


def test_render_produces_a_deliverable_mp4(clips, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything written to the working directory would show up here
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    music = write_sine_wav(tmp_path / "music.wav", 1.0, 440)
    timeline = Timeline(
        W,
        H,
        FPS,
        (
            shot(clips["red"], 1.0),
            Segment(TitleCard("Cup", "$12"), 1.0, Transition("crossfade", 0.5)),
            shot(clips["blue"], 0.7, Transition("slide_left", 0.3)),
        ),
        music=Music(music),
    )
    render_timeline(timeline, out_dir / "video.mp4", preset="ultrafast")

    probe = probe_video(out_dir / "video.mp4")
    assert (probe.video_codec, probe.pix_fmt) == ("h264", "yuv420p")
    assert (probe.width, probe.height) == (W, H)
    assert (probe.color_primaries, probe.color_trc, probe.colorspace) == ("bt709", "bt709", "bt709")
    assert probe.fps == pytest.approx(FPS)
    assert timeline.num_frames == 19
    assert probe.frames_decoded == timeline.num_frames
    assert probe.duration == pytest.approx(timeline.duration, abs=0.1)
    assert probe.audio_codec == "aac"
    assert probe.faststart, "the moov index must precede mdat"
    samples, rate, channels = decoded_audio(out_dir / "video.mp4")
    assert (rate, channels) == (44100, 2)
    assert samples.shape[1] / rate == pytest.approx(timeline.duration, abs=0.1)

    assert sorted(os.listdir(tmp_path)) == ["music.wav", "out"]
    assert os.listdir(out_dir) == ["video.mp4"], "temporary audio or partial files were left behind"


# --- transitions ----------------------------------------------------------------------------------------


def test_crossfade_middle_frame_blends_the_two_shots(clips, tmp_path):
    # 1 s red, then 1 s blue entering over the last 0.5 s (5 frames) of it: frames 5-9 are the crossfade.
    timeline, out = render(tmp_path, shot(clips["red"]), shot(clips["blue"], transition=Transition("crossfade", 0.5)))
    frames = decoded_frames(out)
    assert len(frames) == timeline.num_frames == 15
    red, blue = frames[2].mean(axis=(0, 1)), frames[-1].mean(axis=(0, 1))
    assert red[0] > 180 and blue[2] > 180
    middle = frames[7].mean(axis=(0, 1))  # transition frame 2 of 5: eased progress exactly 0.5
    assert np.abs(middle - (red + blue) / 2).max() < 12, f"{middle} is not halfway between {red} and {blue}"
    # the blend moves steadily from red to blue
    blue_share = [frame[..., 2].mean() for frame in frames[4:11]]
    assert all(a < b for a, b in zip(blue_share, blue_share[1:])), blue_share
    assert frames[4].mean(axis=(0, 1)) == pytest.approx(red, abs=4), "before the transition: only red"
    assert frames[10].mean(axis=(0, 1)) == pytest.approx(blue, abs=4), "after it: only blue"


def test_slide_left_pushes_the_outgoing_shot_out_to_the_left(clips, tmp_path):
    timeline, out = render(tmp_path, shot(clips["red"]), shot(clips["blue"], transition=Transition("slide_left", 0.5)))
    middle = decoded_frames(out)[7]  # progress 0.5: the boundary sits at the middle column
    left, right = middle[:, : W // 2 - 4], middle[:, W // 2 + 4 :]
    assert colour_mask(left, RED).mean() > 0.95, "the outgoing (red) shot should fill the left half"
    assert colour_mask(right, BLUE).mean() > 0.95, "the incoming (blue) shot should fill the right half"
    # it is a slide, not a blend: no purple anywhere
    assert colour_mask(middle, (125, 20, 125), 30).mean() < 0.1


def test_slide_up_brings_the_incoming_shot_in_from_below(clips, tmp_path):
    _, out = render(tmp_path, shot(clips["red"]), shot(clips["blue"], transition=Transition("slide_up", 0.5)))
    middle = decoded_frames(out)[7]
    assert colour_mask(middle[: H // 2 - 4], RED).mean() > 0.95
    assert colour_mask(middle[H // 2 + 4 :], BLUE).mean() > 0.95


# --- cards ---------------------------------------------------------------------------------------------------


def test_card_content_enters_then_stands_still(tmp_path):
    # 96x170 so the title is big enough to measure; the entrance takes 5 frames (0.5 s) of the 1 s card.
    timeline, out = render(tmp_path, Segment(TitleCard("Cup", "$12"), 1.0), width=96, height=170)
    frames = decoded_frames(out)
    assert len(frames) == 10
    last = frames[-1]
    background_rows = last[:8].mean(axis=(0, 1))
    content = np.abs(last - background_rows).max(axis=2) > 60  # the title's ink on the final frame
    assert content.sum() > 50, "the card should draw its title"
    visibility = [np.abs(frame[content] - background_rows).mean() for frame in frames]
    full = visibility[-1]
    assert visibility[0] < full * 0.5, "the first frame should show the content barely faded in"
    assert np.abs(frames[0] - last).max() > 60, "the first frame should differ from the last"
    assert all(a <= b + 2 for a, b in zip(visibility[:6], visibility[1:6])), f"not fading in: {visibility}"
    for frame in frames[5:]:
        assert np.abs(frame - last).max() <= 3, "after the entrance the card stands still"


# --- overlays ------------------------------------------------------------------------------------------------


@pytest.fixture
def logo(tmp_path) -> str:
    path = tmp_path / "logo.png"
    Image.new("RGBA", (40, 20), (0, 255, 0, 255)).save(path)
    return str(path)


def green(frame: np.ndarray) -> np.ndarray:
    return (frame[..., 1] > frame[..., 0] + 80) & (frame[..., 1] > frame[..., 2] + 80)


def test_watermark_sits_in_the_right_corner_over_shots_not_cards(clips, tmp_path, logo):
    _, out = render(
        tmp_path,
        shot(clips["grey"]),
        Segment(TitleCard("Cup"), 1.0),
        shot(clips["grey"]),
        style=Style(logo_path=logo),
        watermark="top-right",
    )
    frames = decoded_frames(out)
    safe = safe_area(W, H)
    for index in (0, 5, 9, 25, 29):  # shots
        mask = green(frames[index])
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        assert mask.sum() > 30, f"frame {index}: no watermark over the shot"
        assert cols.min() >= W // 2 and cols.max() < safe.right + 2, "the logo belongs in the right corner"
        assert rows.min() >= safe.top - 2 and rows.max() < H // 3, "…at the top of the safe area"
    for index in (10, 15, 19):  # the card
        assert green(frames[index]).sum() == 0, f"frame {index}: the watermark should not cover a card"


def test_watermark_fades_out_with_its_shot_during_a_crossfade_into_a_card(clips, tmp_path, logo):
    fade = Transition("crossfade", 0.4)  # 4 frames at 10 fps: frames 6-9 blend the shot into the card
    _, out = render(
        tmp_path,
        shot(clips["grey"]),
        Segment(TitleCard("Cup"), 1.0, fade),
        style=Style(logo_path=logo),
        watermark="top-right",
    )
    frames = decoded_frames(out)
    greenness = [int(frame[..., 1].astype(int).sum() - frame[..., 0].astype(int).sum()) for frame in frames]
    full, gone = greenness[3], greenness[12]
    middle = greenness[7:9]
    assert all(gone < value < full for value in middle), "mid-crossfade the logo is part-way faded, not cut"
    assert green(frames[12]).sum() == 0


def test_watermark_bottom_left(clips, tmp_path, logo):
    _, out = render(tmp_path, shot(clips["grey"]), style=Style(logo_path=logo), watermark="bottom-left")
    mask = green(decoded_frames(out)[3])
    safe = safe_area(W, H)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert mask.sum() > 30 and cols.max() < W // 2 and cols.min() >= safe.left - 2
    assert rows.max() <= safe.bottom + 2 and rows.min() > H // 2


def test_badge_shows_accent_pixels_top_left_of_the_safe_area(clips, tmp_path):
    accent = (255, 204, 0)
    _, out = render(tmp_path, shot(clips["blue"], badge="-25%"), shot(clips["blue"]), style=Style(accent="#ffcc00"))
    frames = decoded_frames(out)
    safe = safe_area(W, H)
    badged = colour_mask(frames[4], accent, 50)
    rows, cols = np.flatnonzero(badged.any(axis=1)), np.flatnonzero(badged.any(axis=0))
    assert badged.sum() > 30, "the badge should be drawn in the accent colour"
    assert cols.min() >= safe.left - 2 and rows.min() >= safe.top - 2, "inside the safe area"
    assert cols.max() < W * 0.7 and rows.max() < H / 2, "in its top-left"
    assert colour_mask(frames[15], accent, 50).sum() == 0, "a segment without a badge shows none"


def test_caption_shows_only_during_its_cue(clips, tmp_path):
    _, out = render(tmp_path, shot(clips["grey"], 1.5), captions=(Cue(0.5, 1.0, "Hello"),))
    frames = decoded_frames(out)
    lower, upper = slice(round(H * 0.55), H), slice(0, round(H * 0.45))
    for index, frame in enumerate(frames):
        showing = 5 <= index < 10
        dark = (frame[lower].max(axis=2) < 90).sum()
        light = (frame[lower].min(axis=2) > 210).sum()
        if showing:
            assert dark > 40, f"frame {index}: the caption's dark box is missing"
            assert light > 10, f"frame {index}: the caption's light text is missing"
        else:
            assert dark == 0 and light == 0, f"frame {index}: a caption outside its cue"
        assert np.abs(frame[upper] - GREY).max() < 12, f"frame {index}: the caption should stay in the lower part"


def test_captions_not_burned_in_leave_the_picture_untouched(clips, tmp_path):
    _, out = render(tmp_path, shot(clips["grey"], 1.5), captions=(Cue(0.5, 1.0, "Hello"),), burn_in_captions=False)
    for index, frame in enumerate(decoded_frames(out)):
        assert np.abs(frame.astype(int) - GREY).max() < 12, f"frame {index}: nothing should be drawn"


# --- the soundtrack --------------------------------------------------------------------------------------


def test_music_plays_faded_in_and_out(clips, tmp_path):
    music = write_sine_wav(tmp_path / "music.wav", 0.7, 440)  # shorter than the video: looped
    # The mix's own levels (not normalised: test_music.py checks the loudness normalisation).
    _, out = render(
        tmp_path,
        shot(clips["grey"], 2.0),
        music=Music(music, volume=0.8, fade_in=0.5, fade_out=0.5),
        loudness_lufs=None,
    )
    samples, rate, channels = decoded_audio(out)
    assert channels == 2
    left, right = samples
    assert np.abs(left - right).max() < 1e-3, "mono music plays on both sides"

    def rms(start, end):
        return float(np.sqrt(np.mean(left[round(start * rate) : round(end * rate)] ** 2)))

    middle = rms(0.7, 1.3)
    assert middle == pytest.approx(0.4 * 0.8 / np.sqrt(2), rel=0.15), "music at its volume through the middle"
    assert rms(0.0, 0.05) < 0.02 and rms(0.0, 0.05) < middle / 8, "the first 50 ms should be near silent"
    assert rms(1.95, 2.0) < middle / 8, "the music should fade out at the end"
    assert rms(0.2, 0.3) == pytest.approx(middle / 2, rel=0.3), "half-way up the fade-in"


def test_voice_ducks_the_music(clips, tmp_path):
    music = write_sine_wav(tmp_path / "music.wav", 2.0, 440)
    voice = write_sine_wav(tmp_path / "voice.wav", 0.6, 1000, amplitude=0.3)
    _, out = render(
        tmp_path,
        shot(clips["grey"], 2.0),
        music=Music(music, volume=0.8, fade_in=0.1, fade_out=0.1),
        voices=(Voice(voice, 0.8),),
        loudness_lufs=None,
    )
    samples, rate, _ = decoded_audio(out)
    mono = samples[0]
    before = tone_amplitude(mono, rate, 440, 0.2, 0.55)  # the duck ramps down over 0.2 s before the voice
    during = tone_amplitude(mono, rate, 440, 0.9, 1.3)
    after = tone_amplitude(mono, rate, 440, 1.65, 1.85)
    assert before == pytest.approx(0.32, rel=0.15)
    assert during < before * 0.4, f"music at {during:.3f} under the voice, {before:.3f} without it"
    assert after == pytest.approx(before, rel=0.15), "the music comes back up after the voice"
    assert tone_amplitude(mono, rate, 1000, 0.9, 1.3) == pytest.approx(0.3, rel=0.15), "the voice at full level"
    assert tone_amplitude(mono, rate, 1000, 0.2, 0.55) < 0.01


def test_without_music_the_video_still_has_a_silent_stereo_track(clips, tmp_path):
    timeline, out = render(tmp_path, shot(clips["grey"]))
    assert probe_video(out).audio_codec == "aac"
    samples, rate, channels = decoded_audio(out)
    assert (rate, channels) == (44100, 2)
    assert samples.shape[1] / rate == pytest.approx(timeline.duration, abs=0.1)
    assert np.abs(samples).max() < 1e-3


# --- shots --------------------------------------------------------------------------------------------------


def test_shot_shorter_than_its_segment_holds_its_last_frame(tmp_path):
    levels = [40, 70, 100, 130, 160]
    frames = np.stack([np.full((H, W, 3), level, np.uint8) for level in levels])
    path = tmp_path / "short.mp4"
    write_clip(frames, FPS, path)  # 0.5 s
    timeline, out = render(tmp_path, shot(str(path), 1.2))
    rendered = [frame.mean() for frame in decoded_frames(out)]
    assert len(rendered) == timeline.num_frames == 12
    assert rendered[:5] == pytest.approx(levels, abs=3)
    assert rendered[5:] == pytest.approx([160] * 7, abs=3), "the last frame should be held to the end"


def test_shot_longer_than_its_segment_is_trimmed(tmp_path):
    levels = [20 * i for i in range(1, 11)]  # 1 s
    path = tmp_path / "long.mp4"
    write_clip(np.stack([np.full((H, W, 3), level, np.uint8) for level in levels]), FPS, path)
    _, out = render(tmp_path, shot(str(path), 0.6))
    assert [frame.mean() for frame in decoded_frames(out)] == pytest.approx(levels[:6], abs=3)


@pytest.mark.parametrize("where", ["first", "second"])
@pytest.mark.parametrize("kind", ["missing", "garbage"])
def test_bad_shot_fails_clearly_and_leaves_nothing_behind(clips, tmp_path, where, kind):
    bad = tmp_path / "shots" / "bad.mp4"
    bad.parent.mkdir()
    if kind == "garbage":
        bad.write_bytes(b"not a video" * 100)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    segments = (shot(str(bad)), shot(clips["red"])) if where == "first" else (shot(clips["red"]), shot(str(bad)))
    timeline = Timeline(W, H, FPS, segments)
    with pytest.raises((ValueError, OSError)) as error:
        render_timeline(timeline, out_dir / "video.mp4", preset="ultrafast")
    message = str(error.value)
    assert str(bad) in message.splitlines()[0], f"the error should name the clip first: {message[:300]!r}"
    assert len(message) < 400, f"the error should be short and clear, got {len(message)} characters"
    assert os.listdir(out_dir) == [], "no output, partial or temporary file may be left behind"


# --- reframing ----------------------------------------------------------------------------------------------


def test_square_render_of_a_tall_shot_keeps_the_product_whole(tmp_path):
    # A 9:16 master (128x228) with a 48x48 product low in the frame, rendered 1:1 at 96x96: the renderer
    # crops a square around the product (not the middle of the frame, which would cut it) and scales it.
    master = np.full((10, 228, 128, 3), 200, np.uint8)
    master[:, 140:188, 40:88] = RED
    path = tmp_path / "tall.mp4"
    write_clip(master, FPS, path)
    _, out = render(tmp_path, shot(str(path)), width=96, height=96)
    frame = decoded_frames(out)[5]
    mask = colour_mask(frame, RED, 60)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert rows.size, "the product was cropped out"
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    assert top > 0 and left > 0 and bottom < 96 and right < 96, "the product should be whole, not cut by the edge"
    assert (right - left) / (bottom - top) == pytest.approx(1.0, rel=0.05), "the square product should stay square"
    assert right - left == pytest.approx(48 * 96 / 128, abs=2), "scaled with the crop, not squeezed"
    assert (top + bottom) / 2 == pytest.approx(48, abs=3) and (left + right) / 2 == pytest.approx(48, abs=3)
