"""Live push without a network: the feed clock over 24 hours of segments (compressed time), schedules, stream key
encryption, the ingest URL's checks, the backoff, ffmpeg's progress lines, and the lease and its supervisor."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shop_video.live import services as live_services
from shop_video.live.push import dispatch, encoder, feed, pusher, schedule, secrets, services, validation
from shop_video.live.push.models import LiveDestination
from tests import factories

KEY = "live_1234567890abcdefXYZ"


# --- timestamps: 24 hours of segment boundaries without waiting 24 hours --------------------------------------


@pytest.mark.parametrize(("fps", "rate"), [(30, 48000), (30, 44100), (24, 44100), (25, 48000), (60, 44100)])
def test_audio_stays_on_video_for_24_hours_of_segments(fps, rate):
    """Segments of uneven lengths (their AAC ~7 ms longer than their video, as cut) one after another for a
    day: at every boundary the samples written match the frames written to within one sample."""
    clock = feed.FeedClock(fps=fps, sample_rate=rate)
    lengths = random.Random(fps * rate)
    worst, written = 0.0, 0.0
    while written < 24 * 3600:
        seconds = lengths.uniform(6.0, 40.0) + 0.007
        segment = clock.next_segment(seconds)
        assert segment.frames >= 1 and segment.samples > 0
        worst = max(worst, abs(clock.drift_seconds))
        written += segment.frames / fps
    assert clock.frames / fps >= 24 * 3600
    assert worst < 1 / rate, f"drift {worst * 1000:.4f} ms after 24 h"
    assert worst * 1000 < 40


def test_a_segment_gives_whole_frames_and_its_share_of_samples():
    clock = feed.FeedClock(fps=24, sample_rate=44100)
    assert [clock.next_segment(1 / 24) for _ in range(2)] == [feed.SegmentFeed(1, 1837), feed.SegmentFeed(1, 1838)]
    assert feed.FeedClock(fps=30, sample_rate=48000).next_segment(0.0) == feed.SegmentFeed(1, 1600)


# --- schedules -----------------------------------------------------------------------------------------------


def _at(hour, minute=0):
    return datetime(2026, 12, 6, hour, minute, tzinfo=UTC)


def test_schedules_in_the_rooms_time_zone_overnight_and_around_the_clock():
    shanghai = {"start": time(9), "end": time(23), "time_zone": "Asia/Shanghai"}  # UTC+8
    assert schedule.on_air_at(**shanghai, now=_at(1)) and schedule.on_air_at(**shanghai, now=_at(14, 59))
    assert not schedule.on_air_at(**shanghai, now=_at(15)) and not schedule.on_air_at(**shanghai, now=_at(0, 59))
    overnight = {"start": time(20), "end": time(2), "time_zone": "UTC"}
    assert schedule.on_air_at(**overnight, now=_at(23)) and schedule.on_air_at(**overnight, now=_at(1, 59))
    assert not schedule.on_air_at(**overnight, now=_at(2)) and not schedule.on_air_at(**overnight, now=_at(12))
    assert schedule.on_air_at(start=None, end=None, time_zone="UTC", now=_at(4))


# --- stream keys ---------------------------------------------------------------------------------------------


def test_stream_keys_are_encrypted_with_the_configured_or_derived_key(settings):
    token = secrets.stream_key_encrypt(KEY)
    assert KEY not in token and secrets.stream_key_decrypt(token) == KEY
    settings.SECRET_KEY = "another-secret-key-" * 4
    with pytest.raises(secrets.StreamKeyUnreadable, match="enter it again"):
        secrets.stream_key_decrypt(token)
    settings.LIVE_STREAM_KEY_SECRET = "pXdtJt0XnV1FZq5B7QyrdJQ0m0b2xYJbS9y3sC8cNxU="
    token = secrets.stream_key_encrypt(KEY)
    settings.SECRET_KEY = "yet-another-secret-key-" * 4
    assert secrets.stream_key_decrypt(token) == KEY  # independent of SECRET_KEY
    assert secrets.stream_key_hint(KEY) == "fXYZ" and secrets.stream_key_hint("short") == ""


# --- the edge ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/live", "must start with rtmp:// or rtmps://"),
        ("file:///etc/passwd", "must start with rtmp:// or rtmps://"),
        ("rtmp://user:pw@93.184.215.14/live", "no credentials"),
        ("rtmp://10.0.0.5/live", "not a public address"),
        ("rtmp://127.0.0.1:1935/live", "not a public address"),
        ("rtmps://[::ffff:169.254.169.254]/live", "not a public address"),
        ("rtmp://93.184.215.14:99999/live", "not a valid URL"),
        ("rtmp://" + "a" * 600, "keep it to 500"),
        ("", "Give the ingest URL"),
    ],
)
def test_ingest_urls_are_checked_at_the_edge(url, message):
    problems = validation.url_problems(url)
    assert problems and message in problems[0]


def test_public_ingests_pass_and_the_loopback_only_when_allowed(settings):
    assert validation.url_problems("rtmps://93.184.215.14:443/app") == []
    assert validation.url_problems("rtmp://localhost:1935/live") != []
    settings.LIVE_PUSH_ALLOW_LOOPBACK = True
    assert validation.url_problems("rtmp://127.0.0.1:1935/live") == []
    assert validation.url_problems("rtmp://10.0.0.5/live") != []  # private networks stay refused


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "Paste the stream key"), ("a/b", "characters no ingest uses"), ("a b", "characters"), ("k" * 301, "300")],
)
def test_stream_keys_are_bounded_and_cannot_change_the_url(key, message):
    problems = validation.destination_check(name="Douyin", url="rtmp://x", stream_key=key, resolve=False)
    assert any(message in problem for problem in problems), problems


def test_the_encoder_follows_the_ingest_guidance():
    fmt = encoder.StreamFormat(width=540, height=960, fps=30, sample_rate=44100)
    command = encoder.encoder_command(fmt, target="rtmp://h/app/k", audio_fd=5, realtime=True)
    joined = " ".join(command)
    assert "-g 60 -keyint_min 60 -sc_threshold 0" in joined and "-b:v 1500k -minrate 1500k -maxrate 1500k" in joined
    assert (
        "nal-hrd=cbr" in joined and "-c:a aac" in joined and "-ar 44100 -ac 2" in joined and command[-1].endswith("/k")
    )
    assert [encoder.video_bitrate_kbps(side) for side in (360, 540, 720, 1080)] == [800, 1500, 2500, 4500]


def test_progress_lines_give_the_bitrate_and_dropped_frames():
    stats = {}
    for line in ["frame=120", "bitrate=1502.3kbits/s", "drop_frames=3", "out_time_us=4000000", "progress=continue"]:
        ended = encoder.progress_parse(line, stats)
    assert ended and stats == {"frame": 120, "bitrate_kbps": 1502.3, "drop_frames": 3, "out_time_us": 4_000_000}
    assert not encoder.progress_parse("bitrate=N/A", stats) and stats["bitrate_kbps"] == 1502.3


def test_the_backoff_doubles_to_its_cap_and_resets_after_a_stable_connection():
    backoff = pusher.Backoff(first=1, maximum=20, stable_after=10)
    assert [backoff.next_wait() for _ in range(7)] == [1, 2, 4, 8, 16, 20, 20]
    backoff.connection_lasted(3)
    assert backoff.next_wait() == 20
    backoff.connection_lasted(30)
    assert backoff.next_wait() == 1


# --- destinations, the lease and the supervisor --------------------------------------------------------------


@pytest.fixture
def room(merchant, builtin_templates, sent_tasks, django_capture_on_commit_callbacks):
    factories.product_make(merchant=merchant, sku="MUG-1")
    with django_capture_on_commit_callbacks(execute=True):
        return live_services.live_room_create(
            merchant=merchant, name="Night shop", skus=["MUG-1"], template_slug="quick-bumper", short_side=64
        )


@pytest.fixture
def sent_pushes(monkeypatch):
    sent = []
    monkeypatch.setattr(dispatch, "push_send", lambda *, destination_id, token: sent.append((destination_id, token)))
    return sent


def _destination(room, **options):
    return services.live_destination_create(
        room=room, name=options.pop("name", "Douyin"), url="rtmps://93.184.215.14:443/live", stream_key=KEY, **options
    )


def test_a_destination_keeps_only_the_encrypted_key_and_refuses_bad_input(room):
    destination = _destination(room)
    stored = LiveDestination.objects.filter(pk=destination.pk).values()[0]
    assert KEY not in str(stored) and destination.stream_key_masked == "••••fXYZ"
    with pytest.raises(ValidationError) as refused:
        services.live_destination_create(
            room=room, name="Douyin", url="http://x", stream_key="", schedule_start=time(9), time_zone="Mars/Base"
        )
    text = " ".join(refused.value.messages)
    for expected in ("rtmp://", "Paste the stream key", "both the start and the end", "not a time zone", "already has"):
        assert expected in text


def test_the_supervisor_sends_a_due_push_once_and_again_when_its_lease_lapses(room, sent_pushes, settings):
    destination = _destination(room)
    assert services.live_pushes_supervise() == []  # not started
    services.live_destination_start(destination=destination)
    now = timezone.now()
    assert services.live_pushes_supervise(now=now) == [destination.pk]
    assert services.live_pushes_supervise(now=now + timedelta(seconds=5)) == []  # its message is on its way
    # The worker that took it died (a restart): nobody renews the lease, which lapses after LIVE_PUSH_LEASE_SECONDS.
    later = now + timedelta(seconds=settings.LIVE_PUSH_LEASE_SECONDS + 1)
    assert services.live_pushes_supervise(now=later) == [destination.pk]
    assert len(sent_pushes) == 2 and sent_pushes[0][1] != sent_pushes[1][1]


def test_outside_its_schedule_or_stopped_a_destination_is_not_pushed(room, sent_pushes):
    night = _destination(room, schedule_start=time(20), schedule_end=time(22), time_zone="UTC")
    services.live_destination_start(destination=night)
    assert services.live_pushes_supervise(now=_at(12)) == []
    assert services.live_pushes_supervise(now=_at(21)) == [night.pk]
    services.live_destination_stop(destination=night)
    LiveDestination.objects.filter(pk=night.pk).update(lease_expires_at=None, lease_owner="")
    assert services.live_pushes_supervise(now=_at(21)) == []


def test_a_push_runs_only_where_it_holds_the_lease(room, sent_pushes):
    destination = _destination(room)
    services.live_destination_start(destination=destination)
    LiveDestination.objects.filter(pk=destination.pk).update(
        lease_owner="worker:other", lease_expires_at=timezone.now() + timedelta(seconds=30)
    )
    assert services.live_push_run(destination_id=destination.pk, token="queued:stale") is None


def test_a_rooms_stream_format_follows_its_shape_and_short_side(room, settings):
    room.short_side, room.aspect_ratio = 540, "9:16"
    assert (services.stream_format(room).width, services.stream_format(room).height) == (540, 960)
    room.short_side, room.aspect_ratio = 1080, "16:9"
    fmt = services.stream_format(room)
    assert (fmt.width, fmt.height, fmt.video_kbps) == (1920, 1080, 4500)


def test_an_ingest_host_that_turned_private_is_refused_when_connecting(room, sent_pushes):
    destination = _destination(room)
    services.live_destination_start(destination=destination)
    LiveDestination.objects.filter(pk=destination.pk).update(url="rtmp://10.0.0.5/live")  # e.g. DNS rebinding
    assert services.live_push_run(destination_id=destination.pk) is None
    destination.refresh_from_db()
    assert destination.state == "retrying" and "not a public address" in destination.last_error
    assert destination.lease_owner == "" and destination.lease_expires_at > timezone.now()  # retried after a wait


def test_a_worker_shutting_down_gives_up_only_its_own_leases(room):
    mine, theirs = _destination(room, name="Mine"), _destination(room, name="Theirs")
    later = timezone.now() + timedelta(seconds=30)
    LiveDestination.objects.filter(pk=mine.pk).update(lease_owner="worker:celery@a:1f2e", lease_expires_at=later)
    LiveDestination.objects.filter(pk=theirs.pk).update(lease_owner="worker:celery@b:9a8b", lease_expires_at=later)
    assert services.live_push_leases_release(worker="celery@a") == 1
    assert LiveDestination.objects.get(pk=mine.pk).lease_expires_at is None
    assert LiveDestination.objects.get(pk=theirs.pk).lease_owner == "worker:celery@b:9a8b"


def test_a_stream_key_that_cannot_be_decrypted_is_reported_not_retried_in_a_loop(room, settings):
    destination = _destination(room)
    services.live_destination_start(destination=destination)
    settings.SECRET_KEY = "a-rotated-secret-key-" * 4
    assert services.live_push_run(destination_id=destination.pk) is None
    destination.refresh_from_db()
    assert "enter it again" in destination.last_error and destination.lease_expires_at > timezone.now()
