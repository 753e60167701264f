"""The presenter's text to speech: espeak-ng for real, Piper's glue with a stand-in for the piper package."""

from __future__ import annotations

import json
import math
import multiprocessing
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from generation.presenter.speech import PhonemeTiming, Speech, VoiceSpec, WordTiming, timings_from_json, wav_read
from generation.presenter.tts import TextToSpeech, TtsError, speech_duration, speech_synthesize, tts_get
from generation.presenter.tts_espeak import EspeakTextToSpeech, WordEvent, word_span
from generation.presenter.tts_piper import PiperTextToSpeech, timings_rescaled

TWO_SENTENCES = "Hello world, this is fine. Next sentence here."
ENGLISH = VoiceSpec(engine="espeak", voice="en-us")
FRAME_SECONDS = 0.01
SILENCE_RMS = 0.003


def _frame_rms(speech: Speech) -> np.ndarray:
    """Loudness of each 10 ms frame."""
    frame = int(speech.sample_rate * FRAME_SECONDS)
    count = len(speech.samples) // frame
    frames = speech.samples[: count * frame].reshape(count, frame)
    return np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))


def _rms_between(speech: Speech, start: float, end: float) -> float:
    part = speech.samples[int(start * speech.sample_rate) : int(end * speech.sample_rate)]
    return float(np.sqrt(np.mean(part.astype(np.float64) ** 2))) if len(part) else 0.0


@pytest.fixture(scope="module")
def two_sentences() -> Speech:
    return speech_synthesize(text=TWO_SENTENCES, voice=ENGLISH)


# --- espeak-ng: audio --------------------------------------------------------------------------------------------


def test_espeak_speaks_audible_speech_of_plausible_length(two_sentences):
    assert two_sentences.sample_rate == 22050
    assert two_sentences.samples.dtype == np.float32
    assert np.abs(two_sentences.samples).max() <= 1.0
    # Eight words at about 175 words a minute plus two pauses: about three seconds.
    assert 2.0 < two_sentences.duration < 5.0
    assert _rms_between(two_sentences, 0, two_sentences.duration) > 0.03
    assert two_sentences.metadata == {"engine": "espeak", "voice": "en-us", "speed": 1.0, "phoneme_alphabet": "espeak"}


def test_faster_speed_gives_shorter_audio():
    normal = speech_synthesize(text=TWO_SENTENCES, voice=ENGLISH).duration
    fast = speech_synthesize(text=TWO_SENTENCES, voice=VoiceSpec(voice="en-us", speed=1.6)).duration
    slow = speech_synthesize(text=TWO_SENTENCES, voice=VoiceSpec(voice="en-us", speed=0.6)).duration
    assert fast < 0.8 * normal
    assert slow > 1.3 * normal


# --- espeak-ng: words and phonemes -------------------------------------------------------------------------------


def test_words_come_back_in_order_with_their_text(two_sentences):
    assert [w.text for w in two_sentences.words] == ["Hello", "world", "this", "is", "fine", "Next", "sentence", "here"]
    starts = [w.start for w in two_sentences.words]
    assert starts == sorted(starts)
    assert all(w.start < w.end <= two_sentences.duration for w in two_sentences.words)


@pytest.mark.parametrize(
    ("voice", "text", "expected"),
    [
        (
            "de",
            "Schöne Grüße aus München. Übermorgen kommt die Lieferung.",
            ["Schöne", "Grüße", "aus", "München", "Übermorgen", "kommt", "die", "Lieferung"],
        ),
        ("fr", "Très élégant, ça coûte dix-huit euros.", None),
    ],
)
def test_non_ascii_words_keep_their_letters(voice, text, expected):
    speech = speech_synthesize(text=text, voice=VoiceSpec(voice=voice))
    words = [w.text for w in speech.words]
    if expected is not None:
        assert words == expected
    else:
        assert words[:3] == ["Très", "élégant", "ça"]
        assert "coûte" in words


def test_chinese_words_are_whole_characters_of_the_text():
    if "cmn" not in EspeakTextToSpeech().voices():
        pytest.skip("this espeak-ng has no Mandarin voice")
    text = "你好世界。今天很好。"
    speech = speech_synthesize(text=text, voice=VoiceSpec(voice="cmn"))
    assert "".join(w.text for w in speech.words) == "你好世界今天很好"
    assert speech.duration > 1.0


