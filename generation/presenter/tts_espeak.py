"""The offline presenter voice: libespeak-ng through ctypes, with word and phoneme timings from its events.

libespeak-ng and its data come inside the espeakng-loader wheel (no system package needed); a system
libespeak-ng.so.1 is the fallback. espeak-ng keeps its state in C globals, so one lock serialises every call,
and the library is initialised on first use in each process: a Celery prefork child initialises its own copy
instead of trusting the state it inherited from the parent.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from dataclasses import dataclass, field

import numpy as np

from generation.presenter.speech import PhonemeTiming, Speech, VoiceSpec, WordTiming
from generation.presenter.tts import TtsError

# Values from espeak-ng's src/include/espeak-ng/speak_lib.h (API revision 12, espeak-ng 1.52).
_AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_Synth returns when synthesis is complete; no background thread
_INITIALIZE_PHONEME_EVENTS = 0x0001
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAMETER_RATE = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_EE_OK = 0
_RATE_NORMAL = 175  # words per minute at speed 1.0 (espeakRATE_NORMAL)
_BUFFER_MILLISECONDS = 200  # audio per callback; larger means fewer Python calls per sentence
# espeak-ng's pause phonemes all start with "_" ("_", "_:", "_!", ...): silence, not part of any word.
_PAUSE_PREFIX = "_"


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """espeak_EVENT: audio_position is milliseconds, text_position a 1-based character index."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _Voice(ctypes.Structure):
    """espeak_VOICE; `languages` is a run of (priority byte, NUL-terminated name) ended by a zero byte."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class EspeakVoice:
    name: str  # what VoiceSpec.voice takes: the voice file's name, "en-us", "de", "cmn"
    title: str  # espeak-ng's description: "English (America)"
    languages: tuple[str, ...]


@dataclass(frozen=True)
class WordEvent:
    """An espeak-ng WORD event: where the word is in the text and when it starts."""

    text_position: int  # 1-based character index into the text
    length: int  # characters, as espeak-ng counted them
    start: float  # seconds


@dataclass
class _Capture:
    """What the synthesis callback collected for one espeak_Synth call."""

    chunks: list[np.ndarray] = field(default_factory=list)
    words: list[WordEvent] = field(default_factory=list)
    phoneme_starts: list[tuple[str, float]] = field(default_factory=list)


class _Espeak:
    """libespeak-ng initialised in this process; every method must be called with _lock held."""

    def __init__(self, *, library: ctypes.CDLL, data_path: str | None):
        self.library = library
        self.data_path = data_path
        self.pid = os.getpid()
        self.capture: _Capture | None = None
        _prototypes_declare(library)
        data = data_path.encode() if data_path else None
        self.sample_rate = library.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MILLISECONDS, data, _INITIALIZE_PHONEME_EVENTS
        )
        if self.sample_rate <= 0:
            raise TtsError(
                f"libespeak-ng could not start with its data at {data_path or 'the default path'}; "
                "reinstall espeakng-loader (or the system espeak-ng-data package)"
            )
        # Kept on the instance: ctypes frees the trampoline when the Python object goes away.
        self.callback = _SynthCallback(self._on_audio)
        library.espeak_SetSynthCallback(self.callback)
        self.voices = _voices_list(library)

    def _on_audio(self, wav, sample_count: int, events) -> int:
        capture = self.capture
        if capture is None:
            return 1  # nobody is listening: abort
        if wav and sample_count > 0:
            capture.chunks.append(np.ctypeslib.as_array(wav, shape=(sample_count,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            seconds = event.audio_position / 1000.0
            if event.type == _EVENT_WORD:
                capture.words.append(WordEvent(text_position=event.text_position, length=event.length, start=seconds))
            elif event.type == _EVENT_PHONEME:
                symbol = bytes(event.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
                capture.phoneme_starts.append((symbol, seconds))
            index += 1
        return 0

    def voice_select(self, *, voice: VoiceSpec) -> str:
        """Make `voice` current; returns the espeak-ng voice name used."""
        if voice.voice:
            if self.library.espeak_SetVoiceByName(voice.voice.encode()) != _EE_OK:
                raise TtsError(
                    f"espeak-ng has no voice {voice.voice!r}; use one of {_voices_hint(self.voices)} "
                    f"({len(self.voices)} in all, see EspeakTextToSpeech().voices())"
                )
            return voice.voice
        name = _voice_for_language(voices=self.voices, language=voice.language)
        if name is None or self.library.espeak_SetVoiceByName(name.encode()) != _EE_OK:
            raise TtsError(
                f"espeak-ng has no voice for language {voice.language!r}; set VoiceSpec.voice to "
                f"one of {_voices_hint(self.voices)}"
            )
        return name

    def speak(self, *, text: str, speed: float) -> _Capture:
        self.library.espeak_SetParameter(_PARAMETER_RATE, round(_RATE_NORMAL * speed), 0)
        encoded = text.encode("utf-8")
        self.capture = _Capture()
        try:
            status = self.library.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            capture = self.capture
        finally:
            self.capture = None
        if status != _EE_OK:
            raise TtsError(f"espeak-ng failed to synthesise the script (error {status})")
        return capture


def _prototypes_declare(library: ctypes.CDLL) -> None:
    library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    library.espeak_Initialize.restype = ctypes.c_int
    library.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    library.espeak_SetSynthCallback.restype = None
    library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    library.espeak_SetVoiceByName.restype = ctypes.c_int
    library.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    library.espeak_SetParameter.restype = ctypes.c_int
    library.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    library.espeak_Synth.restype = ctypes.c_int
    library.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    library.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))


def _voices_list(library: ctypes.CDLL) -> tuple[EspeakVoice, ...]:
    listed = library.espeak_ListVoices(None)
    voices = []
    index = 0
    while listed[index]:
        entry = listed[index].contents
        languages = []
        cursor = entry.languages
        while cursor and ctypes.string_at(cursor, 1) != b"\0":  # the priority byte; zero ends the list
            language = ctypes.string_at(cursor + 1)
            languages.append(language.decode("utf-8", "replace"))
            cursor += 2 + len(language)
        identifier = (entry.identifier or b"").decode("utf-8", "replace")
        name = identifier.rsplit("/", 1)[-1].lower()
        voices.append(
            EspeakVoice(name=name, title=(entry.name or b"").decode("utf-8", "replace"), languages=tuple(languages))
        )
        index += 1
    return tuple(voices)


def _voices_hint(voices: tuple[EspeakVoice, ...]) -> str:
    """A few well-known voice names that this espeak-ng has, for error messages."""
    known = {voice.name for voice in voices}
    common = [name for name in ("en-us", "en", "de", "fr", "es", "it", "pt", "nl", "pl", "ja", "cmn") if name in known]
    return ", ".join(common or [voice.name for voice in voices[:10]]) + ", ..."


def _voice_for_language(*, voices: tuple[EspeakVoice, ...], language: str) -> str | None:
    """The voice for a BCP 47 tag: an exact language match first, then the primary subtag ("de-AT" -> "de")."""
    wanted = language.strip().lower().replace("_", "-")
    if not wanted:
        return None
    for candidate in (wanted, wanted.split("-", 1)[0]):
        # The voice named after the language first: "fr" is French (France), though "fr-be" also lists "fr".
        for voice in voices:
            if voice.name == candidate:
                return voice.name
        for voice in voices:
            if candidate in voice.languages:
                return voice.name
    return None


def _library_open() -> tuple[ctypes.CDLL, str | None]:
    """libespeak-ng and its data directory: the espeakng-loader wheel's, else the system's."""
    try:
        import espeakng_loader
    except ImportError:
        espeakng_loader = None
    if espeakng_loader is not None:
        return ctypes.CDLL(str(espeakng_loader.get_library_path())), str(espeakng_loader.get_data_path())
    for candidate in ("libespeak-ng.so.1", ctypes.util.find_library("espeak-ng")):
        if candidate:
            try:
                return ctypes.CDLL(candidate), None
            except OSError:
                continue
    raise TtsError("libespeak-ng was not found: pip install espeakng-loader (or apt-get install libespeak-ng1)")


_lock = threading.Lock()
_espeak: _Espeak | None = None


def _lock_renew_in_child() -> None:
    # A fork taken while another thread held the lock would leave the child's copy locked forever.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_lock_renew_in_child)


def _espeak_for_this_process() -> _Espeak:
    """The initialised library; call with _lock held. A forked child initialises again on first use."""
    global _espeak
    if _espeak is None or _espeak.pid != os.getpid():
        library, data_path = _library_open() if _espeak is None else (_espeak.library, _espeak.data_path)
        _espeak = _Espeak(library=library, data_path=data_path)
    return _espeak


def phoneme_timings_from_starts(*, starts: list[tuple[str, float]], duration: float) -> tuple[PhonemeTiming, ...]:
    """Each phoneme lasts until the next one starts (the last until the audio ends); instants are dropped."""
    timings = []
    for index, (symbol, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else duration
        end = min(end, duration)
        if end > start:
            timings.append(PhonemeTiming(symbol=symbol, start=start, end=end))
    return tuple(timings)


# Inside a word these join letters ("it's", "U.S", "dix-huit"); at its edge they are punctuation.
_WORD_JOINERS = "'’.-"


def word_span(*, text: str, event: WordEvent, next_position: int | None) -> tuple[int, int]:
    """The [begin, stop) character span of the word an event points at. espeak-ng counts characters, not bytes,
    but its lengths run short: one character for a Mandarin dictionary word like 你好, "it" for "it's"; so the
    word runs on over letters (and joiners between letters) up to the next word's start."""
    begin = min(max(event.text_position - 1, 0), len(text))
    limit = len(text) if next_position is None else min(max(next_position - 1, begin), len(text))
    stop = min(begin + max(event.length, 1), len(text))
    while stop < limit and (
        text[stop].isalnum() or (text[stop] in _WORD_JOINERS and stop + 1 < limit and text[stop + 1].isalnum())
    ):
        stop += 1
    return begin, stop


