"""Sending live segment cuts (shop_video/queues.py). A broker that cannot be reached fails the segment with
that reason; the room keeps playing its other segments."""

from __future__ import annotations

from shop_video import queues


def segment_cut_send(*, segment_id: int) -> None:
    from shop_video.live.tasks import live_segment_cut

    queues.send(
        live_segment_cut, (segment_id,), queue=queues.RENDER, on_unreachable=lambda reason: _fail(segment_id, reason)
    )


def _fail(segment_id: int, reason: str) -> None:
    from shop_video.live.models import LiveSegment

    LiveSegment.objects.filter(pk=segment_id, status=LiveSegment.Status.QUEUED).update(
        status=LiveSegment.Status.FAILED, error=f"{reason}; check CELERY_BROKER_URL"
    )
