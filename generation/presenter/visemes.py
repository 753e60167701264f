"""From speech to a mouth: per-frame lip openness and width for the talking-head animation.

Each phoneme has a mouth shape it aims for (a viseme): closed lips for p/b/m, teeth on the lip for f/v, open for
"a", spread for "i"/"e", round for "o"/"u"/"w". The aims form a step signal that is smoothed with a fast attack
and a slower release (lips start moving before the next sound is loud and relax after it: coarticulation), then
scaled by the loudness so stressed syllables open wider and quiet stretches close. With no phonemes at all (a
neural voice that gives none), the loudness alone drives the opening.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .speech import PhonemeTiming

# (openness 0..1, width -1 round .. 1 spread) per viseme class.
VISEMES: dict[str, tuple[float, float]] = {
    "rest": (0.0, 0.0),
    "closed": (0.0, 0.0),  # p b m: lips pressed, whatever the loudness
    "labiodental": (0.12, 0.15),  # f v: lower lip under the teeth
    "open": (0.95, 0.1),  # a
    "mid": (0.6, 0.25),  # e E @ 3 V
    "spread": (0.35, 0.85),  # i I
    "round": (0.5, -0.75),  # o O u U
    "round_closed": (0.22, -0.9),  # w, and the rounding of "r"/sh
    "dental": (0.22, 0.35),  # s z t d n l th
    "back": (0.35, 0.05),  # k g ng h
}

_CONSONANTS = {
    **dict.fromkeys(("p", "b", "m", "m-", "p-", "b-"), "closed"),
    **dict.fromkeys(("f", "v"), "labiodental"),
    **dict.fromkeys(("w", "W", "r", "r-", "S", "Z", "tS", "dZ", "ʃ", "ʒ", "ɹ", "tʃ", "dʒ", "ʍ"), "round_closed"),
    **dict.fromkeys(
        ("s", "z", "t", "d", "n", "l", "T", "D", "j", "t#", "d#", "n-", "l-", "θ", "ð", "ɾ", "ʔ"), "dental"
    ),
    **dict.fromkeys(("k", "g", "N", "h", "x", "ŋ", "ɡ", "ç", "C"), "back"),
}
# Vowels by their first character: espeak-ng mnemonics (a, A, 0, V, E, e, @, 3, i, I, O, o, u, U, aI, aU, OI...)
# and the IPA letters Piper uses.
_VOWEL_STARTS = {
    **dict.fromkeys("aA0Væɑɐɒʌa", "open"),
    **dict.fromkeys("eE@3ɛəɜɚœø", "mid"),
    **dict.fromkeys("iIyɪj", "spread"),
    **dict.fromkeys("oOuUɔʊʉɵ", "round"),
}
_PAUSES = {"_", "_:", "_!", "_|", "||", "|", "", " "}
_STRESS = "'\",%=ˈˌ"

# Smoothing (seconds): how fast the lips move towards a new shape, and how fast they relax back.
ATTACK_S = 0.035
RELEASE_S = 0.07
CLOSE_S = 0.02
MIN_SPEED = 2.0  # openness units per second
TRACK_RATE = 200  # Hz: the track is built finer than any frame rate, then sampled per frame
LOUDNESS_WINDOW_S = 0.03
# Loudness (relative to the speech's loud parts) below which the mouth closes: breaths, room noise.
SILENCE_LEVEL = 0.08
SNAP = 0.01  # values this close to rest are rest, so silences match the photo exactly


def viseme_class(symbol: str) -> str:
    """The viseme class of one phoneme symbol; unknown symbols get a neutral consonant shape, never an error."""
    bare = symbol.strip().strip(_STRESS)
    if bare in _PAUSES or bare.startswith("_"):
        return "rest"
    if bare in _CONSONANTS:
        return _CONSONANTS[bare]
    if bare.rstrip(":ː") in _CONSONANTS:
        return _CONSONANTS[bare.rstrip(":ː")]
    if bare[0] in _VOWEL_STARTS:
        return _VOWEL_STARTS[bare[0]]
    if bare[0] in _CONSONANTS:
        return _CONSONANTS[bare[0]]
    return "dental"


def loudness_envelope(*, samples: np.ndarray, sample_rate: int, rate: int = TRACK_RATE) -> np.ndarray:
    """RMS loudness at `rate` Hz, 0..1 relative to the loud parts of the speech (its 95th percentile)."""
    if len(samples) == 0:
        return np.zeros(0, dtype=np.float32)
    hop = sample_rate / rate
    count = int(math.ceil(len(samples) / hop))
    window = max(1, int(LOUDNESS_WINDOW_S * sample_rate))
    power = np.convolve(np.asarray(samples, dtype=np.float64) ** 2, np.ones(window) / window, mode="same")
    centres = np.minimum((np.arange(count) * hop + hop / 2).astype(np.int64), len(samples) - 1)
    rms = np.sqrt(power[centres])
    loud = np.percentile(rms, 95)
    if loud < 1e-4:  # digital silence
        return np.zeros(count, dtype=np.float32)
    return np.clip(rms / loud, 0.0, 1.0).astype(np.float32)


def _smooth(targets: np.ndarray, *, closed: np.ndarray, rate: int) -> np.ndarray:
    """A one-pole follower, fast while the shape grows (attack), slower while it shrinks (release), fastest when
    the lips press shut for p/b/m (a bilabial closure is a quick, complete movement)."""
    attack = 1.0 - math.exp(-1.0 / (ATTACK_S * rate))
    release = 1.0 - math.exp(-1.0 / (RELEASE_S * rate))
    shut = 1.0 - math.exp(-1.0 / (CLOSE_S * rate))
    out = np.empty_like(targets)
    state = np.zeros(targets.shape[1], dtype=targets.dtype)
    floor = MIN_SPEED / rate  # the exponential tail never ends; a slow constant speed finishes it
    for index, target in enumerate(targets):
        growing = np.abs(target) > np.abs(state)
        gap = target - state
        step = np.where(growing, attack, shut if closed[index] else release) * gap
        state = state + np.sign(gap) * np.minimum(np.maximum(np.abs(step), floor), np.abs(gap))
        out[index] = state
    return out


def _targets(*, phonemes: Sequence[PhonemeTiming], count: int, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Step signals of the visemes' aims at `rate` Hz, and a mask of where the lips must be closed."""
    aims = np.zeros((count, 2), dtype=np.float32)
    closed = np.zeros(count, dtype=bool)
    for phoneme in phonemes:
        start, end = int(round(phoneme.start * rate)), int(round(phoneme.end * rate))
        start, end = max(start, 0), min(max(end, start + 1), count)
        if start >= count:
            continue
        kind = viseme_class(phoneme.symbol)
        aims[start:end] = VISEMES[kind]
        closed[start:end] = kind == "closed"
    return aims, closed


