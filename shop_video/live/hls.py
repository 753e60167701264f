"""The sliding window of a live room's never-ending HLS playlist: pure data and timing arithmetic (no Django).

A room plays its items in rotation, each item's slot being the chunks of the segment chosen when the slot starts.
The schedule is a list of entries (one per chunk, with its wall-clock start) persisted between requests:

- `window_advance` appends chunks in rotation order until the schedule covers `now` plus a small lookahead, and
  drops entries that ended more than `window_seconds` ago. Every dropped entry moves EXT-X-MEDIA-SEQUENCE on by
  one and every dropped slot start moves EXT-X-DISCONTINUITY-SEQUENCE on by one, so an entry keeps its sequence
  number for as long as it is listed and numbers never go backwards (a player polling the playlist relies on
  both to know which chunks it has already fetched).
- `playlist_render` writes the playlist: only entries whose start has come are published, each slot start carries
  EXT-X-DISCONTINUITY (each segment's chunks restart their timestamps), and there is never an EXT-X-ENDLIST.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Playable:
    """An item that can fill a slot: its newest ready segment's chunks, [(file name, seconds), ...]."""

    item_id: int
    position: int
    segment_id: int
    chunks: tuple[tuple[str, float], ...]


@dataclass
class WindowState:
    """What a room persists. `entries` are dicts (JSON): item, segment, chunk (index), duration, start (epoch
    seconds), discontinuity. `cursor` is the slot being scheduled: item, position, segment, chunks (the slot's
    own copy, so a newer segment never replaces it mid-slot), next (index of the next chunk) and at (when the
    next chunk starts); None before the first request."""

    media_sequence: int = 0
    discontinuity_sequence: int = 0
    entries: list[dict] = field(default_factory=list)
    cursor: dict | None = None


@dataclass
class Advance:
    state: WindowState
    slots_started: list[Playable]  # the slots scheduled by this call, in order (prices are checked for these)
    restarted: bool  # the schedule (re)started at `now`: first request, or idle longer than the window


def window_advance(
    state: WindowState, playables: list[Playable], now: float, *, window_seconds: float, lookahead_seconds: float
) -> Advance:
    """The state after scheduling up to `now + lookahead_seconds`; `state` itself is left as it was."""
    state = copy.deepcopy(state)
    playables = sorted((p for p in playables if _usable(p.chunks)), key=lambda p: p.position)
    cursor = state.cursor
    # A cursor without an item is waiting for a ready segment: what becomes ready starts at `now`, not back when
    # the wait began (which would publish a whole slot at once, in the past).
    restarted = cursor is None or cursor["item"] is None or cursor["at"] < now - window_seconds
    if restarted:
        # Nobody asked for longer than the window: what was scheduled is history. Restart at `now` with the item
        # the cursor was on, from its first chunk, and mark the jump (numbering carries on).
        position = cursor["position"] if cursor else None
        cursor = {"item": None, "position": position, "segment": None, "chunks": [], "next": 0, "at": now}
    slots_started: list[Playable] = []
    first_slot_at_cursor = restarted
    while cursor["at"] <= now + lookahead_seconds:
        if cursor["next"] >= len(cursor["chunks"]):
            playable = _next_playable(playables, cursor["position"], inclusive=first_slot_at_cursor)
            first_slot_at_cursor = False
            if playable is None:
                # Nothing ready to play: the schedule waits (the view answers 503 once the window is empty).
                cursor = {
                    "item": None,
                    "position": cursor["position"],
                    "segment": None,
                    "chunks": [],
                    "next": 0,
                    "at": max(cursor["at"], now),
                }
                break
            cursor = {
                "item": playable.item_id,
                "position": playable.position,
                "segment": playable.segment_id,
                "chunks": [list(chunk) for chunk in playable.chunks if chunk[1] > 0],
                "next": 0,
                "at": cursor["at"],
            }
            slots_started.append(playable)
        index = cursor["next"]
        duration = float(cursor["chunks"][index][1])
        state.entries.append(
            {
                "item": cursor["item"],
                "segment": cursor["segment"],
                "chunk": index,
                "duration": duration,
                "start": cursor["at"],
                "discontinuity": index == 0,
            }
        )
        cursor["next"] += 1
        cursor["at"] += duration
    state.cursor = cursor
    _drop_expired(state, before=now - window_seconds)
    return Advance(state=state, slots_started=slots_started, restarted=restarted)