def test_word_span_runs_on_over_letters_espeak_counted_short():
    # espeak-ng reports Mandarin dictionary words like 你好 with a length of one character, "it's" as "it".
    assert word_span(text="你好世界", event=WordEvent(text_position=1, length=1, start=0.0), next_position=3) == (0, 2)
    assert word_span(text="Hi, you", event=WordEvent(text_position=1, length=2, start=0.0), next_position=5) == (0, 2)
    assert word_span(text="it's great", event=WordEvent(text_position=1, length=2, start=0.0), next_position=6) == (
        0,
        4,
    )


def test_numbers_spoken_as_several_words_stay_one_written_word():
    speech = speech_synthesize(text="Only 42 dollars, it's a U.S. classic.", voice=ENGLISH)
    assert [w.text for w in speech.words] == ["Only", "42", "dollars", "it's", "a", "U.S", "classic"]
    forty_two = speech.words[1]
    assert forty_two.end - forty_two.start > 0.4  # "forty-two" takes longer than one syllable


def test_word_timings_match_the_audio(two_sentences):
    for word in two_sentences.words:
        assert _rms_between(two_sentences, word.start, word.end) > 0.03, word
    # The full stop after "fine" is a real silence, and it lies between "fine" ending and "Next" starting.
    texts = [w.text for w in two_sentences.words]
    fine, following = two_sentences.words[texts.index("fine")], two_sentences.words[texts.index("Next")]
    assert following.start - fine.end > 0.15
    silent = _frame_rms(two_sentences) < SILENCE_RMS
    first = int(math.ceil(fine.end / FRAME_SECONDS))
    while not silent[first]:
        first += 1
    last = first
    while silent[last + 1]:
        last += 1
    silence_start, silence_end = first * FRAME_SECONDS, (last + 1) * FRAME_SECONDS
    assert silence_end - silence_start > 0.15
    assert abs(silence_start - fine.end) < 0.1
    assert abs(silence_end - following.start) < 0.1


def test_phonemes_cover_the_speech_in_order(two_sentences):
    phonemes = two_sentences.phonemes
    assert len(phonemes) > 20
    assert all(a.end <= b.start + 1e-9 for a, b in zip(phonemes, phonemes[1:]))
    assert any(p.symbol.startswith("_") for p in phonemes)  # the pauses are phonemes too
    assert {"h", "w", "D"} <= {p.symbol for p in phonemes}  # espeak-ng mnemonics: Hello, world, this


def test_empty_voice_is_picked_by_language():
    german = speech_synthesize(text="Guten Tag", voice=VoiceSpec(voice="", language="de-AT"))
    french = speech_synthesize(text="Bonjour", voice=VoiceSpec(voice="", language="fr"))
    assert german.metadata["voice"] == "de"
    assert french.metadata["voice"] == "fr"


def test_voices_lists_names_synthesize_accepts():
    voices = EspeakTextToSpeech().voices()
    assert {"en-us", "de", "fr"} <= set(voices)
    assert len(voices) > 50


# --- errors say what to change -----------------------------------------------------------------------------------


def test_unknown_voice_lists_valid_ones():
    with pytest.raises(TtsError, match=r"no voice 'martian'.*en-us"):
        speech_synthesize(text="Hello", voice=VoiceSpec(voice="martian"))


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text_is_refused(text):
    with pytest.raises(TtsError, match="script is empty"):
        speech_synthesize(text=text, voice=ENGLISH)


@pytest.mark.parametrize("speed", [0.2, 2.5, float("nan")])
def test_speed_out_of_range_is_refused(speed):
    with pytest.raises(TtsError, match=r"between 0.5 and 2.0"):
        speech_synthesize(text="Hello", voice=VoiceSpec(voice="en-us", speed=speed))


def test_unknown_engine_lists_the_known_ones():
    with pytest.raises(TtsError, match=r"'festival'.*espeak, piper"):
        speech_synthesize(text="Hello", voice=VoiceSpec(engine="festival"))
    with pytest.raises(TtsError, match=r"'festival'.*espeak, piper"):
        tts_get("festival")


