"""The built-in music library: a piece per mood and tempo, composed to the exact length of a video and kept on disk
(VAR_DIR/music-cache) keyed by mood, tempo, length and the composer's version, so a render of the same length and
mood reuses the file instead of composing again (a piece takes 1-3 s to compose on one core)."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np
from django.conf import settings

from generation.music.composer import DEFAULT_MOOD, MOODS, piece_compose
from generation.music.synth import RATE

COMPOSER_VERSION = 3  # bump when the composer changes how pieces sound: old cached files are no longer used
CACHE_FILES = 200


def music_mood(mood: str | None) -> str:
    """The mood asked for (every built-in preset names one), else the library's default."""
    return mood or DEFAULT_MOOD


def music_tempo(mood: str, tempo: float | None = None) -> float:
    """The tempo asked for, else the mood's own."""
    return float(tempo) if tempo else float(MOODS[mood].tempo)


def music_piece_path(*, mood: str, tempo: float, duration: float) -> Path:
    """The WAV of the mood's piece at `tempo`, exactly round(duration * 44100) samples long; composed on first use."""
    samples = round(duration * RATE)
    folder = Path(settings.VAR_DIR) / "music-cache"
    path = folder / f"{mood}-{tempo:g}bpm-{samples}-v{COMPOSER_VERSION}.wav"
    if path.is_file():
        return path
    piece = piece_compose(mood=mood, tempo=tempo, duration=duration)
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    pcm = (np.clip(piece.samples.T, -1.0, 1.0) * 32767).round().astype("<i2")
    with wave.open(str(partial), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    os.replace(partial, path)  # two workers composing the same piece both write whole files; the last one wins
    _cache_pruned(folder)
    return path


def _cache_pruned(folder: Path) -> None:
    """Keep the CACHE_FILES most recently written pieces (a piece is ~5 MB a minute; lengths vary per video)."""
    pieces = sorted(folder.glob("*.wav"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in pieces[CACHE_FILES:]:
        stale.unlink(missing_ok=True)