def mouth_track(
    *,
    samples: np.ndarray,
    sample_rate: int,
    phonemes: Sequence[PhonemeTiming],
    fps: float,
    num_frames: int,
    offset: float = 0.0,
) -> np.ndarray:
    """(num_frames, 2) float32: openness 0..1 and width -1..1 per frame of a shot whose speech starts at `offset`
    seconds. Before the speech and after it the mouth rests at (0, 0)."""
    track = np.zeros((num_frames, 2), dtype=np.float32)
    loudness = loudness_envelope(samples=samples, sample_rate=sample_rate)
    speech_end = max(len(samples) / sample_rate if sample_rate else 0.0, max((p.end for p in phonemes), default=0.0))
    # Room for the release after the last sound, so the mouth closes smoothly rather than snapping shut.
    count = int(math.ceil((speech_end + 4 * RELEASE_S) * TRACK_RATE)) + 1
    level = np.zeros(count, dtype=np.float32)
    level[: len(loudness)] = loudness[:count]
    voiced = np.clip((level - SILENCE_LEVEL) / SILENCE_LEVEL, 0.0, 1.0)  # 0 in silence, 1 once clearly audible
    voiced = voiced * voiced * (3.0 - 2.0 * voiced)
    if phonemes:
        aims, closed = _targets(phonemes=phonemes, count=count, rate=TRACK_RATE)
        aims[:, 0] *= voiced * (0.45 + 0.55 * level)  # louder syllables open wider; quiet ones barely
        aims[:, 1] *= voiced
        aims[closed, 0] = 0.0
    else:
        aims, closed = np.zeros((count, 2), dtype=np.float32), np.zeros(count, dtype=bool)
        aims[:, 0] = voiced * (0.15 + 0.7 * level)
    smooth = _smooth(aims, closed=closed, rate=TRACK_RATE)
    smooth[np.abs(smooth) < SNAP] = 0.0

    times = np.arange(num_frames) / float(fps) - offset  # each frame shows the mouth at its start time
    inside = (times >= 0.0) & (times < (count - 1) / TRACK_RATE)
    positions = times[inside] * TRACK_RATE
    low = np.floor(positions).astype(np.int64)
    fraction = (positions - low)[:, None].astype(np.float32)
    track[inside] = smooth[low] * (1.0 - fraction) + smooth[np.minimum(low + 1, count - 1)] * fraction
    track[:, 0] = np.clip(track[:, 0], 0.0, 1.0)
    track[:, 1] = np.clip(track[:, 1], -1.0, 1.0)
    return track