def word_timings_from_events(
    *, text: str, words: list[WordEvent], phonemes: tuple[PhonemeTiming, ...], duration: float
) -> tuple[WordTiming, ...]:
    """Words with start and end times. A word ends where its trailing pause phonemes begin, so the silence of a
    comma or a full stop shows as a gap before the next word instead of being swallowed by this one. espeak-ng
    speaks "42" as two words from one written word: events inside an earlier word's span extend that word."""
    spans: list[list] = []  # [begin, stop, start, end] per written word
    for index, event in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else None
        next_start = following.start if following is not None else duration
        end = next_start
        inside = [p for p in phonemes if event.start <= p.start < next_start]
        while inside and inside[-1].symbol.startswith(_PAUSE_PREFIX):
            end = inside.pop().start
        end = max(end, event.start)
        begin, stop = word_span(
            text=text, event=event, next_position=following.text_position if following is not None else None
        )
        if spans and begin < spans[-1][1]:
            spans[-1][3] = end
        else:
            spans.append([begin, stop, event.start, end])
    timings = (WordTiming(text=text[begin:stop].strip(), start=start, end=end) for begin, stop, start, end in spans)
    return tuple(timing for timing in timings if timing.text)


class EspeakTextToSpeech:
    """espeak-ng: robotic but instant, offline, and 100+ languages; exact word and phoneme timings."""

    name = "espeak"

    def voices(self) -> list[str]:
        with _lock:
            return [voice.name for voice in _espeak_for_this_process().voices]

    def synthesize(self, text: str, *, voice: VoiceSpec) -> Speech:
        with _lock:
            espeak = _espeak_for_this_process()
            voice_name = espeak.voice_select(voice=voice)
            capture = espeak.speak(text=text, speed=voice.speed)
            sample_rate = espeak.sample_rate
        pcm = np.concatenate(capture.chunks) if capture.chunks else np.zeros(0, dtype=np.int16)
        samples = pcm.astype(np.float32) / 32768.0
        duration = len(samples) / sample_rate
        phonemes = phoneme_timings_from_starts(starts=capture.phoneme_starts, duration=duration)
        words = word_timings_from_events(text=text, words=capture.words, phonemes=phonemes, duration=duration)
        return Speech(
            samples=samples,
            sample_rate=sample_rate,
            words=words,
            phonemes=phonemes,
            metadata={"engine": self.name, "voice": voice_name, "speed": voice.speed, "phoneme_alphabet": "espeak"},
        )


def espeak_voices_described() -> list[EspeakVoice]:
    """Every espeak-ng voice with its description and languages, for a voice picker."""
    with _lock:
        return list(_espeak_for_this_process().voices)
