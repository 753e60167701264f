"""A neural presenter voice: Piper (piper-tts) running a local ONNX voice from settings.PIPER_VOICES_DIR.

Nothing is downloaded: an operator puts `<name>.onnx` and `<name>.onnx.json` in the voices directory and a
presenter's VoiceSpec.voice names the file. piper-tts is an optional extra (`pip install '.[piper]'`), imported on
first use only. Word timings come from Piper's phoneme alignments when the voice provides them; otherwise
espeak-ng speaks the same text and its word timings are stretched to the length of Piper's audio.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from django.conf import settings

from generation.presenter.speech import PhonemeTiming, Speech, VoiceSpec, WordTiming
from generation.presenter.tts import TtsError

Timing = TypeVar("Timing", WordTiming, PhonemeTiming)

# Piper's phoneme list marks sentence start/end with these and separates words with a space phoneme.
_PIPER_BOUNDARY_PHONEMES = {"^", "$", "_"}
_WORD_SEPARATOR = " "
# Punctuation Piper passes through as phonemes: pauses, not parts of a word.
_PUNCTUATION = set(".,;:!?¡¿—…\"«»“”()-'")
_TEXT_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


@dataclasses.dataclass(frozen=True)
class PiperVoiceFiles:
    model: Path  # <name>.onnx
    config: Path  # <name>.onnx.json


def piper_voice_files(*, voices_dir: Path, voice_name: str) -> PiperVoiceFiles:
    """The model and config files of a voice, or TtsError naming the directory and the files expected there."""
    name = voice_name.strip()
    if not name:
        raise TtsError(f"a Piper voice needs VoiceSpec.voice: the name of an .onnx file in {voices_dir}")
    if Path(name).name != name or name.startswith("."):
        raise TtsError(f"Piper voice {voice_name!r} must be a plain file name inside {voices_dir}, not a path")
    stem = name[: -len(".onnx")] if name.endswith(".onnx") else name
    files = PiperVoiceFiles(model=Path(voices_dir) / f"{stem}.onnx", config=Path(voices_dir) / f"{stem}.onnx.json")
    missing = [path.name for path in (files.model, files.config) if not path.is_file()]
    if missing:
        raise TtsError(
            f"Piper voice {stem!r} is not installed: {voices_dir} needs {files.model.name} and "
            f"{files.config.name} (missing: {', '.join(missing)}); download both from the Piper voices "
            "page and set PIPER_VOICES_DIR if they live elsewhere"
        )
    return files


def _piper_import() -> Any:
    try:
        import piper
    except ImportError as error:
        raise TtsError("the Piper engine needs piper-tts: install the piper extra: pip install '.[piper]'") from error
    return piper


def timings_rescaled(
    timings: Iterable[Timing], *, source_duration: float, target_duration: float
) -> tuple[Timing, ...]:
    """Timings measured on audio `source_duration` long, stretched in proportion onto audio `target_duration`
    long: the estimate used when Piper gives no alignments, from espeak-ng speaking the same words."""
    if source_duration <= 0:
        raise ValueError(f"source_duration must be positive, got {source_duration}")
    scale = target_duration / source_duration
    return tuple(
        dataclasses.replace(t, start=min(t.start * scale, target_duration), end=min(t.end * scale, target_duration))
        for t in timings
    )


def timings_from_alignments(
    *, text: str, chunks: list[Any]
) -> tuple[tuple[WordTiming, ...], tuple[PhonemeTiming, ...]] | None:
    """Words and IPA phonemes from Piper's per-phoneme sample counts, or None when a chunk has no alignments
    or Piper's words (space-separated phoneme groups) do not pair one to one with the words of the text."""
    phonemes: list[PhonemeTiming] = []
    groups: list[tuple[float, float]] = []  # (start, end) of each spoken word
    offset = 0
    for chunk in chunks:
        if not chunk.phoneme_alignments:
            return None
        rate = chunk.sample_rate
        cursor = offset
        group: list[PhonemeTiming] = []
        for alignment in chunk.phoneme_alignments:
            start, end = cursor / rate, (cursor + alignment.num_samples) / rate
            cursor += alignment.num_samples
            symbol = alignment.phoneme
            if symbol == _WORD_SEPARATOR or symbol in _PIPER_BOUNDARY_PHONEMES or symbol in _PUNCTUATION:
                if group:
                    groups.append((group[0].start, group[-1].end))
                    group = []
                continue
            timing = PhonemeTiming(symbol=symbol, start=start, end=end)
            phonemes.append(timing)
            group.append(timing)
        if group:
            groups.append((group[0].start, group[-1].end))
        offset += len(chunk.audio_float_array)
    text_words = _TEXT_WORD.findall(text)
    if len(text_words) != len(groups):
        return None  # numbers and abbreviations expand to several spoken words: fall back to the estimate
    words = tuple(WordTiming(text=word, start=start, end=end) for word, (start, end) in zip(text_words, groups))
    return words, tuple(phonemes)