def advance_due(
    state: WindowState, now: float, *, advanced_at: float | None, window_seconds: float, lookahead_seconds: float
) -> bool:
    """Whether the playlist needs its write path at `now`: `window_advance` would change `state` (a chunk to
    schedule, one to drop, a restart), or a slot has started since the last advance at `advanced_at` (its product
    goes on air). False means `state` as stored is exactly the playlist at `now`: a read needs nothing else."""
    cursor = state.cursor
    if advanced_at is None or cursor is None or cursor["item"] is None:
        return True
    if cursor["at"] <= now + lookahead_seconds or cursor["at"] < now - window_seconds:
        return True
    if state.entries and state.entries[0]["start"] + state.entries[0]["duration"] < now - window_seconds:
        return True
    return any(entry["discontinuity"] and advanced_at < entry["start"] <= now for entry in state.entries)


def window_covers(state: WindowState, now: float) -> bool:
    """Whether `state` already schedules every chunk a player may see at `now`, so it can be served while another
    request advances it (it lists what the last advance published, and maybe a chunk that is about to go)."""
    cursor = state.cursor
    return cursor is not None and cursor["item"] is not None and cursor["at"] > now


def _usable(chunks) -> bool:
    return any(duration > 0 for _, duration in chunks)


def _next_playable(playables: list[Playable], position: int | None, *, inclusive: bool) -> Playable | None:
    """The item after `position` in rotation order (at or after it when `inclusive`), wrapping round."""
    if not playables:
        return None
    if position is not None:
        for playable in playables:
            if playable.position > position or (inclusive and playable.position == position):
                return playable
    return playables[0]


def _drop_expired(state: WindowState, *, before: float) -> None:
    while state.entries and state.entries[0]["start"] + state.entries[0]["duration"] < before:
        dropped = state.entries.pop(0)
        state.media_sequence += 1
        if dropped["discontinuity"]:
            state.discontinuity_sequence += 1


def entries_published(state: WindowState, now: float) -> list[dict]:
    """The entries a player may see at `now`: those whose scheduled start has come (a prefix of the schedule)."""
    return [entry for entry in state.entries if entry["start"] <= now]


def entry_playing(state: WindowState, now: float) -> dict | None:
    for entry in state.entries:
        if entry["start"] <= now < entry["start"] + entry["duration"]:
            return entry
    return None


def chunk_uri(entry: dict) -> str:
    """Relative to the playlist's URL (/live/<key>/index.m3u8 -> /live/<key>/seg/<segment>/<n>.ts)."""
    return f"seg/{entry['segment']}/{entry['chunk']}.ts"


def playlist_render(
    state: WindowState,
    now: float,
    *,
    min_target_duration: int,
    manifests: dict[int, tuple[str, bool]] | None = None,
    chunk_urls: dict[tuple[int, int], str] | None = None,
) -> str:
    """The media playlist at `now`. Every slot start carries EXT-X-DISCONTINUITY, the first listed one too: the
    discontinuity sequence counts dropped slot starts, so a player numbers each slot the same in every poll.
    `manifests` (segment id -> (URL, AI-generated)): MPEG-TS chunks cannot embed a C2PA manifest, so the first
    listed chunk of each segment names the manifest of the signed MP4 it was cut from in a `#EXT-C2PA-MANIFEST`
    tag (players ignore tags they do not know; docs/provenance.md). `chunk_urls` ((segment id, chunk) -> URL):
    where chunks are in a bucket, the playlist points at them there instead of at this app."""
    published = entries_published(state, now)
    # Rounded to the nearest second, every EXTINF must be <= the target duration (RFC 8216 4.3.3.1).
    target = max([min_target_duration] + [math.floor(entry["duration"] + 0.5) for entry in published])
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-MEDIA-SEQUENCE:{state.media_sequence}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{state.discontinuity_sequence}",
    ]
    named: set[int] = set()
    for entry in published:
        if entry["discontinuity"]:
            lines.append("#EXT-X-DISCONTINUITY")
        if (entry["discontinuity"] or entry["segment"] not in named) and entry["segment"] in (manifests or {}):
            url, ai_generated = manifests[entry["segment"]]
            lines.append(f'#EXT-C2PA-MANIFEST:URI="{url}",AI-GENERATED={"YES" if ai_generated else "NO"}')
            named.add(entry["segment"])
        lines.append(f"#EXTINF:{entry['duration']:.6f},")
        lines.append((chunk_urls or {}).get((entry["segment"], entry["chunk"])) or chunk_uri(entry))
    return "\n".join(lines) + "\n"


def segments_referenced(state: WindowState) -> set[int]:
    """Segments whose files the schedule still needs: listed entries and the slot being scheduled."""
    referenced = {entry["segment"] for entry in state.entries}
    if state.cursor and state.cursor.get("segment") is not None:
        referenced.add(state.cursor["segment"])
    return referenced
