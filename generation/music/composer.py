"""A small composer for the built-in music library: per mood a key, a chord progression, a groove and a set of
instruments; arranged to the exact length asked for and ending on a tonic hit that decays into the video's last
frame (a real ending, not a fade in the middle of a bar).

Form: an intro bar (pad and arpeggio), then the groove with bass and drums, the melody from the third bar, a drum
fill into the last beat, and the final hit (tonic chord, low tonic, kick and cymbal) on a beat, ringing out. The
body is a whole number of half bars, so the hit lands on beat 1 or 3 at the tempo asked for; what is left after it
(at least MIN_TAIL_SECONDS) is the ring-out. Beat times are exact multiples of 60/tempo from 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from generation.assembly.loudness import SILENCE_LUFS, integrated_loudness
from generation.music import synth
from generation.music.synth import RATE

BAR_BEATS = 4
MIN_TAIL_SECONDS = 1.2  # the shortest ring-out after the final hit
QUIET_END_SECONDS = 0.05  # the very end is silent: no click when the video stops
PIECE_LUFS = -16.0  # a piece's own level, before the soundtrack normalises the mix
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class Mood:
    tempo: float  # beats per minute when the template names none
    tonic: int  # MIDI pitch of the key's tonic (around middle C)
    scale: tuple[int, ...]
    progression: tuple[int, ...]  # scale degrees (1-7), one chord per bar, repeated
    cadence: int  # the degree of the last bar before the final tonic hit
    groove: str  # one of GROOVES
    melody: str  # an instrument in synth.INSTRUMENTS
    arp: str
    arp_step: float  # beats between arpeggio notes; 0: no arpeggio
    sevenths: bool = False
    brightness: float = 4.0  # the pad's: higher is brighter
    reverb: float = 0.22  # wet level
    pump: float = 0.0  # how far the pad and bass dip after each kick (side-chain feel), 0..1


MOODS = {
    "upbeat": Mood(
        tempo=112,
        tonic=62,
        scale=MAJOR,
        progression=(1, 5, 6, 4),
        cadence=5,
        groove="pop",
        melody="pluck",
        arp="pluck",
        arp_step=0.5,
        brightness=5.0,
        pump=0.3,
    ),
    "calm": Mood(
        tempo=76,
        tonic=65,
        scale=MAJOR,
        progression=(1, 3, 4, 4),
        cadence=5,
        groove="soft",
        melody="bell",
        arp="keys",
        arp_step=1.0,
        sevenths=True,
        brightness=2.5,
        reverb=0.32,
    ),
    "elegant": Mood(
        tempo=88,
        tonic=60,
        scale=MAJOR,
        progression=(1, 6, 2, 5),
        cadence=5,
        groove="brush",
        melody="keys",
        arp="bell",
        arp_step=1.0,
        sevenths=True,
        brightness=3.0,
        reverb=0.3,
    ),
    "energetic": Mood(
        tempo=126,
        tonic=64,
        scale=MINOR,
        progression=(1, 6, 3, 7),
        cadence=7,
        groove="four",
        melody="lead",
        arp="pluck",
        arp_step=0.25,
        brightness=6.0,
        reverb=0.18,
        pump=0.45,
    ),
    "warm": Mood(
        tempo=96,
        tonic=67,
        scale=MAJOR,
        progression=(1, 6, 4, 5),
        cadence=5,
        groove="pop",
        melody="keys",
        arp="pluck",
        arp_step=0.5,
        sevenths=True,
        brightness=3.5,
        reverb=0.26,
        pump=0.15,
    ),
}
DEFAULT_MOOD = "upbeat"

# Per groove, the hits of one bar: drum -> [(beat, velocity)].
GROOVES = {
    "pop": {
        "kick": [(0, 1.0), (1.5, 0.7), (2, 0.9)],
        "snare": [(1, 0.8), (3, 0.8)],
        "hat": [(b / 2, 0.5 if b % 2 else 0.8) for b in range(8)],
    },
    "four": {
        "kick": [(b, 1.0) for b in range(4)],
        "clap": [(1, 0.8), (3, 0.8)],
        "hat": [(b / 4, 0.3 + 0.3 * (b % 2 == 0)) for b in range(16)],
        "open_hat": [(b + 0.5, 0.3) for b in range(4)],
    },
    "soft": {"kick": [(0, 0.6), (2.5, 0.4)], "shaker": [(b / 2, 0.35 + 0.2 * (b % 2)) for b in range(8)]},
    "brush": {
        "kick": [(0, 0.6), (2, 0.5)],
        "snare": [(3, 0.25)],
        "shaker": [(b / 2, 0.3 + 0.15 * (b % 2)) for b in range(8)],
    },
}
_BASS_RHYTHM = {
    "pop": [(0, 1.4), (1.5, 0.4), (2, 1.4), (3.5, 0.4)],
    "four": [(b + 0.5, 0.4) for b in range(4)],
    "soft": [(0, 3.8)],
    "brush": [(0, 1.8), (2, 1.8)],
}
# The melody's rhythm over two bars: (beat, length in beats).
_MELODY_RHYTHM = {
    "pop": [(0, 1.5), (1.5, 0.5), (2, 1), (3, 1), (4, 1.5), (5.5, 0.5), (6, 2)],
    "four": [(0, 0.75), (0.75, 0.75), (1.5, 0.5), (2, 1), (3, 1), (4, 0.75), (4.75, 0.75), (5.5, 2.5)],
    "soft": [(0, 2), (2, 2), (4, 3), (7, 1)],
    "brush": [(0, 1), (1, 1), (2, 2), (4, 1.5), (5.5, 0.5), (6, 2)],
}


@dataclass(frozen=True)
class Piece:
    samples: np.ndarray  # (2, n) float32 stereo at RATE
    beats: tuple[float, ...]  # seconds of every beat, from 0 up to and including the final hit
    bar_beats: int
    tempo: float
    end_hit: float  # seconds: where the final tonic hit lands


def piece_plan(*, tempo: float, duration: float) -> tuple[int, float]:
    """(beats before the final hit, seconds per beat): the longest body of whole half bars that leaves at least
    MIN_TAIL_SECONDS of ring-out."""
    beat = 60.0 / tempo
    body = max(0, math.floor((duration - MIN_TAIL_SECONDS) / beat / 2) * 2)
    return body, beat


def piece_beats(*, tempo: float, duration: float) -> tuple[float, ...]:
    """Every beat of a piece of this tempo and length, the final hit included (pure: P2 snaps cuts to these)."""
    body, beat = piece_plan(tempo=tempo, duration=duration)
    return tuple(round(k * beat, 6) for k in range(body + 1) if k * beat < duration)


def piece_compose(*, mood: str, tempo: float, duration: float) -> Piece:
    """The mood's piece at `tempo`, exactly round(duration * RATE) samples long, ending on a decaying tonic."""
    if mood not in MOODS:
        raise ValueError(f"unknown music mood {mood!r}; use one of {', '.join(MOODS)}")
    if not 40 <= tempo <= 220 or not duration > 0:
        raise ValueError(f"a piece needs a tempo of 40-220 bpm and a length above 0 s, got {tempo!r}, {duration!r}")
    spec = MOODS[mood]
    total = round(duration * RATE)
    body_beats, beat = piece_plan(tempo=tempo, duration=duration)
    hit_at = body_beats * beat
    tail = duration - hit_at
    bars = math.ceil(body_beats / BAR_BEATS)
    dry = _Bus(total)
    wet_send = _Bus(total)
    pumped = _Bus(total)  # pad and bass: ducked after each kick when the mood pumps
    rng = np.random.default_rng(sum(map(ord, mood)))

    kicks: list[float] = []
    melody_at = 76  # the melody starts around the middle of its register
    previous_voicing: list[int] = []
    for bar in range(bars):
        bar_start = bar * BAR_BEATS
        bar_len = min(BAR_BEATS, body_beats - bar_start)
        last = bar == bars - 1
        degree = spec.cadence if last and bars > 1 else spec.progression[bar % len(spec.progression)]
        chord = _chord(spec, degree)
        voicing = _voiced(chord, previous_voicing)
        previous_voicing = voicing
        at = lambda beats, bar_start=bar_start: (bar_start + beats) * beat  # noqa: E731
        gate = bar_len * beat
        for pitch in voicing:
            pumped.note("pad", pitch, at(0), gate, 0.22, pan=((pitch % 7) - 3) / 8, brightness=spec.brightness)
        # Bass from the second bar (or at once in a short piece).
        if bar >= 1 or bars <= 2:
            for offset, length in _BASS_RHYTHM[spec.groove]:
                if offset < bar_len:
                    pumped.note(
                        "bass",
                        chord[0] - 24 + (12 if chord[0] - 24 < 33 else 0),
                        at(offset),
                        min(length, bar_len - offset) * beat,
                        0.4,
                    )
        if spec.arp_step:
            arp_notes = [*voicing, *(p + 12 for p in voicing)]
            steps = int(bar_len / spec.arp_step)
            for step in range(steps):
                pitch = arp_notes[step % len(arp_notes)] + 12
                dry.note(
                    spec.arp,
                    pitch,
                    at(step * spec.arp_step),
                    spec.arp_step * beat * 0.9,
                    0.12 if step % 2 else 0.16,
                    pan=0.35 if step % 2 else -0.35,
                    send=wet_send,
                )
        # Drums from the second bar, with a fill over the last two beats before the hit.
        if bar >= 1 or bars <= 2:
            fill_from = body_beats - 2 if spec.groove in ("pop", "four") and body_beats >= 4 else body_beats
            for drum, hits in GROOVES[spec.groove].items():
                for offset, velocity in hits:
                    when = bar_start + offset
                    if offset < bar_len and when < fill_from:
                        # The top end carries the groove; the kick marks the beat the cuts land on.
                        loud = 0.9 if drum in ("hat", "open_hat", "shaker") else 0.7 if drum == "kick" else 0.5
                        dry.drum(drum, when * beat, velocity * loud, pan=0.2 if "hat" in drum else 0.0)
                        if drum == "kick":
                            kicks.append(when * beat)
            for step in range(int((body_beats - fill_from) * 4)):
                when = fill_from + step / 4
                if bar_start <= when < bar_start + bar_len:
                    dry.drum("snare", when * beat, 0.22 + 0.25 * step / 8, pan=0.0)
        # The melody from the third bar (second in a short piece), resting in every fourth bar.
        if (bar >= 2 or (bars <= 3 and bar >= 1)) and bar % 4 != 3 and not (last and bars > 2):
            pattern = _MELODY_RHYTHM[spec.groove]
            for offset, length in pattern:
                local = offset - (bar % 2) * BAR_BEATS
                if 0 <= local < bar_len:
                    pitch = melody_at = _melody_pitch(spec, chord, melody_at, rng)
                    dry.note(
                        spec.melody,
                        pitch,
                        at(local),
                        min(length, bar_len - local) * beat * 0.95,
                        0.2,
                        pan=0.1,
                        send=wet_send,
                    )

    # The ending: tonic chord on keys and pad, the low tonic, kick and cymbal, ringing to the end.
    ring = max(tail - QUIET_END_SECONDS, 0.05)
    tonic_chord = _voiced(_chord(spec, 1), previous_voicing)
    for pitch in tonic_chord:
        dry.note("keys", pitch, hit_at, ring, 0.2, pan=((pitch % 5) - 2) / 6, send=wet_send, decay_scale=ring / 2)
        dry.note("pad", pitch, hit_at, ring * 0.4, 0.12, brightness=spec.brightness, send=wet_send)
    dry.note("bass", spec.tonic - 24, hit_at, ring * 0.5, 0.6)
    dry.drum("kick", hit_at, 0.6)
    dry.add(synth.crash(ring), hit_at, 0.25, pan=0.0, send=wet_send)

    if spec.pump and kicks:
        pumped.buffer *= _pump(total, kicks, spec.pump)[None, :]
    mix = dry.buffer + pumped.buffer + spec.reverb * synth.reverb(wet_send.buffer + 0.5 * pumped.buffer)
    mix = synth.spectral(mix, _master_eq)
    mix *= _ending(total, hit_at, duration)[None, :]
    # Into a gentle saturation at a level where only the drum transients touch it (it glues, never clips); the
    # soundtrack's normalisation sets the final loudness.
    loudness = integrated_loudness(mix, RATE)
    if loudness > SILENCE_LUFS:
        mix *= 10 ** ((PIECE_LUFS - loudness) / 20)
    mix = np.tanh(mix)
    beats = piece_beats(tempo=tempo, duration=duration)
    return Piece(samples=mix.astype(np.float32), beats=beats, bar_beats=BAR_BEATS, tempo=tempo, end_hit=hit_at)


