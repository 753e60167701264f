"""Thin Celery tasks of live pushes. A push runs for as long as its destination is on air (hours, days), so it
has no time limit and is acknowledged on receipt: a worker that dies stops renewing its lease, and the supervisor
sends the push again within a lease (LIVE_PUSH_LEASE_SECONDS), instead of the broker redelivering it."""

from celery import shared_task

from shop_video.live.push import services


@shared_task(acks_late=False, time_limit=None, soft_time_limit=None, ignore_result=True)
def live_push(destination_id: int, token: str) -> None:
    services.live_push_run(destination_id=destination_id, token=token)


@shared_task(ignore_result=True)
def live_push_supervise() -> None:
    services.live_pushes_supervise()
