"""The live playlist under storefront polling: a poll is a lock-free read of the stored schedule, and only a poll
that finds it due advances it. What a player sees is the same as when every poll advanced it; sequence numbers
never go backwards under concurrent requests; a held room row does not hold up a poll."""

from __future__ import annotations

import random
import re
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from shop_video.live import hls, services
from shop_video.live.models import LiveRoom, LiveSegment
from shop_video.live.selectors import live_playables
from tests.live import test_live_rooms
from tests.live.test_live_rooms import T0, segment_ready

products, room = test_live_rooms.products, test_live_rooms.room  # the live rooms' fixtures: three products

# Uneven chunks, so the schedule's boundaries fall off a regular grid (drop and schedule times differ).
DURATIONS = [(2.0, 2.0, 1.3), (2.0, 0.7), (2.0, 2.0, 2.0, 1.9)]
WINDOW, LOOKAHEAD = 12.0, 2.0


def ready_unevenly(room, durations=DURATIONS) -> list[LiveSegment]:
    segments = LiveSegment.objects.filter(item__room=room).order_by("item__position")
    return [segment_ready(segment, chunk_durations) for segment, chunk_durations in zip(segments, durations)]


def poll_times(seed: int) -> list[float]:
    """A player's uneven polling, with an idle spell longer than the window (the schedule restarts)."""
    rng = random.Random(seed)
    times, now = [], T0
    for step in range(90):
        now += 25.0 if step == 45 else rng.choice([0.05, 0.3, 0.5, 1.0, 1.7, 2.0, 2.6])
        times.append(round(now, 3))
    return times


def _advance_every_poll(playables, times) -> list[str | None]:
    """The playlist as it was when every poll advanced the schedule (None where nothing is published)."""
    state, texts = hls.WindowState(), []
    for now in times:
        state = hls.window_advance(state, playables, now, window_seconds=WINDOW, lookahead_seconds=LOOKAHEAD).state
        published = hls.entries_published(state, now)
        texts.append(hls.playlist_render(state, now, min_target_duration=2, manifests={}) if published else None)
    return texts


def test_a_schedule_that_is_not_due_is_exactly_what_advancing_would_give():
    playables = [
        hls.Playable(item_id=n, position=n, segment_id=10 + n, chunks=tuple((f"{i}.ts", d) for i, d in enumerate(ds)))
        for n, ds in enumerate(DURATIONS)
    ]
    rng = random.Random(7)
    state, advanced_at, checked = hls.WindowState(), None, 0
    for now in poll_times(3):
        for probe in (now + rng.uniform(-0.5, 3.0) for _ in range(20)):
            if probe >= (advanced_at or 0) and not hls.advance_due(
                state, probe, advanced_at=advanced_at, window_seconds=WINDOW, lookahead_seconds=LOOKAHEAD
            ):
                advance = hls.window_advance(
                    state, playables, probe, window_seconds=WINDOW, lookahead_seconds=LOOKAHEAD
                )
                assert advance.state == state and not advance.slots_started
                # and no slot started since the last advance: the on-air cue has nothing to announce
                assert not [e for e in state.entries if e["discontinuity"] and advanced_at < e["start"] <= probe]
                checked += 1
        state = hls.window_advance(state, playables, now, window_seconds=WINDOW, lookahead_seconds=LOOKAHEAD).state
        advanced_at = now
    assert checked > 100


@pytest.mark.django_db
def test_a_poller_sees_the_same_playlist_as_when_every_poll_advanced_it(room, monkeypatch):
    ready_unevenly(room)
    times = poll_times(1)
    expected = _advance_every_poll(live_playables(room=room), times)
    advances = []
    real_advance = hls.window_advance
    monkeypatch.setattr(hls, "window_advance", lambda *a, **k: advances.append(a[2]) or real_advance(*a, **k))
    for now, text in zip(times, expected, strict=True):
        if text is None:
            with pytest.raises(services.NothingReady):
                services.live_playlist_advance(key=room.key, now=now)
        else:
            assert services.live_playlist_advance(key=room.key, now=now) == text, now
    # Most polls were reads: the schedule was advanced only when a chunk or a slot start was due.
    assert len(advances) < len(times) * 0.75


