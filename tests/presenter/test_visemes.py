"""Phonemes and loudness to a per-frame mouth: shapes per phoneme class, rest in silence, loudness fallback."""

import numpy as np
import pytest

from generation.presenter.speech import PhonemeTiming
from generation.presenter.visemes import loudness_envelope, mouth_track, viseme_class

RATE = 16000
FPS = 25


def _speech(*, loud: list[tuple[float, float, float]], duration: float) -> np.ndarray:
    """Noise bursts (start, end, amplitude) in silence: a stand-in for a voice."""
    rng = np.random.default_rng(0)
    samples = np.zeros(int(duration * RATE), np.float32)
    for start, end, amplitude in loud:
        a, b = int(start * RATE), int(end * RATE)
        samples[a:b] = amplitude * rng.uniform(-1, 1, b - a)
    return samples


def _phonemes(*rows) -> tuple[PhonemeTiming, ...]:
    return tuple(PhonemeTiming(symbol, start, end) for symbol, start, end in rows)


def _frames(start: float, end: float, offset: float = 0.0) -> slice:
    """Frames well inside [start, end) of the speech, after the lips had time to get there."""
    return slice(int(np.ceil((start + offset + 0.08) * FPS)), int((end + offset - 0.02) * FPS))


@pytest.mark.parametrize(
    ("symbol", "kind"),
    [
        ("p", "closed"),
        ("b", "closed"),
        ("m", "closed"),
        ("f", "labiodental"),
        ("v", "labiodental"),
        ("a", "open"),
        ("a:", "open"),
        ("aI", "open"),
        ("E", "mid"),
        ("@", "mid"),
        ("i:", "spread"),
        ("I", "spread"),
        ("O", "round"),
        ("u:", "round"),
        ("w", "round_closed"),
        ("s", "dental"),
        ("t", "dental"),
        ("k", "back"),
        ("_", "rest"),
        ("_:", "rest"),
        ("'a", "open"),
        ("ə", "mid"),
        ("Q#", "dental"),
        ("%%", "rest"),
    ],
)
def test_each_phoneme_gets_a_viseme_and_unknown_ones_a_neutral_shape(symbol, kind):
    assert viseme_class(symbol) == kind


def test_lips_close_for_m_b_p_open_for_a_and_rest_in_silence():
    samples = _speech(loud=[(0.0, 1.2, 0.5)], duration=2.0)
    phonemes = _phonemes(("a", 0.0, 0.3), ("m", 0.3, 0.6), ("a:", 0.6, 0.9), ("b", 0.9, 1.2), ("_:", 1.2, 2.0))
    track = mouth_track(samples=samples, sample_rate=RATE, phonemes=phonemes, fps=FPS, num_frames=60, offset=0.0)
    assert track.shape == (60, 2) and track.dtype == np.float32
    assert track[_frames(0.0, 0.3), 0].min() > 0.4
    assert track[_frames(0.3, 0.6), 0].max() < 0.05
    assert track[_frames(0.6, 0.9), 0].min() > 0.4
    assert track[_frames(0.9, 1.2), 0].max() < 0.05
    assert np.all(track[_frames(1.3, 2.0)] == 0.0)
    assert track[:, 0].min() >= 0.0 and track[:, 0].max() <= 1.0


def test_spread_and_round_vowels_set_the_width():
    samples = _speech(loud=[(0.0, 1.0, 0.5)], duration=1.0)
    phonemes = _phonemes(("i:", 0.0, 0.5), ("u:", 0.5, 1.0))
    track = mouth_track(samples=samples, sample_rate=RATE, phonemes=phonemes, fps=FPS, num_frames=25)
    assert track[_frames(0.0, 0.5), 1].min() > 0.5
    assert track[_frames(0.5, 1.0), 1].max() < -0.5


def test_the_mouth_rests_before_the_offset_and_after_the_speech():
    samples = _speech(loud=[(0.0, 0.6, 0.5)], duration=0.6)
    phonemes = _phonemes(("a", 0.0, 0.6))
    track = mouth_track(samples=samples, sample_rate=RATE, phonemes=phonemes, fps=FPS, num_frames=75, offset=1.0)
    assert np.all(track[:25] == 0.0)  # 0-1 s: before the speech
    assert track[_frames(0.0, 0.6, offset=1.0), 0].min() > 0.4
    assert np.all(track[int(1.9 * FPS) :] == 0.0)  # a little release after 1.6 s, then rest


def test_loud_syllables_open_wider_than_quiet_ones():
    samples = _speech(loud=[(0.0, 0.5, 0.6), (0.5, 1.0, 0.15)], duration=1.0)
    phonemes = _phonemes(("a", 0.0, 0.5), ("a", 0.5, 1.0))
    track = mouth_track(samples=samples, sample_rate=RATE, phonemes=phonemes, fps=FPS, num_frames=25)
    assert track[_frames(0.0, 0.5), 0].mean() > track[_frames(0.5, 1.0), 0].mean() + 0.15


def test_quiet_stretches_close_the_mouth_even_inside_a_vowel():
    samples = _speech(loud=[(0.0, 0.4, 0.5)], duration=1.0)
    phonemes = _phonemes(("a", 0.0, 1.0))  # the timing says "a", the audio says silence after 0.4 s
    track = mouth_track(samples=samples, sample_rate=RATE, phonemes=phonemes, fps=FPS, num_frames=25)
    assert track[_frames(0.6, 1.0), 0].max() == 0.0


def test_without_phonemes_the_loudness_alone_moves_the_mouth():
    samples = _speech(loud=[(0.2, 0.6, 0.5), (1.0, 1.4, 0.5)], duration=1.6)
    track = mouth_track(samples=samples, sample_rate=RATE, phonemes=(), fps=FPS, num_frames=50, offset=0.0)
    assert track[_frames(0.2, 0.6), 0].min() > 0.3
    assert track[_frames(1.0, 1.4), 0].min() > 0.3
    assert track[_frames(0.75, 0.95), 0].max() < 0.05
    assert np.all(track[_frames(1.6, 2.0)] == 0.0)
    assert np.all(track[:, 1] == 0.0)


def test_loudness_is_relative_and_silence_is_zero():
    assert not loudness_envelope(samples=np.zeros(RATE, np.float32), sample_rate=RATE).any()
    envelope = loudness_envelope(samples=_speech(loud=[(0.5, 1.0, 0.05)], duration=1.0), sample_rate=RATE)
    assert envelope.max() == pytest.approx(1.0) and envelope[:80].max() == 0.0
