"""The live playlist window as pure data, on a fake clock."""

import re

import pytest

from shop_video.live import hls

WINDOW, LOOKAHEAD = 12.0, 2.0
T0 = 1_000_000.0


def playable(item_id, position, segment_id, durations=(2.0, 2.0, 2.0)):
    return hls.Playable(
        item_id=item_id,
        position=position,
        segment_id=segment_id,
        chunks=tuple((f"{n}.ts", d) for n, d in enumerate(durations)),
    )


ROOM = [playable(1, 0, 11), playable(2, 1, 12), playable(3, 2, 13)]  # one rotation: 18 s


def advance(state, playables, now):
    return hls.window_advance(state, playables, now, window_seconds=WINDOW, lookahead_seconds=LOOKAHEAD)


def parse(text):
    """(media sequence, discontinuity sequence, [(sequence, dsn, uri)]) as a player numbers them."""
    assert text.startswith("#EXTM3U\n") and "#EXT-X-ENDLIST" not in text
    media = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)[1])
    dsn = int(re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", text)[1])
    entries, seq = [], media
    for line in text.splitlines():
        if line == "#EXT-X-DISCONTINUITY":
            dsn += 1
        elif line and not line.startswith("#"):
            entries.append((seq, dsn, line))
            seq += 1
    return media, int(re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", text)[1]), entries


def follow(playables_at, start, seconds, step=1.0, state=None):
    """A player polling every `step` seconds; yields (now, advance, playlist text)."""
    state = state or hls.WindowState()
    now = start
    while now < start + seconds:
        result = advance(state, playables_at(now), now)
        state = result.state
        yield now, result, hls.playlist_render(state, now, min_target_duration=2)
        now += step


def test_first_request_starts_at_now_with_the_first_item_and_publishes_only_what_has_started():
    result = advance(hls.WindowState(), ROOM, T0)
    assert result.restarted and [p.item_id for p in result.slots_started] == [1]
    text = hls.playlist_render(result.state, T0, min_target_duration=2)
    assert text.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-DISCONTINUITY-SEQUENCE:0",
        "#EXT-X-DISCONTINUITY",
        "#EXTINF:2.000000,",
        "seg/11/0.ts",
    ]
    # scheduled up to now + lookahead, published up to now
    assert [e["start"] - T0 for e in result.state.entries] == [0.0, 2.0]


def test_nothing_ready_schedules_nothing():
    result = advance(hls.WindowState(), [playable(1, 0, 11, durations=())], T0)
    assert result.state.entries == [] and result.slots_started == []
    assert hls.entries_published(result.state, T0) == []


def test_rotation_order_discontinuities_and_wrap_around():
    seen = {}
    for _now, _, text in follow(lambda now: ROOM, T0, 40):
        for seq, dsn, uri in parse(text)[2]:
            seen[seq] = (dsn, uri)
    uris = [seen[seq][1] for seq in sorted(seen)]
    assert uris[:10] == [
        "seg/11/0.ts",
        "seg/11/1.ts",
        "seg/11/2.ts",
        "seg/12/0.ts",
        "seg/12/1.ts",
        "seg/12/2.ts",
        "seg/13/0.ts",
        "seg/13/1.ts",
        "seg/13/2.ts",
        "seg/11/0.ts",
    ]
    assert sorted(seen) == list(range(len(seen)))  # no gaps
    # one discontinuity number per slot: 3 chunks each
    assert [seen[seq][0] for seq in sorted(seen)][:9] == [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_a_player_polling_every_second_never_sees_a_number_reused_or_going_backwards():
    by_seq = {}
    last_media = last_dsn = -1
    for now, _, text in follow(lambda now: ROOM, T0, 120, step=0.7):
        media, dsn, entries = parse(text)
        assert media >= last_media and dsn >= last_dsn
        last_media, last_dsn = media, dsn
        assert entries, "a room with ready segments always lists something"
        for seq, entry_dsn, uri in entries:
            assert by_seq.setdefault(seq, (entry_dsn, uri)) == (entry_dsn, uri)
        # the window keeps about WINDOW seconds of history, enough for 3 target durations
        assert len(entries) >= 3 or now - T0 < 6
        assert len(entries) <= (WINDOW + 2) / 2 + 1
    assert last_media > 40


def test_a_new_segment_is_used_from_the_items_next_slot_only():
    newer = [playable(1, 0, 11), playable(2, 1, 22), playable(3, 2, 13)]
    # segment 22 replaces 12 at T0 + 7, one second into item 2's slot (which began at T0 + 6)
    uris = {}
    for _now, _, text in follow(lambda now: ROOM if now < T0 + 7 else newer, T0, 40):
        uris.update({seq: uri for seq, _, uri in parse(text)[2]})
    ordered = [uris[seq] for seq in sorted(uris)]
    assert ordered[3:6] == ["seg/12/0.ts", "seg/12/1.ts", "seg/12/2.ts"]  # the slot in progress kept its segment
    assert ordered[12:15] == ["seg/22/0.ts", "seg/22/1.ts", "seg/22/2.ts"]
    assert "seg/12/0.ts" not in ordered[6:]


def test_items_without_a_ready_segment_are_skipped_and_join_when_ready():
    partial = [playable(1, 0, 11), playable(3, 2, 13)]
    uris = {}
    for _now, _, text in follow(lambda now: partial if now < T0 + 10 else ROOM, T0, 30):
        uris.update({seq: uri for seq, _, uri in parse(text)[2]})
    ordered = [uris[seq] for seq in sorted(uris)]
    assert ordered[:6] == ["seg/11/0.ts", "seg/11/1.ts", "seg/11/2.ts", "seg/13/0.ts", "seg/13/1.ts", "seg/13/2.ts"]
    assert ordered[6:12] == ["seg/11/0.ts", "seg/11/1.ts", "seg/11/2.ts", "seg/12/0.ts", "seg/12/1.ts", "seg/12/2.ts"]


def test_idle_longer_than_the_window_restarts_at_now_and_numbers_keep_increasing():
    _, result, text = list(follow(lambda now: ROOM, T0, 7))[-1]  # into item 2's slot
    state = result.state
    media_before, dsn_before, entries_before = parse(text)
    last_seq = entries_before[-1][0]
    later = T0 + 7 + 3600
    result = advance(state, ROOM, later)
    assert result.restarted
    media, dsn, entries = parse(hls.playlist_render(result.state, later, min_target_duration=2))
    assert [uri for _, _, uri in entries] == ["seg/12/0.ts"]  # the interrupted item again, from its start
    assert entries[0][0] > last_seq and media > media_before and entries[0][1] > entries_before[-1][1]
    assert result.state.entries[0]["start"] == later and result.state.entries[0]["discontinuity"]


def test_a_short_pause_catches_up_without_a_restart():
    state = advance(hls.WindowState(), ROOM, T0).state
    result = advance(state, ROOM, T0 + 9)
    assert not result.restarted
    starts = [e["start"] - T0 for e in result.state.entries]
    assert starts == [float(s) for s in range(0, 12, 2)]


def test_target_duration_and_extinf_follow_the_chunks():
    room = [playable(1, 0, 11, durations=(2.0, 2.0, 0.733333))]
    state = advance(hls.WindowState(), room, T0 + 0).state
    state = advance(state, room, T0 + 4.5).state
    text = hls.playlist_render(state, T0 + 4.5, min_target_duration=2)
    assert "#EXTINF:0.733333," in text and "#EXT-X-TARGETDURATION:2" in text
    assert hls.segments_referenced(state) == {11}


def test_the_input_state_is_left_unchanged():
    state = advance(hls.WindowState(), ROOM, T0).state
    snapshot = (state.media_sequence, list(state.entries), dict(state.cursor))
    advance(state, ROOM, T0 + 30)
    assert (state.media_sequence, state.entries, state.cursor) == snapshot


@pytest.mark.parametrize("step", [0.5, 2.0, 5.0, 11.0])
def test_every_chunk_is_listed_for_at_least_a_while_whatever_the_poll_rate(step):
    listed = {}
    for _now, _, text in follow(lambda now: ROOM, T0, 60, step=step):
        listed.update({seq: uri for seq, _, uri in parse(text)[2]})
    assert sorted(listed) == list(range(len(listed)))


def test_a_room_that_waited_for_its_segments_starts_when_they_are_ready_not_when_it_was_first_asked():
    waiting = advance(hls.WindowState(), [], T0).state
    assert hls.entries_published(waiting, T0) == []
    result = advance(waiting, ROOM, T0 + 8)
    assert [e["start"] - T0 for e in result.state.entries] == [8.0, 10.0]
    assert hls.playlist_render(result.state, T0 + 8, min_target_duration=2).endswith("seg/11/0.ts\n")
