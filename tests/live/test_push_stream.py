"""A live room pushed to a real RTMP server (nginx + its RTMP module on the loopback, tests/rtmp_server.py) and
what it recorded checked frame by frame: H.264 + AAC, continuous timestamps, no decode errors, audio on video at
every product of every loop, the rotation order, a price change picked up, and a reconnection after the server
went away mid-stream."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from catalog.models import Variant
from shop_video.live import services
from shop_video.live.models import LiveSegment
from shop_video.live.push import pusher
from shop_video.live.push import services as push
from shop_video.live.push.models import LiveDestination
from tests import factories
from tests.live import push_media
from tests.rtmp_server import TlsFront, rtmp_server_fixture  # noqa: F401  (the rtmp_server fixture)

STREAM_KEY = "live_1234567890abcdef"


@pytest.fixture
def room(merchant, builtin_templates, sent_tasks, settings, django_capture_on_commit_callbacks, tmp_path):
    settings.LIVE_PUSH_ALLOW_LOOPBACK = True
    settings.LIVE_PUSH_FPS = push_media.FPS
    settings.LIVE_PUSH_X264_PRESET = "ultrafast"
    for sku in ("MUG-1", "TEE-2", "CAP-3"):
        factories.product_make(merchant=merchant, sku=sku, title=sku)
    with django_capture_on_commit_callbacks(execute=True):
        room = services.live_room_create(
            merchant=merchant,
            name="Night shop",
            skus=["MUG-1", "TEE-2", "CAP-3"],
            template_slug="quick-bumper",
            short_side=64,
        )
    for segment, colour in zip(
        LiveSegment.objects.filter(item__room=room).order_by("item__position"), ("red", "green", "blue"), strict=True
    ):
        push_media.segment_cut_ready(segment, push_media.clip_make(tmp_path / f"{colour}.mp4", colour))
    return room


def destination_make(room, server) -> LiveDestination:
    destination = push.live_destination_create(room=room, name="Platform", url=server.url, stream_key=STREAM_KEY)
    LiveDestination.objects.filter(pk=destination.pk).update(started=True)
    return destination


def assert_continuous(recording: push_media.Recording, *, ended_cleanly: bool = True) -> None:
    assert (recording.video_codec, recording.audio_codec, recording.channels) == ("h264", "aac", 2)
    steps = [b - a for a, b in zip(recording.frame_times, recording.frame_times[1:])]
    assert steps and min(steps) > 0, "video timestamps must increase strictly"
    assert max(abs(step - 1 / push_media.FPS) for step in steps) < 0.0015, "constant frame rate, no gaps"
    gaps = [start - end for end, start in zip(recording.audio_ends, recording.audio_times[1:])]
    assert max(abs(gap) for gap in gaps) < 0.0015, "audio frames follow one another without gaps or overlaps"
    # Audio ends where video ends (within one AAC frame): nothing has drifted over the whole push.
    assert not ended_cleanly or abs(recording.audio_ends[-1] - (recording.frame_times[-1] + 1 / push_media.FPS)) < 0.025


def test_a_room_is_pushed_loop_after_loop_in_sync_and_picks_up_a_price_change(room, rtmp_server, tmp_path):
    destination = destination_make(room, rtmp_server)
    magenta = push_media.clip_make(tmp_path / "magenta.mp4", "magenta")
    mug = Variant.objects.get(sku="MUG-1")

    events = []

    def observe(slot):
        events.append(slot.segment_id)
        if len(events) == 2:  # while the second product plays, the first one's price changes
            Variant.objects.filter(pk=mug.pk).update(price=Decimal("19.00"))
        newest = LiveSegment.objects.filter(item__sku="MUG-1").order_by("-id").first()
        if newest.status == LiveSegment.Status.QUEUED and newest.price == "19.00":
            push_media.segment_cut_ready(newest, magenta)  # its render and cut, done

    stats = push.live_push_run(destination_id=destination.pk, realtime=False, max_slots=10, on_slot=observe)
    rtmp_server.stop()

    assert stats is not None and stats.reconnects == 0
    [recorded] = rtmp_server.recordings()
    assert recorded.name.startswith(STREAM_KEY)
    assert push_media.decode_errors(recorded) == ""
    recording = push_media.recording_read(recorded)
    assert_continuous(recording)
    order = push_media.products_in_order(recording.frame_colours)
    assert order[:6] == ["red", "green", "blue", "red", "green", "blue"], order
    # The price check at MUG-1's second slot queued a re-render; it plays from a later slot, in MUG-1's place.
    assert "magenta" in order and order.index("magenta") % 3 == 0, order
    assert "red" not in order[order.index("magenta") :], order
    offsets = push_media.marker_offsets(recording)
    assert len(offsets) >= 10
    # Measured: 0.1 ms at every marker (the AAC priming of each chunk is dropped, the rest is sample-exact).
    assert max(abs(offset) for offset in offsets) < 0.010, offsets
    assert max(offsets) - min(offsets) < 0.001, f"the offset must not grow from loop to loop: {offsets}"
    destination.refresh_from_db()
    assert (destination.state, destination.lease_owner, destination.lease_expires_at) == ("off", "", None)
    assert destination.seconds_on_air > 9


def test_the_push_reconnects_after_the_ingest_goes_away_mid_stream_and_stops_when_asked(room, rtmp_server):
    destination = destination_make(room, rtmp_server)
    started, stopped_at = [], []

    def observe(slot):
        started.append(slot.segment_id)
        if len(started) == 3:  # in real time, mid-stream: the ingest goes away and comes back 1.5 s later
            rtmp_server.stop()
            threading.Timer(1.5, rtmp_server.start).start()
        if len(started) == 8:
            push.live_destination_stop(destination=destination)
            stopped_at.append(time.monotonic())

    stats = push.live_push_run(destination_id=destination.pk, realtime=True, on_slot=observe)
    ended = time.monotonic()
    rtmp_server.stop()

    assert stats.reconnects >= 1
    assert ended - stopped_at[0] < 4, "a stop ends the stream within a second or two"
    first, *_, last = rtmp_server.recordings()
    assert first != last
    for path in (first, last):
        assert push_media.decode_errors(path) == ""
        assert_continuous(push_media.recording_read(path), ended_cleanly=path == last)
    # After the reconnection the rotation goes on in order.
    order = push_media.products_in_order(push_media.recording_read(last).frame_colours)
    cycle = ["red", "green", "blue"]
    start = cycle.index(order[0])
    assert order == [cycle[(start + n) % 3] for n in range(len(order))], order
    destination.refresh_from_db()
    assert destination.reconnects == stats.reconnects and destination.state == "off" and not destination.started
    assert "Broken pipe" in destination.last_error or "refused" in destination.last_error
    assert STREAM_KEY not in destination.last_error


def test_rtmps_is_pushed_over_tls_to_an_ingest_whose_certificate_is_trusted_only(room, rtmp_server, settings, tmp_path):
    front = TlsFront(tmp_path / "tls", rtmp_server.port)
    try:
        destination = push.live_destination_create(
            room=room, name="Secure", url=f"rtmps://localhost:{front.port}/live", stream_key=STREAM_KEY
        )
        LiveDestination.objects.filter(pk=destination.pk).update(started=True)
        # An unknown certificate (a man in the middle, as far as ffmpeg can tell) is refused before the key is sent.
        fmt, slot = push.stream_format(room), push.next_slot_after(room=room, position=None)[0]
        refused = pusher.push_loop(
            fmt=fmt,
            target=f"rtmps://localhost:{front.port}/live/{STREAM_KEY}",
            next_slot=lambda: slot,
            on_slot_started=lambda slot: None,
            keep_going=lambda stats: stats.reconnects == 0,
            heartbeat=lambda stats, state: None,
            heartbeat_seconds=1,
            backoff=pusher.Backoff(),
            realtime=False,
        )
        assert refused.reconnects == 1 and front.handshake_errors and rtmp_server.recordings() == []
        settings.LIVE_PUSH_CA_FILE = str(front.cert_path)
        stats = push.live_push_run(destination_id=destination.pk, realtime=False, max_slots=3)
    finally:
        front.close()
    rtmp_server.stop()
    assert stats.reconnects == 0
    [recorded] = rtmp_server.recordings()
    assert push_media.decode_errors(recorded) == ""
    assert push_media.products_in_order(push_media.recording_read(recorded).frame_colours)[:3] == [
        "red",
        "green",
        "blue",
    ]
