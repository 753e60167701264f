"""Speech as data: the samples a text-to-speech engine made, and when each word and phoneme is heard.

Every TTS engine returns a Speech; the talking-head engines read its phonemes and loudness for the mouth, and
the assembly turns its words into captions. Times are seconds from the first sample.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np


@dataclass(frozen=True)
class VoiceSpec:
    """What a presenter profile says about its voice."""

    engine: str = "espeak"  # a key of settings.PRESENTER_TTS_ENGINES
    voice: str = ""  # engine-specific: an espeak-ng voice ("en-us"), a Piper voice file name
    speed: float = 1.0  # 1.0 = the engine's normal rate
    language: str = "en"  # BCP 47 primary tag; picks the script template


@dataclass(frozen=True)
class WordTiming:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class PhonemeTiming:
    symbol: str  # the engine's phoneme mnemonic (espeak-ng's for espeak; IPA for Piper)
    start: float
    end: float


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # float32 mono, -1..1
    sample_rate: int
    words: tuple[WordTiming, ...] = ()
    phonemes: tuple[PhonemeTiming, ...] = ()
    metadata: dict = field(default_factory=dict, compare=False)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def wav_write(self, path: str | Path | BinaryIO) -> None:
        """16-bit PCM mono WAV, to a file name or an open binary file (a voice sample is served from memory)."""
        pcm = (np.clip(self.samples, -1.0, 1.0) * 32767.0).astype("<i2")
        with wave.open(path if hasattr(path, "write") else str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(pcm.tobytes())

    def timings_json(self) -> dict:
        """Words and phonemes as JSON-ready lists, stored on the shot for the captions and the mouth."""
        return {
            "words": [[w.text, round(w.start, 3), round(w.end, 3)] for w in self.words],
            "phonemes": [[p.symbol, round(p.start, 3), round(p.end, 3)] for p in self.phonemes],
        }


def wav_read(path: str | Path) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV as float32 mono samples and its rate."""
    with wave.open(str(path), "rb") as source:
        if source.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is read, got {8 * source.getsampwidth()}-bit")
        channels = source.getnchannels()
        rate = source.getframerate()
        pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    samples = pcm.astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def timings_from_json(data: dict) -> tuple[tuple[WordTiming, ...], tuple[PhonemeTiming, ...]]:
    words = tuple(WordTiming(str(t), float(s), float(e)) for t, s, e in data.get("words", ()))
    phonemes = tuple(PhonemeTiming(str(p), float(s), float(e)) for p, s, e in data.get("phonemes", ()))
    return words, phonemes