# --- helpers --------------------------------------------------------------------------------------------------


class _Bus:
    """A stereo buffer that notes and drum hits are added to, with an optional reverb send."""

    def __init__(self, samples: int):
        self.buffer = np.zeros((2, samples))

    def add(self, mono: np.ndarray, start: float, gain: float, *, pan: float, send: _Bus | None = None) -> None:
        begin = round(start * RATE)
        if begin >= self.buffer.shape[1] or not len(mono):
            return
        piece = mono[: self.buffer.shape[1] - begin] * gain
        left, right = math.cos((pan + 1) * math.pi / 4), math.sin((pan + 1) * math.pi / 4)
        self.buffer[0, begin : begin + len(piece)] += piece * left * math.sqrt(2)
        self.buffer[1, begin : begin + len(piece)] += piece * right * math.sqrt(2)
        if send is not None:
            send.add(mono, start, gain, pan=pan)

    def note(
        self,
        instrument: str,
        pitch: int,
        start: float,
        gate: float,
        gain: float,
        *,
        pan: float = 0.0,
        send: _Bus | None = None,
        **options,
    ) -> None:
        release = 0.6 if instrument == "pad" else 0.25
        samples = round((gate + release) * RATE)
        sound = synth.INSTRUMENTS[instrument](synth.midi_hz(pitch), samples, gate, **options)
        self.add(sound, start, gain, pan=pan, send=send)

    def drum(self, name: str, start: float, gain: float, *, pan: float = 0.0) -> None:
        self.add(_drum_sample(name), start, gain, pan=pan)


