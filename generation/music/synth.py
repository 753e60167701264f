"""The built-in library's instruments, drawn with numpy: wavetable oscillators, FM keys, filtered-noise drums and a
convolution reverb. Everything here is pure (samples in, samples out, seeded noise) and vectorised, so a 30 s piece
renders in about a second on one core with no system package and no sample file.

Filters are applied in the frequency domain (one FFT per sound), which numpy has and an IIR filter would need
scipy for; every sound is short or rendered once per piece, so the cost is small.
"""

from __future__ import annotations

import functools
import math

import numpy as np

RATE = 44100
_TABLE_SIZE = 4096


def midi_hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


@functools.cache
def wavetable(harmonics: tuple[float, ...]) -> np.ndarray:
    """One cycle with the given harmonic amplitudes (1st, 2nd, ...), peak-normalised."""
    phase = np.arange(_TABLE_SIZE) / _TABLE_SIZE * 2 * np.pi
    table = sum(amplitude * np.sin((k + 1) * phase) for k, amplitude in enumerate(harmonics) if amplitude)
    return (table / np.abs(table).max()).astype(np.float64)


def oscillator(
    table: np.ndarray, freq: float, samples: int, *, detune_cents: float = 0.0, vibrato: float = 0.0, phase: float = 0.0
) -> np.ndarray:
    """The table played at freq (linear interpolation); vibrato: depth in semitones at 5 Hz, fading in."""
    t = np.arange(samples) / RATE
    f = freq * 2 ** (detune_cents / 1200)
    cycles = phase + f * t
    if vibrato:
        depth = vibrato * np.clip(t / 0.4, 0, 1)
        cycles = phase + np.cumsum(f * 2 ** (depth * np.sin(2 * np.pi * 5.0 * t) / 12)) / RATE
    position = (cycles % 1.0) * _TABLE_SIZE
    index = position.astype(np.int64)
    frac = position - index
    return table[index] * (1 - frac) + table[(index + 1) % _TABLE_SIZE] * frac


def envelope(samples: int, *, attack: float, decay: float, sustain: float, gate: float, release: float) -> np.ndarray:
    """Attack to 1, exponential decay (time constant `decay`) towards `sustain`, released at `gate` seconds."""
    t = np.arange(samples) / RATE
    rise = np.clip(t / attack, 0, 1) if attack > 0 else np.ones(samples)
    level = sustain + (1 - sustain) * np.exp(-np.maximum(t - attack, 0) / decay)
    held = level * rise
    if gate * RATE < samples:
        at_gate = held[min(int(gate * RATE), samples - 1)]
        after = t >= gate
        held[after] = at_gate * np.exp(-(t[after] - gate) / max(release, 1e-3))
    return held


def spectral(signal: np.ndarray, response) -> np.ndarray:
    """signal filtered by response(frequencies in Hz) -> gain, along the last axis."""
    spectrum = np.fft.rfft(signal, axis=-1)
    freqs = np.fft.rfftfreq(signal.shape[-1], 1 / RATE)
    return np.fft.irfft(spectrum * response(freqs), n=signal.shape[-1], axis=-1)


def band(low: float, high: float, slope: float = 2.0):
    """A smooth band-pass gain curve (a high-pass at `low` times a low-pass at `high`)."""

    def response(f):
        f = np.maximum(f, 1e-3)
        return 1 / np.sqrt(1 + (low / f) ** (2 * slope)) / np.sqrt(1 + (f / high) ** (2 * slope))

    return response


# --- pitched instruments: each returns a mono note `samples` long -------------------------------------------


def keys(freq: float, samples: int, gate: float, *, decay_scale: float = 1.0) -> np.ndarray:
    """An electric piano: a 1:1 FM pair whose brightness fades, plus a soft bell-like tine on the attack."""
    t = np.arange(samples) / RATE
    index = 1.6 * np.exp(-t / 0.45)
    tone = np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * t))
    tine = 0.18 * np.sin(2 * np.pi * freq * 7 * t) * np.exp(-t / 0.05)
    return (tone + tine) * envelope(
        samples, attack=0.004, decay=1.1 * decay_scale, sustain=0.0, gate=gate, release=0.12
    )


def pad(freq: float, samples: int, gate: float, *, brightness: float = 4.0) -> np.ndarray:
    """A soft string pad: two detuned voices of a rounded saw, slow attack and release."""
    table = wavetable(tuple(math.exp(-k / brightness) / k for k in range(1, 13)))
    voices = oscillator(table, freq, samples, detune_cents=-6) + oscillator(
        table, freq, samples, detune_cents=6, phase=0.37
    )
    return 0.5 * voices * envelope(samples, attack=0.35, decay=2.0, sustain=0.75, gate=gate, release=0.5)


def pluck(freq: float, samples: int, gate: float) -> np.ndarray:
    """A plucked string: a bright spectrum dying into a round one, the way a string's high partials go first."""
    bright = oscillator(wavetable(tuple(1 / k for k in range(1, 16))), freq, samples)
    round_ = oscillator(wavetable((1.0, 0.3, 0.1)), freq, samples)
    t = np.arange(samples) / RATE
    fade = np.exp(-t / 0.06)
    return (bright * fade + round_ * (1 - fade)) * envelope(
        samples, attack=0.002, decay=0.35, sustain=0.0, gate=gate, release=0.08
    )


