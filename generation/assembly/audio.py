"""The soundtrack of a finished video: music looped or cut to length, faded, ducked under voice-overs, sound
effects on top, the whole normalised to a target loudness (loudness.py) when asked.

The mix is one moviepy AudioClip whose frame function builds each requested chunk with numpy (moviepy
asks for ~50 000 samples at a time). Music and voices are decoded into memory once, up front, by one
ffmpeg process each, rather than streamed through moviepy's AudioFileClip:
- they are short next to a marketing clip (a minute of stereo float32 is 21 MB), and looping
  becomes exact sample indexing;
- moviepy 2.2's audio reader fails on any chunk longer than half its buffer, which is what every
  file under ~2.3 s gets (so afx.AudioLoop of a short jingle crashes);
- its `-ac 2` upmixes mono at -3 dB; a mono voice-over here plays at its recorded level on both sides;
- a bad file fails here, with ffmpeg's reason, before any video is encoded.
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import imageio_ffmpeg
import numpy as np
from moviepy import AudioClip

from .loudness import SILENCE_LUFS, integrated_loudness, loudness_normalised

AUDIO_FPS = 44100
CHANNELS = 2  # every output is stereo, whatever the inputs are
STEM_LUFS = -16.0  # music and voices are levelled to this before mixing, when the mix is normalised


@dataclass(frozen=True)
class VoiceCue:
    path: str  # a speech recording (any format ffmpeg reads; WAV from the TTS)
    start: float  # seconds into the video

    def __post_init__(self) -> None:
        if not math.isfinite(self.start) or self.start < 0:
            raise ValueError(f"voice start must be a finite number of seconds >= 0, got {self.start!r}")


def ducking_gain(
    t: np.ndarray, voice_intervals: list[tuple[float, float]], *, duck: float = 0.25, ramp: float = 0.2
) -> np.ndarray:
    """The music's gain at each time in t: `duck` while a voice plays, 1.0 away from voices, and
    straight-line ramps of `ramp` seconds down before each voice and back up after it.

    Overlapping or touching intervals count as one; voices closer than two ramps apart keep the music
    partly down between them rather than pumping it back up.
    """
    if not 0 <= duck <= 1:
        raise ValueError(f"duck must be a gain between 0 and 1, got {duck!r}")
    if not ramp >= 0:
        raise ValueError(f"ramp must be >= 0 seconds, got {ramp!r}")
    t = np.asarray(t, dtype=float)
    intervals = _merged(voice_intervals)
    if not intervals:
        return np.ones_like(t)
    starts, ends = (np.array(column) for column in zip(*intervals))
    # Distance from each t to the nearest voice: the interval starting at or before t, or the next one.
    before = np.searchsorted(starts, t, side="right") - 1
    after_gap = np.where(before + 1 < len(starts), starts[np.minimum(before + 1, len(starts) - 1)] - t, np.inf)
    before_gap = np.where(before >= 0, np.maximum(t - ends[np.maximum(before, 0)], 0.0), np.inf)
    distance = np.minimum(before_gap, after_gap)
    closeness = np.clip(distance / ramp, 0.0, 1.0) if ramp > 0 else (distance > 0).astype(float)
    return duck + (1.0 - duck) * closeness


def fade_gain(t: np.ndarray, duration: float, *, fade_in: float, fade_out: float) -> np.ndarray:
    """Gain rising linearly from 0 at t=0 over fade_in seconds and falling to 0 at `duration` over
    fade_out seconds; a zero-length fade leaves that end untouched."""
    if fade_in < 0 or fade_out < 0:
        raise ValueError(f"fades must be >= 0 seconds, got fade_in={fade_in!r}, fade_out={fade_out!r}")
    t = np.asarray(t, dtype=float)
    gain = np.ones_like(t)
    if fade_in > 0:
        gain *= np.clip(t / fade_in, 0.0, 1.0)
    if fade_out > 0:
        gain *= np.clip((duration - t) / fade_out, 0.0, 1.0)
    return gain


@dataclass(frozen=True)
class EffectCue:
    samples: np.ndarray  # (n, 2) float stereo at AUDIO_FPS
    start: float  # seconds into the video


def soundtrack(
    *,
    duration: float,
    music_path: str | None,
    voices: tuple[VoiceCue, ...] = (),
    music_volume: float = 0.8,
    fade_in: float = 0.5,
    fade_out: float = 1.0,
    effects: tuple[EffectCue, ...] = (),
    loudness_lufs: float | None = None,
    opened: Callable = lambda clip: clip,
) -> AudioClip:
    """The video's audio, stereo at 44.1 kHz and exactly `duration` long.

    Music is looped or cut to the duration, scaled by music_volume, faded in and out, and ducked
    while any voice plays; voices and sound effects play on top at full level; the sum is clipped to
    [-1, 1]. No music and no voice gives silence, because every rendition must carry an audio track.
    loudness_lufs: the whole mix is computed up front and normalised to this integrated loudness under a
    true-peak ceiling (loudness.py) instead of clipped; the music and each voice are first brought to
    STEM_LUFS, so a merchant's quiet or loud upload sits under the voice the same way the built-in pieces do.
    opened: the caller's register of clips to close when the render ends (render.py's ExitStack).
    Every file clip opened here must go through it; today none is (decoding finishes before this
    returns and holds no file open), and the parameter stays so callers need not change if that does.
    """
    if not math.isfinite(duration) or duration <= 0:
        raise ValueError(f"soundtrack duration must be > 0 seconds, got {duration!r}")
    if not music_volume >= 0:
        raise ValueError(f"music_volume must be >= 0, got {music_volume!r}")
    total_samples = round(duration * AUDIO_FPS)

    music = audio_decoded(music_path, total_samples) if music_path else None
    if music is not None and loudness_lufs is not None:
        music = _stem_levelled(music)
    placed_voices = []
    for voice in voices:
        offset = round(voice.start * AUDIO_FPS)
        if offset >= total_samples:
            raise ValueError(f"voice {voice.path!r} starts at {voice.start}s, after the {duration}s video ends")
        samples = audio_decoded(voice.path, total_samples - offset)
        placed_voices.append((offset, _stem_levelled(samples) if loudness_lufs is not None else samples))
    placed_effects = [
        (round(effect.start * AUDIO_FPS), effect.samples)
        for effect in effects
        if round(effect.start * AUDIO_FPS) < total_samples
    ]
    voice_intervals = [(offset / AUDIO_FPS, (offset + len(samples)) / AUDIO_FPS) for offset, samples in placed_voices]

    def mix(t):
        # moviepy asks for one sample (scalar t) or a chunk (array t).
        if np.ndim(t) == 0:
            return mix(np.array([t], dtype=float))[0]
        index = np.round(np.asarray(t) * AUDIO_FPS).astype(np.int64)
        out = np.zeros((len(index), CHANNELS))
        if music is not None and len(music):
            gain = music_volume * fade_gain(t, duration, fade_in=fade_in, fade_out=fade_out)
            gain *= ducking_gain(t, voice_intervals)
            gain[(index < 0) | (index >= total_samples)] = 0.0
            out += music[index % len(music)] * gain[:, None]  # the modulo is the loop
        for offset, samples in [*placed_voices, *placed_effects]:
            local = index - offset
            playing = (local >= 0) & (local < len(samples))
            out[playing] += samples[local[playing]]
        return out if loudness_lufs is not None else np.clip(out, -1.0, 1.0, out=out)

    if loudness_lufs is None:
        return AudioClip(mix, duration=duration, fps=AUDIO_FPS)
    whole = mix(np.arange(total_samples) / AUDIO_FPS)
    whole = loudness_normalised(whole.T, AUDIO_FPS, target_lufs=loudness_lufs).T.astype(np.float32)

    def normalised(t):
        if np.ndim(t) == 0:
            return normalised(np.array([t], dtype=float))[0]
        index = np.round(np.asarray(t) * AUDIO_FPS).astype(np.int64)
        out = np.zeros((len(index), CHANNELS))
        inside = (index >= 0) & (index < total_samples)
        out[inside] = whole[index[inside]]
        return out

    return AudioClip(normalised, duration=duration, fps=AUDIO_FPS)


# --- helpers ----------------------------------------------------------------------------------------


def _stem_levelled(samples: np.ndarray) -> np.ndarray:
    """(n, 2) samples at STEM_LUFS integrated; silence, or a clip too short to measure, as it is."""
    loudness = integrated_loudness(samples.T, AUDIO_FPS)
    if loudness < SILENCE_LUFS:
        return samples
    return samples * np.float32(10 ** ((STEM_LUFS - loudness) / 20))


def _merged(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The intervals sorted, with overlapping or touching ones joined."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if not end >= start:
            raise ValueError(f"a voice interval must end after it starts, got {start!r} -> {end!r}")
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def audio_decoded(path: str, max_samples: int) -> np.ndarray:
    """Up to max_samples of the file's audio from its start, as a (samples, 2) float32 array at 44.1 kHz."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"audio file not found: {path!r}")
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin", "-i", path, "-vn",
        "-t", f"{max_samples / AUDIO_FPS + 0.001:.6f}",  # the margin cannot lose the last sample
        # Mono (a centre channel) goes to both sides at full level; stereo stays as it is.
        "-af", "pan=stereo|FL=FL+FC|FR=FR+FC", "-ar", str(AUDIO_FPS), "-f", "f32le", "-",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no reason given"]
        raise ValueError(f"cannot read audio from {path!r}: {reason[0]}")
    return np.frombuffer(result.stdout, dtype=np.float32).reshape(-1, CHANNELS)[:max_samples]