class PiperTextToSpeech:
    """Piper: natural neural voices on a CPU, one ONNX file each; slower than espeak-ng, far nicer to hear."""

    name = "piper"

    def __init__(self) -> None:
        self._loaded: dict[Path, Any] = {}
        self._load_lock = threading.Lock()

    def voices(self) -> list[str]:
        voices_dir = Path(settings.PIPER_VOICES_DIR)
        if not voices_dir.is_dir():
            return []
        return sorted(
            path.name[: -len(".onnx")]
            for path in voices_dir.glob("*.onnx")
            if path.with_name(path.name + ".json").is_file()
        )

    def _voice_load(self, *, files: PiperVoiceFiles) -> Any:
        """One PiperVoice per model file per process: loading the ONNX session takes about a second."""
        piper = _piper_import()
        with self._load_lock:
            if files.model not in self._loaded:
                try:
                    self._loaded[files.model] = piper.PiperVoice.load(files.model, config_path=files.config)
                except Exception as error:  # onnxruntime and json raise many types; the file is what to fix
                    raise TtsError(f"Piper could not load {files.model}: {error}; replace the voice files") from error
            return self._loaded[files.model]

    def synthesize(self, text: str, *, voice: VoiceSpec) -> Speech:
        # 1. Find the voice files, before importing piper, so a missing voice is reported even without the extra.
        files = piper_voice_files(voices_dir=Path(settings.PIPER_VOICES_DIR), voice_name=voice.voice)
        piper = _piper_import()
        model = self._voice_load(files=files)
        # 2. Synthesise; Piper yields one chunk per sentence. length_scale > 1 is slower speech.
        config = piper.SynthesisConfig(length_scale=1.0 / voice.speed)
        chunks = list(model.synthesize(text, syn_config=config, include_alignments=True))
        if not chunks:
            raise TtsError(f"Piper voice {files.model.stem!r} produced no audio; check the script's language")
        sample_rate = int(chunks[0].sample_rate)
        samples = np.concatenate([np.asarray(c.audio_float_array, dtype=np.float32).reshape(-1) for c in chunks])
        duration = len(samples) / sample_rate
        # 3. Timings: Piper's own alignments, else espeak-ng's stretched onto this audio.
        aligned = timings_from_alignments(text=text, chunks=chunks)
        if aligned is not None:
            words, phonemes = aligned
            source = "piper-alignments"
        else:
            words, phonemes = _timings_estimated(
                text=text,
                voice=voice,
                espeak_voice=getattr(model.config, "espeak_voice", "") or "",
                target_duration=duration,
            )
            source = "espeak-rescaled"
        return Speech(
            samples=samples,
            sample_rate=sample_rate,
            words=words,
            phonemes=phonemes,
            metadata={
                "engine": self.name,
                "voice": files.model.stem,
                "speed": voice.speed,
                "timings": source,
                "phoneme_alphabet": "ipa" if source == "piper-alignments" else "espeak",
            },
        )


def _timings_estimated(
    *, text: str, voice: VoiceSpec, espeak_voice: str, target_duration: float
) -> tuple[tuple[WordTiming, ...], tuple[PhonemeTiming, ...]]:
    """espeak-ng's word and phoneme timings for the same text, stretched onto the Piper audio."""
    from generation.presenter.tts_espeak import EspeakTextToSpeech

    # The voice's config names the espeak-ng voice Piper phonemised with ("en-us"), which is the closest guide.
    guide_voice = VoiceSpec(engine="espeak", voice=espeak_voice, speed=voice.speed, language=voice.language)
    try:
        guide = EspeakTextToSpeech().synthesize(text, voice=guide_voice)
    except TtsError:
        guide = EspeakTextToSpeech().synthesize(text, voice=dataclasses.replace(guide_voice, voice=""))
    if guide.duration <= 0:
        return (), ()
    words = timings_rescaled(guide.words, source_duration=guide.duration, target_duration=target_duration)
    phonemes = timings_rescaled(guide.phonemes, source_duration=guide.duration, target_duration=target_duration)
    return words, phonemes