def test_engines_are_loaded_once_per_process():
    engine = tts_get("espeak")
    assert engine is tts_get("espeak")
    assert isinstance(engine, TextToSpeech)
    assert engine.name == "espeak"


def test_importing_tts_does_not_load_espeak():
    # The web process imports tts.py for validation; libespeak-ng must stay out of it until someone speaks.
    code = (
        "import sys, generation.presenter.tts as tts; "
        "maps = open('/proc/self/maps').read(); "
        "assert 'libespeak' not in maps, 'libespeak-ng loaded'; "
        "assert 'generation.presenter.tts_espeak' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_speech_duration_is_cached_and_matches_synthesis(two_sentences):
    speech_duration.cache_clear()
    first = speech_duration(text=TWO_SENTENCES, voice=ENGLISH)
    again = speech_duration(text=TWO_SENTENCES, voice=ENGLISH)
    assert first == again == pytest.approx(two_sentences.duration, abs=0.01)
    assert speech_duration.cache_info().hits == 1


# --- storage round trips -----------------------------------------------------------------------------------------


def test_wav_round_trip(two_sentences, tmp_path):
    path = tmp_path / "speech.wav"
    two_sentences.wav_write(path)
    samples, rate = wav_read(path)
    assert rate == two_sentences.sample_rate
    assert len(samples) == len(two_sentences.samples)
    assert np.allclose(samples, two_sentences.samples, atol=2 / 32768)


def test_timings_json_round_trip(two_sentences):
    stored = json.loads(json.dumps(two_sentences.timings_json()))
    words, phonemes = timings_from_json(stored)
    assert [w.text for w in words] == [w.text for w in two_sentences.words]
    assert all(
        abs(a.start - b.start) < 0.001 and abs(a.end - b.end) < 0.001 for a, b in zip(words, two_sentences.words)
    )
    assert [p.symbol for p in phonemes] == [p.symbol for p in two_sentences.phonemes]


# --- Celery prefork: a forked child after the parent already spoke -----------------------------------------------


def _speak_in_child(text: str) -> tuple[float, list[str]]:
    speech = speech_synthesize(text=text, voice=ENGLISH)
    return speech.duration, [w.text for w in speech.words]


def test_espeak_works_in_a_forked_child_after_the_parent_used_it(two_sentences):
    with multiprocessing.get_context("fork").Pool(1) as pool:
        duration, words = pool.apply_async(_speak_in_child, (TWO_SENTENCES,)).get(timeout=60)
    assert words == [w.text for w in two_sentences.words]
    assert duration == pytest.approx(two_sentences.duration, abs=0.05)
    # And the parent still speaks afterwards.
    assert speech_synthesize(text="Still here.", voice=ENGLISH).duration > 0.3


# --- Piper ---------------------------------------------------------------------------------------------------------


def test_piper_missing_voice_names_directory_and_files(settings, tmp_path):
    settings.PIPER_VOICES_DIR = tmp_path
    with pytest.raises(TtsError) as error:
        PiperTextToSpeech().synthesize("Hello", voice=VoiceSpec(engine="piper", voice="en_US-amy-medium.onnx"))
    message = str(error.value)
    assert str(tmp_path) in message
    assert "en_US-amy-medium.onnx" in message and "en_US-amy-medium.onnx.json" in message


def test_piper_voice_must_be_a_file_name(settings, tmp_path):
    settings.PIPER_VOICES_DIR = tmp_path
    with pytest.raises(TtsError, match="plain file name"):
        PiperTextToSpeech().synthesize("Hello", voice=VoiceSpec(engine="piper", voice="../etc/voice"))


def _voice_files_make(directory: Path, stem: str) -> None:
    (directory / f"{stem}.onnx").write_bytes(b"not really onnx")
    (directory / f"{stem}.onnx.json").write_text(json.dumps({"espeak": {"voice": "en-us"}}))


def test_piper_missing_package_says_which_extra(settings, tmp_path, monkeypatch):
    settings.PIPER_VOICES_DIR = tmp_path
    _voice_files_make(tmp_path, "amy")
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper now raises ImportError
    with pytest.raises(TtsError, match=r"pip install '\.\[piper\]'"):
        PiperTextToSpeech().synthesize("Hello", voice=VoiceSpec(engine="piper", voice="amy"))
    assert PiperTextToSpeech().voices() == ["amy"]


def test_timings_rescaled_stretches_in_proportion():
    words = (WordTiming("Hello", 0.0, 0.5), WordTiming("there", 0.6, 1.0))
    stretched = timings_rescaled(words, source_duration=1.0, target_duration=2.0)
    assert stretched == (WordTiming("Hello", 0.0, 1.0), WordTiming("there", 1.2, 2.0))
    phonemes = timings_rescaled((PhonemeTiming("h", 0.5, 1.0),), source_duration=2.0, target_duration=1.0)
    assert phonemes == (PhonemeTiming("h", 0.25, 0.5),)
    with pytest.raises(ValueError):
        timings_rescaled(words, source_duration=0.0, target_duration=1.0)


def _fake_piper(*, chunks: list) -> types.ModuleType:
    """A stand-in for the piper package: what PiperVoice.load and synthesize return, without onnxruntime."""
    module = types.ModuleType("piper")

    class SynthesisConfig:
        def __init__(self, length_scale=None):
            self.length_scale = length_scale

    class PiperVoice:
        config = types.SimpleNamespace(espeak_voice="en-us")
        seen: list = []

        @staticmethod
        def load(model_path, config_path=None):
            return PiperVoice()

        def synthesize(self, text, syn_config=None, include_alignments=False):
            PiperVoice.seen.append(syn_config.length_scale)
            yield from chunks

    module.SynthesisConfig = SynthesisConfig
    module.PiperVoice = PiperVoice
    return module


def test_piper_without_alignments_stretches_espeak_timings(settings, tmp_path, monkeypatch):
    settings.PIPER_VOICES_DIR = tmp_path
    _voice_files_make(tmp_path, "amy")
    rate = 16000
    chunk = types.SimpleNamespace(
        sample_rate=rate, audio_float_array=np.full(rate * 5, 0.1, dtype=np.float32), phoneme_alignments=None
    )
    fake = _fake_piper(chunks=[chunk])
    monkeypatch.setitem(sys.modules, "piper", fake)
    speech = PiperTextToSpeech().synthesize(TWO_SENTENCES, voice=VoiceSpec(engine="piper", voice="amy", speed=2.0))
    assert fake.PiperVoice.seen == [0.5]  # speed 2 -> length_scale 1/2
    assert speech.sample_rate == rate and speech.duration == pytest.approx(5.0)
    assert [w.text for w in speech.words][:2] == ["Hello", "world"] and len(speech.words) == 8
    assert speech.words[-1].end <= 5.0 and speech.words[-1].end > 4.0
    assert speech.metadata["timings"] == "espeak-rescaled"


def test_piper_alignments_give_word_timings(settings, tmp_path, monkeypatch):
    settings.PIPER_VOICES_DIR = tmp_path
    _voice_files_make(tmp_path, "amy")
    rate = 1000

    def aligned(phoneme, samples):
        return types.SimpleNamespace(phoneme=phoneme, num_samples=samples)

    alignments = [
        aligned("^", 100),
        aligned("h", 100),
        aligned("aɪ", 200),
        aligned(",", 300),
        aligned(" ", 0),
        aligned("j", 100),
        aligned("uː", 150),
        aligned(".", 50),
        aligned("$", 0),
    ]
    chunk = types.SimpleNamespace(
        sample_rate=rate, audio_float_array=np.zeros(1000, dtype=np.float32), phoneme_alignments=alignments
    )
    monkeypatch.setitem(sys.modules, "piper", _fake_piper(chunks=[chunk]))
    speech = PiperTextToSpeech().synthesize("Hi, you.", voice=VoiceSpec(engine="piper", voice="amy.onnx"))
    assert speech.words == (WordTiming("Hi", 0.1, 0.4), WordTiming("you", 0.7, 0.95))
    assert [p.symbol for p in speech.phonemes] == ["h", "aɪ", "j", "uː"]
    assert speech.metadata["timings"] == "piper-alignments"