def _media_sequence_and_uris(text: str) -> tuple[int, list[tuple[int, str]]]:
    sequence = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
    uris = [line for line in text.splitlines() if line.startswith("seg/")]
    return sequence, [(sequence + number, uri) for number, uri in enumerate(uris)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_polls_never_go_backwards_and_advance_once_per_due_time(room, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite serialises writers)")
    settings.LIVE_WINDOW_SECONDS, settings.LIVE_LOOKAHEAD_SECONDS = 1.5, 0.5  # chunks dropped within the run
    ready_unevenly(room, durations=[(0.5,) * 4] * 3)  # a chunk every half second: many due times in a short run
    advances = []
    real_advance = hls.window_advance
    monkeypatch.setattr(hls, "window_advance", lambda *a, **k: advances.append(a[2]) or real_advance(*a, **k))
    seen: dict[int, list] = {}
    errors = []
    started = time.time()

    def poll(number: int):
        client, mine = Client(), []
        try:
            while time.time() - started < 3.0:
                response = client.get(room.stream_path)
                assert response.status_code == 200, response.content
                mine.append(_media_sequence_and_uris(response.content.decode()))
        except Exception as exc:  # reported below: an assertion in a thread would be lost
            errors.append(exc)
        finally:
            seen[number] = mine
            connection.close()

    threads = [threading.Thread(target=poll, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - started
    assert not errors, errors
    polls = sum(len(mine) for mine in seen.values())
    by_number: dict[int, str] = {}
    for mine in seen.values():
        sequences = [sequence for sequence, _ in mine]
        assert sequences == sorted(sequences)  # each player's media sequence only moves forward
        for _, listed in mine:
            for number, uri in listed:  # an entry keeps its number for as long as it is listed
                assert by_number.setdefault(number, uri) == uri
    assert max(sequence for mine in seen.values() for sequence, _ in mine) >= 2  # chunks were dropped
    assert max(by_number) >= 4  # and scheduled: the live edge moved on
    # Due times: a chunk to schedule and one to drop every 0.5 s, a slot start every 2 s, and the first poll.
    due_times = 2 * elapsed / 0.5 + elapsed / 2 + 3
    assert len(advances) <= due_times, (len(advances), due_times, polls)
    assert polls > 2 * len(advances), (len(advances), polls)  # most polls were reads


@pytest.mark.django_db(transaction=True)
def test_a_poll_takes_no_row_lock(room):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    ready_unevenly(room)
    start = time.time()
    first = services.live_playlist_advance(key=room.key, now=start)
    held, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                LiveRoom.objects.select_for_update().get(pk=room.pk)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert held.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a poll that waited on the row would fail, not hang
        began = time.monotonic()
        response = Client().get(room.stream_path)  # not due: a plain read
        assert response.status_code == 200 and response.content.decode() == first
        # Due (the next chunk is to be scheduled) but the row is held: the stored schedule still covers `now`.
        due = start + 2.5  # 2 s chunks listed at start and start + 2; the next, at start + 4, is due at 2
        text = services.live_playlist_advance(key=room.key, now=due)
        assert time.monotonic() - began < 2.5  # a busy machine's slack, below the lock timeout
        assert text == hls.playlist_render(
            services._window_state(LiveRoom.objects.get(pk=room.pk)), due, min_target_duration=2, manifests={}
        )
        assert LiveRoom.objects.get(pk=room.pk).playlist_advanced_at == start  # not advanced meanwhile
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    services.live_playlist_advance(key=room.key, now=due)
    assert LiveRoom.objects.get(pk=room.pk).playlist_advanced_at == due  # the next poll advances it
