"""Thin Celery tasks of live rooms: ids in, a service call."""

from celery import shared_task
from django.conf import settings

from shop_video.live import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.ASSEMBLY_HARD_TIME_LIMIT,
    soft_time_limit=int(settings.ASSEMBLY_HARD_TIME_LIMIT * 0.9),
)
def live_segment_cut(segment_id: int) -> None:
    services.live_segment_cut(segment_id=segment_id)


# The push's tasks live in shop_video/live/push/tasks.py; Celery's autodiscovery imports only this module.
from shop_video.live.push.tasks import live_push, live_push_supervise  # noqa: E402, F401
