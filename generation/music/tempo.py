"""The beat grid of a merchant's uploaded track, so cuts can land on its beats as they do on the built-in pieces'.

A plain onset-autocorrelation tempo estimate: spectral flux of the first minute, the strongest period between 70 and
180 bpm (halved or doubled into that range), and the phase where the onsets fold strongest. A track without a clear
pulse (ambient, speech) gets no beats, and then no cut is moved."""

from __future__ import annotations

import functools
import os

import numpy as np

from generation.assembly.audio import AUDIO_FPS, audio_decoded

ANALYSED_SECONDS = 60.0
_HOP = 512
_WINDOW = 2048
MIN_CLARITY = 0.25  # the autocorrelation peak (as a share of the zero-lag energy) below which a track has no clear beat


def track_beats(path: str, duration: float) -> tuple[float, ...]:
    """Seconds of every beat of the track at `path` within its first `duration` seconds (and within the track: a
    looped track's repeats are not counted); () when the file cannot be read or has no clear pulse."""
    try:
        stat = os.stat(path)
    except OSError:
        return ()
    grid = _grid(path, stat.st_mtime_ns, stat.st_size)
    if grid is None:
        return ()
    period, phase, length = grid
    # A track longer than the part analysed keeps its grid to the end of the video; a shorter one loops, and its
    # repeat need not start on a beat, so its beats stop where it does.
    end = duration if length >= ANALYSED_SECONDS - 0.01 else min(duration, length)
    return tuple(round(float(t), 6) for t in np.arange(phase, end, period))


@functools.lru_cache(maxsize=32)
def _grid(path: str, mtime_ns: int, size: int) -> tuple[float, float, float] | None:
    """(beat period s, first beat s, track length s), or None; cached per file version (timelines are built once per
    aspect ratio, at job creation and again at assembly)."""
    try:
        samples = audio_decoded(path, round(ANALYSED_SECONDS * AUDIO_FPS))
    except (ValueError, FileNotFoundError):
        return None
    length = len(samples) / AUDIO_FPS
    mono = samples.mean(axis=1).astype(np.float64)
    if len(mono) < 8 * AUDIO_FPS:  # too short to hear a pulse in
        return None
    frames = np.lib.stride_tricks.sliding_window_view(mono, _WINDOW)[::_HOP] * np.hanning(_WINDOW)
    spectrum = np.log1p(100 * np.abs(np.fft.rfft(frames, axis=1)))
    rises = np.maximum(np.diff(spectrum, axis=0), 0)
    flux = rises.sum(axis=1)
    # The phase from the lowest band (the kick marks the beat; hats and off-beat bass would pull it to the "and").
    low = rises[:, : round(150 * _WINDOW / AUDIO_FPS) + 1].sum(axis=1)
    flux -= flux.mean()
    energy = float(np.dot(flux, flux))
    if energy <= 0:
        return None
    size_fft = 1 << int(np.ceil(np.log2(2 * len(flux))))
    correlation = np.fft.irfft(np.abs(np.fft.rfft(flux, size_fft)) ** 2, size_fft)[: len(flux)] / energy
    rate = AUDIO_FPS / _HOP
    lags = np.arange(len(correlation)) / rate
    window = (lags >= 60 / 180) & (lags <= 60 / 70)
    if not window.any():
        return None
    best = int(np.flatnonzero(window)[np.argmax(correlation[window])])
    if correlation[best] < MIN_CLARITY:
        return None
    # Refine the period to a fraction of a frame: a parabola through the peak and its neighbours.
    left, middle, right = correlation[best - 1 : best + 2]
    offset = 0.5 * (left - right) / (left - 2 * middle + right) if left - 2 * middle + right else 0.0
    period = (best + offset) / rate
    times = (np.arange(len(flux)) + 1) * _HOP / AUDIO_FPS + _WINDOW / 2 / AUDIO_FPS
    phases = np.linspace(0, period, 32, endpoint=False)
    folded = [low[np.abs(((times - p + period / 2) % period) - period / 2) < 0.5 / rate].sum() for p in phases]
    return period, float(phases[int(np.argmax(folded))]), length
