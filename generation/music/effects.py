"""Transition sound effects, synthesised: a whoosh under each push, slide, wipe or zoom, a pop when a discount badge
lands. Where they go is read off the finished timeline (sound_effects_for), what they sound like is numpy."""

from __future__ import annotations

import numpy as np

from generation.music.synth import RATE, band, spectral

SILENT_TRANSITIONS = ("cut", "crossfade", "fade")  # a dissolve is quiet; a whoosh belongs to movement
WHOOSH_VOLUME = 0.5
POP_VOLUME = 0.6
POP_DELAY = 0.1  # the badge pops in just after its scene has entered


def sound_effects_for(timeline) -> tuple:
    """A whoosh centred on every moving transition, a pop where each run of badged segments starts."""
    from generation.assembly.timeline import SoundEffect

    effects = []
    starts = timeline.starts()
    previous_badge = ""
    for start, segment in zip(starts, timeline.segments):
        transition = segment.transition
        if transition.kind not in SILENT_TRANSITIONS and transition.duration > 0:
            length = max(transition.duration, 0.3)
            effects.append(
                SoundEffect(
                    start=max(start + transition.duration / 2 - length / 2, 0.0),
                    kind="whoosh",
                    duration=length,
                    volume=WHOOSH_VOLUME,
                )
            )
        if segment.badge and segment.badge != previous_badge:
            at = start + transition.duration + POP_DELAY
            if at < timeline.duration:
                effects.append(SoundEffect(start=at, kind="pop", volume=POP_VOLUME))
        previous_badge = segment.badge
    return tuple(sorted(effects, key=lambda effect: effect.start))


def effect_samples(kind: str, duration: float = 0.0, *, seed: int = 11) -> np.ndarray:
    """The effect as (n, 2) float stereo at RATE, peaking near 1."""
    if kind == "whoosh":
        return _whoosh(duration or 0.5, seed)
    if kind == "pop":
        return _pop()
    raise ValueError(f"unknown sound effect {kind!r}")


def _whoosh(duration: float, seed: int) -> np.ndarray:
    """Air rushing past: noise whose band rises towards the middle and falls after (three bands crossfaded), a
    swell that peaks at 55 % of the length, panned left to right."""
    n = max(round(duration * RATE), 64)
    t = np.arange(n) / n
    rng = np.random.default_rng(seed)
    low, mid, high = (
        spectral(rng.standard_normal(n), band(lo, hi)) for lo, hi in ((200, 900), (700, 3000), (2500, 9000))
    )
    closeness = np.exp(-(((t - 0.55) / 0.22) ** 2))  # 1 at the peak
    mono = low * (1 - closeness) + mid * closeness + high * closeness**2 * 0.6
    mono *= np.sin(np.pi * np.clip(t, 0, 1)) ** 2 * (0.4 + 0.6 * closeness)
    mono /= np.abs(mono).max() or 1.0
    pan = np.clip(t, 0, 1) * np.pi / 2
    return np.stack([mono * np.cos(pan), mono * np.sin(pan)], axis=1) * np.sqrt(2) * 0.7


def _pop() -> np.ndarray:
    """A bubble pop: a sine gliding from 900 to 300 Hz over ~30 ms with a tiny click, gone in 120 ms."""
    n = round(0.12 * RATE)
    t = np.arange(n) / RATE
    freq = 300 + 600 * np.exp(-t / 0.012)
    body = np.sin(2 * np.pi * np.cumsum(freq) / RATE) * np.exp(-t / 0.035) * np.clip(t / 0.001, 0, 1)
    click = spectral(np.random.default_rng(3).standard_normal(n), band(2000, 8000)) * np.exp(-t / 0.002)
    mono = body + 0.15 * click / (np.abs(click).max() or 1.0)
    mono /= np.abs(mono).max()
    return np.stack([mono, mono], axis=1)
