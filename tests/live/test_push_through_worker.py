"""A push survives its worker: a real Celery worker pushes a room to the loopback RTMP server and is restarted
(SIGTERM: it gives its lease up and exits at once; the next worker takes the push straight away), then killed
(SIGKILL, its ffmpeg with it: the next worker resumes the push once the lease lapses, plus a supervisor beat)."""

from __future__ import annotations

import signal
import time

import pytest

from shop_video.live import services as live_services
from shop_video.live.models import LiveSegment
from shop_video.live.push import services as push
from shop_video.live.push.models import LiveDestination
from tests import factories
from tests.e2e.conftest import _broker_available  # noqa: F401  (skip without a broker, as every e2e test)
from tests.e2e.worker import celery_worker, queues_purge, wait_for, worker_kill
from tests.live import push_media
from tests.rtmp_server import rtmp_server_fixture  # noqa: F401  (the rtmp_server fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LEASE = 5
WORKER_ENV = {
    "LIVE_PUSH_ALLOW_LOOPBACK": "true",
    "LIVE_PUSH_FPS": str(push_media.FPS),
    "LIVE_PUSH_X264_PRESET": "ultrafast",
    "LIVE_PUSH_LEASE_SECONDS": str(LEASE),
}


def _on_air(destination_id: int, recordings_before: int, server) -> bool:
    destination = LiveDestination.objects.get(pk=destination_id)
    return destination.state == "on_air" and len(server.recordings()) > recordings_before


def test_a_restarted_or_killed_workers_push_is_resumed_by_the_next_worker_within_seconds(
    merchant, builtin_templates, sent_tasks, rtmp_server, settings, tmp_path
):
    settings.LIVE_PUSH_ALLOW_LOOPBACK, settings.LIVE_PUSH_LEASE_SECONDS = True, LEASE
    factories.product_make(merchant=merchant, sku="MUG-1")
    room = live_services.live_room_create(
        merchant=merchant, name="Night shop", skus=["MUG-1"], template_slug="quick-bumper", short_side=64
    )
    push_media.segment_cut_ready(
        LiveSegment.objects.get(item__room=room), push_media.clip_make(tmp_path / "red.mp4", "red", seconds=2.0)
    )
    destination = push.live_destination_create(
        room=room, name="Platform", url=rtmp_server.url, stream_key="live_1234567890abcdef"
    )
    LiveDestination.objects.filter(pk=destination.pk).update(started=True)
    queues_purge()

    with celery_worker(tmp_path / "worker-1.log", env=WORKER_ENV) as first:
        assert push.live_pushes_supervise() == [destination.pk]  # what beat does every 5 s
        wait_for(lambda: _on_air(destination.pk, 0, rtmp_server), timeout=60, what="the first worker on air")
        # A restart (SIGTERM, a warm shutdown): the worker gives its lease up and its push ends, so it exits at once
        # instead of waiting for a push that never finishes.
        asked = time.monotonic()
        worker_kill(first, sig=signal.SIGTERM)
        assert first.returncode == 0 and time.monotonic() - asked < 15, "the worker did not stop by itself"
    assert LiveDestination.objects.get(pk=destination.pk).lease_owner == ""

    with celery_worker(tmp_path / "worker-2.log", env=WORKER_ENV) as second:
        recordings = len(rtmp_server.recordings())
        assert push.live_pushes_supervise() == [destination.pk]  # the released lease: sent again at once
        wait_for(lambda: _on_air(destination.pk, recordings, rtmp_server), timeout=60, what="the second worker on air")
        worker_kill(second)  # SIGKILL: no clean-up, the lease is left to lapse
    recordings = len(rtmp_server.recordings())

    with celery_worker(tmp_path / "worker-3.log", env=WORKER_ENV):
        started = time.monotonic()

        def resumed() -> bool:
            push.live_pushes_supervise()
            return _on_air(destination.pk, recordings, rtmp_server)

        wait_for(resumed, timeout=60, what="the third worker on air", log_path=tmp_path / "worker-3.log")
        # The lease lapses (5 s here, 15 s by default) while the worker starts; the next beat sends the push.
        resumed_after = time.monotonic() - started
        assert resumed_after < LEASE + 6, f"resumed {resumed_after:.1f} s after the worker was ready"
        push.live_destination_stop(destination=destination)
        wait_for(
            lambda: LiveDestination.objects.get(pk=destination.pk).lease_owner == "",
            timeout=15,
            what="the push to stop and release its lease",
        )
    destination.refresh_from_db()
    assert destination.state == "off" and destination.seconds_on_air > 0
