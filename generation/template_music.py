"""A template's `music` setting: which track or mood plays, how loud, and how it fades (docs/templates.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from shop_video.tenancy.brand_assets import MUSIC_MOODS

_TRACK_NAME = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")  # a BrandMusicTrack.name (a slug)


@dataclass(frozen=True)
class MusicSettings:
    enabled: bool = True
    volume: float = 0.8
    fade_in: float = 0.5
    fade_out: float = 1.0
    track: str | None = None  # a brand kit track's name; the render is refused if the kit has none by that name
    mood: str | None = None  # else the kit's first track with this mood; else the kit's default music; else the
    # built-in library piece for this mood (generation/music), or the preset's own mood when none is named
    tempo: float | None = None  # the built-in piece's beats per minute; None: the mood's own


def music_parse(raw: Any) -> MusicSettings:
    if raw is False:
        return MusicSettings(enabled=False)
    if not isinstance(raw, dict):
        raise ValidationError(f'music must be false or an object such as {{"volume": 0.8}}, got {raw!r}.')
    values = {}
    for name, low, high in (("volume", 0, 1), ("fade_in", 0, 10), ("fade_out", 0, 10)):
        value = raw.get(name, getattr(MusicSettings, name))
        if not is_number(value) or not low <= value <= high:
            raise ValidationError(f"music.{name} must be a number from {low} to {high}, got {value!r}.")
        values[name] = float(value)
    track = raw.get("track")
    if track is not None and (not isinstance(track, str) or not _TRACK_NAME.match(track)):
        raise ValidationError(
            f"music.track must be the name of one of the brand kit's tracks (letters, digits, - "
            f"and _, at most 50), got {track!r}."
        )
    mood = raw.get("mood")
    if mood is not None and mood not in MUSIC_MOODS:
        raise ValidationError(f"music.mood {mood!r} is unknown; use one of {', '.join(MUSIC_MOODS)}.")
    tempo = raw.get("tempo")
    if tempo is not None and (not is_number(tempo) or not 60 <= tempo <= 180):
        raise ValidationError(f"music.tempo must be a number of beats per minute from 60 to 180, got {tempo!r}.")
    unknown = sorted(set(raw) - set(values) - {"track", "mood", "tempo"})
    if unknown:
        raise ValidationError(
            f"music.{unknown[0]} is unknown; music takes track, mood, tempo, volume, fade_in and fade_out."
        )
    return MusicSettings(**values, track=track, mood=mood, tempo=float(tempo) if tempo is not None else None)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
