"""Thin Celery tasks: ids in, a service call, nothing else. States and reasons are the services' business."""

from celery import shared_task
from django.conf import settings

from generation.assembly.assemble import render_job_assemble as assemble_service
from generation.services.job_states import render_jobs_reap_stale as reap_service
from generation.shot_runner import shot_run

# Long queues: ack after the work, give the message back if the worker dies, soft limit at 0.9 x hard.
_LONG_TASK = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(
    **_LONG_TASK, time_limit=settings.SHOT_HARD_TIME_LIMIT, soft_time_limit=int(settings.SHOT_HARD_TIME_LIMIT * 0.9)
)
def shot_render(shot_id: int) -> None:
    shot_run(shot_id=shot_id)


@shared_task(
    **_LONG_TASK,
    time_limit=settings.ASSEMBLY_HARD_TIME_LIMIT,
    soft_time_limit=int(settings.ASSEMBLY_HARD_TIME_LIMIT * 0.9),
)
def render_job_assemble(job_id: int) -> None:
    assemble_service(job_id=job_id)


@shared_task
def render_jobs_reap_stale() -> dict:
    return reap_service()
