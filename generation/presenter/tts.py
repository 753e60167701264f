"""Text to speech for the digital presenters: one small interface, engines chosen by settings.

A presenter's profile holds a VoiceSpec; `speech_synthesize` turns a script into a Speech (samples plus word and
phoneme timings) with the engine that spec names. Engines live in their own modules (tts_espeak, tts_piper) and
are imported only when first asked for, so the web process can import this module (for `speech_duration`
pre-flight checks and the TtsError type) without loading libespeak-ng or onnxruntime.
"""

from __future__ import annotations

import functools
import math
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from generation.presenter.speech import Speech, VoiceSpec

SPEED_MIN = 0.5
SPEED_MAX = 2.0
# A presenter shot is a short spoken script; a whole article would make a shot minutes long and hold a CPU
# worker for that long. Longer scripts belong in several shots.
TEXT_MAX_CHARACTERS = 5000


class TtsError(Exception):
    """A script or voice the engines cannot speak; the message says what to change."""


@runtime_checkable
class TextToSpeech(Protocol):
    name: str

    def synthesize(self, text: str, *, voice: VoiceSpec) -> Speech:
        """The spoken text; raises TtsError for a voice or text the engine cannot use."""
        ...

    def voices(self) -> list[str]:
        """The values VoiceSpec.voice may take with this engine."""
        ...


@functools.cache
def tts_get(name: str) -> TextToSpeech:
    """The engine registered under `name` in settings.PRESENTER_TTS_ENGINES, one instance per process."""
    engines: dict[str, str] = settings.PRESENTER_TTS_ENGINES
    if name not in engines:
        known = ", ".join(sorted(engines)) or "none"
        raise TtsError(f"unknown text-to-speech engine {name!r}; settings.PRESENTER_TTS_ENGINES has: {known}")
    engine_class = import_string(engines[name])
    return engine_class()


def speech_check_inputs(*, text: str, voice: VoiceSpec) -> None:
    """Raise TtsError saying what to change when `text` or `voice` cannot be spoken; cheap, loads no engine."""
    if not isinstance(text, str) or not text.strip():
        raise TtsError("the script is empty: give the presenter some text to say")
    if len(text) > TEXT_MAX_CHARACTERS:
        raise TtsError(
            f"the script has {len(text)} characters; split it into shots of at most {TEXT_MAX_CHARACTERS} characters"
        )
    speed = voice.speed
    if not isinstance(speed, (int, float)) or not math.isfinite(speed) or not SPEED_MIN <= speed <= SPEED_MAX:
        raise TtsError(f"voice speed must be between {SPEED_MIN} and {SPEED_MAX} (1.0 is normal), got {speed!r}")
    engines: dict[str, str] = settings.PRESENTER_TTS_ENGINES
    if voice.engine not in engines:
        known = ", ".join(sorted(engines)) or "none"
        raise TtsError(f"unknown text-to-speech engine {voice.engine!r}; choose one of: {known}")


def speech_synthesize(*, text: str, voice: VoiceSpec) -> Speech:
    """The script spoken by the engine `voice.engine` names, with word and phoneme timings."""
    speech_check_inputs(text=text, voice=voice)
    speech = tts_get(voice.engine).synthesize(text, voice=voice)
    if len(speech.samples) == 0:
        raise TtsError(
            f"the {voice.engine} engine produced no audio for this script; "
            "check that it contains words in the voice's language"
        )
    return speech


# Measured: espeak-ng speaks a 40-word script (13.7 s of audio at 22050 Hz) in about 0.02 s on one core of
# this 2-core machine, so a pre-flight check of a script's length can afford a real synthesis; the cache makes
# repeated form validations of the same script free (and hides Piper's much slower first call).
@functools.lru_cache(maxsize=256)
def speech_duration(*, text: str, voice: VoiceSpec) -> float:
    """Seconds the script lasts when spoken with `voice`; cached, for checking scripts against shot lengths."""
    return speech_synthesize(text=text, voice=voice).duration