def bell(freq: float, samples: int, gate: float) -> np.ndarray:
    """A glassy mallet: FM at 1:3.5 with a short index, for the calmer moods' melodies."""
    t = np.arange(samples) / RATE
    index = 1.2 * np.exp(-t / 0.25)
    tone = np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * 3.5 * t))
    return tone * envelope(samples, attack=0.003, decay=0.9, sustain=0.0, gate=gate, release=0.2)


def lead(freq: float, samples: int, gate: float) -> np.ndarray:
    """A soft synth lead with delayed vibrato, for the energetic moods."""
    table = wavetable(tuple(math.exp(-k / 3.0) / k for k in range(1, 10)))
    return oscillator(table, freq, samples, vibrato=0.12) * envelope(
        samples, attack=0.01, decay=0.4, sustain=0.6, gate=gate, release=0.1
    )


def bass(freq: float, samples: int, gate: float) -> np.ndarray:
    """A round electric bass: a sub sine under a short bright attack."""
    t = np.arange(samples) / RATE
    body = np.sin(2 * np.pi * freq * t) + 0.35 * np.sin(4 * np.pi * freq * t)
    edge = oscillator(wavetable((1.0, 0.6, 0.4, 0.25, 0.15)), freq, samples) * np.exp(-t / 0.05)
    return 0.8 * (body + 0.5 * edge) * envelope(samples, attack=0.004, decay=0.5, sustain=0.55, gate=gate, release=0.06)


INSTRUMENTS = {"keys": keys, "pad": pad, "pluck": pluck, "bell": bell, "lead": lead, "bass": bass}


# --- drums: each returns a mono hit ---------------------------------------------------------------------------


def _noise(samples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(samples)


def kick(seed: int = 1) -> np.ndarray:
    n = int(0.45 * RATE)
    t = np.arange(n) / RATE
    freq = 48 + 110 * np.exp(-t / 0.035)
    body = np.sin(2 * np.pi * np.cumsum(freq) / RATE) * np.exp(-t / 0.22)
    click = spectral(_noise(n, seed), band(1500, 9000)) * np.exp(-t / 0.004) * 0.3
    return body + click


def snare(seed: int = 2) -> np.ndarray:
    n = int(0.35 * RATE)
    t = np.arange(n) / RATE
    tone = 0.5 * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.04)
    rattle = spectral(_noise(n, seed), band(1200, 9000)) * np.exp(-t / 0.11)
    return tone + 0.8 * rattle / np.abs(rattle).max()


def clap(seed: int = 3) -> np.ndarray:
    n = int(0.4 * RATE)
    t = np.arange(n) / RATE
    bursts = sum(np.exp(-np.maximum(t - offset, 0) / 0.006) * (t >= offset) for offset in (0.0, 0.011, 0.022))
    shape = np.maximum(bursts, 0.5 * np.exp(-np.maximum(t - 0.022, 0) / 0.12) * (t >= 0.022))
    noise = spectral(_noise(n, seed), band(900, 5000))
    return noise / np.abs(noise).max() * shape


def hat(seed: int = 4, *, open_: bool = False) -> np.ndarray:
    n = int((0.3 if open_ else 0.08) * RATE)
    t = np.arange(n) / RATE
    noise = spectral(_noise(n, seed), band(7000, 16000))
    return 0.6 * noise / np.abs(noise).max() * np.exp(-t / (0.12 if open_ else 0.022))


def shaker(seed: int = 5) -> np.ndarray:
    n = int(0.12 * RATE)
    t = np.arange(n) / RATE
    noise = spectral(_noise(n, seed), band(4500, 12000))
    return 0.5 * noise / np.abs(noise).max() * np.clip(t / 0.012, 0, 1) * np.exp(-t / 0.035)


def crash(length: float, seed: int = 6) -> np.ndarray:
    n = max(int(length * RATE), 1)
    t = np.arange(n) / RATE
    noise = spectral(_noise(n, seed), band(3500, 15000, slope=1.0))
    return 0.5 * noise / np.abs(noise).max() * np.exp(-t / max(length / 5, 0.05))


DRUMS = {
    "kick": kick,
    "snare": snare,
    "clap": clap,
    "hat": hat,
    "open_hat": functools.partial(hat, open_=True),
    "shaker": shaker,
}


# --- the room -------------------------------------------------------------------------------------------------


def reverb(stereo: np.ndarray, *, seconds: float = 1.6, seed: int = 7) -> np.ndarray:
    """stereo (2, n) through a decorrelated exponentially decaying noise room (a plate-like tail), wet only."""
    n_ir = int(seconds * RATE)
    t = np.arange(n_ir) / RATE
    decay = np.exp(-t * 6.9 / seconds) * np.clip((t - 0.012) / 0.01, 0, 1)  # 12 ms pre-delay, -60 dB at `seconds`
    rng = np.random.default_rng(seed)
    ir = spectral(rng.standard_normal((2, n_ir)) * decay, band(200, 6000, slope=1.0))
    ir /= np.sqrt((ir**2).sum(axis=1, keepdims=True))
    size = 1 << int(math.ceil(math.log2(stereo.shape[1] + n_ir)))
    wet = np.fft.irfft(np.fft.rfft(stereo, size, axis=1) * np.fft.rfft(ir, size, axis=1), size, axis=1)
    return wet[:, : stereo.shape[1]]
