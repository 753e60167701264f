"""Thin Celery tasks of live pushes. A push runs for as long as its destination is on air (hours, days), so it
has no time limit and is acknowledged on receipt: a worker that dies stops renewing its lease, and the supervisor
sends the push again within a lease (LIVE_PUSH_LEASE_SECONDS), instead of the broker redelivering it. A worker
that is asked to stop (a restart: SIGTERM) gives its leases up first, so its pushes end within a second and the
supervisor hands them to another worker at its next beat, instead of the warm shutdown waiting for them forever."""

from celery import shared_task
from celery.signals import worker_shutting_down

from shop_video.live.push import services


@shared_task(bind=True, acks_late=False, time_limit=None, soft_time_limit=None, ignore_result=True)
def live_push(self, destination_id: int, token: str) -> None:
    services.live_push_run(destination_id=destination_id, token=token, worker=self.request.hostname or "")


@shared_task(ignore_result=True)
def live_push_supervise() -> None:
    services.live_pushes_supervise()


@worker_shutting_down.connect
def live_push_leases_release(sender=None, **kwargs) -> None:
    services.live_push_leases_release(worker=str(sender or ""))