_DRUM_CACHE: dict[str, np.ndarray] = {}


def _drum_sample(name: str) -> np.ndarray:
    if name not in _DRUM_CACHE:
        _DRUM_CACHE[name] = synth.DRUMS[name]()
    return _DRUM_CACHE[name]


def _chord(spec: Mood, degree: int) -> list[int]:
    """The degree's triad (or seventh chord) in the mood's scale, root position from the tonic's octave."""
    steps = (0, 2, 4, 6) if spec.sevenths else (0, 2, 4)
    notes = []
    for step in steps:
        index = degree - 1 + step
        notes.append(spec.tonic + spec.scale[index % 7] + 12 * (index // 7))
    return notes


def _voiced(chord: list[int], previous: list[int]) -> list[int]:
    """The chord's notes moved by octaves to sit near the previous voicing (smooth voice leading), in 52..76."""
    centre = sum(previous) / len(previous) if previous else 62
    voiced = []
    for pitch in chord:
        pitch = pitch % 12 + 12 * round((centre - pitch % 12) / 12)
        while pitch < 52:
            pitch += 12
        while pitch > 76:
            pitch -= 12
        voiced.append(pitch)
    return sorted(voiced)


def _melody_pitch(spec: Mood, chord: list[int], previous: int, rng: np.random.Generator) -> int:
    """A chord tone in the melody's register (69-84) near the previous note (one of the three closest: a line that
    moves mostly by steps and small leaps), now and then moved up to the next note of the scale as a passing tone."""
    candidates = sorted(
        {pitch + 12 * octave for pitch in chord for octave in range(-2, 4) if 69 <= pitch + 12 * octave <= 84},
        key=lambda pitch: (abs(pitch - previous), pitch),
    )
    pitch = candidates[int(rng.integers(min(3, len(candidates))))]
    if rng.random() < 0.2:
        degree = spec.scale.index((pitch - spec.tonic) % 12)  # chord tones are in the scale
        pitch += (spec.scale[(degree + 1) % 7] - spec.scale[degree]) % 12
    return pitch


def _master_eq(freqs: np.ndarray) -> np.ndarray:
    """Below 30 Hz out (inaudible on a phone, eats headroom), a little less low-mid mud around 250 Hz, a +4 dB shelf
    from 5 kHz for air: measured, the raw instruments put over half their energy under 250 Hz and under 1 % above
    2 kHz, which sounds dull next to commercial tracks."""
    f = np.maximum(freqs, 1e-3)
    low_cut = 1 / np.sqrt(1 + (30 / f) ** 4)
    mud = 1 - 0.25 * np.exp(-(np.log2(f / 250) ** 2) / 0.5)
    air = 1 + (10 ** (4 / 20) - 1) / (1 + (5000 / f) ** 2)
    return low_cut * mud * air


def _pump(samples: int, kicks: list[float], depth: float) -> np.ndarray:
    """Gain dipping by `depth` at each kick and recovering over ~150 ms."""
    gain = np.ones(samples)
    length = int(0.3 * RATE)
    curve = 1 - depth * np.exp(-np.arange(length) / RATE / 0.08)
    for kick in kicks:
        begin = round(kick * RATE)
        end = min(begin + length, samples)
        if begin < samples:
            gain[begin:end] = np.minimum(gain[begin:end], curve[: end - begin])
    return gain


def _ending(samples: int, hit_at: float, duration: float) -> np.ndarray:
    """1 until halfway through the ring-out, then a raised-cosine decay reaching 0 QUIET_END_SECONDS before the end:
    the reverb's tail and the ringing notes die inside the video, which then ends in silence."""
    t = np.arange(samples) / RATE
    begin = hit_at + 0.5 * (duration - hit_at)
    end = max(duration - QUIET_END_SECONDS, begin + 1e-3)
    progress = np.clip((t - begin) / (end - begin), 0, 1)
    return 0.5 * (1 + np.cos(np.pi * progress))
