"""Sending generation work to the queues. A broker that cannot be reached fails the job with that reason
instead of leaving it queued forever."""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

RENDER_QUEUE = "render"


def shots_send(*, shot_ids: list[int], queue: str) -> None:
    from generation.tasks import shot_render

    for shot_id in shot_ids:
        try:
            shot_render.apply_async((shot_id,), queue=queue)
        except OperationalError as exc:
            _fail_for_shot(shot_id, f"the task queue could not be reached ({exc}); check CELERY_BROKER_URL")
            return


def assembly_send(*, job_id: int) -> None:
    from generation.services import render_job_fail
    from generation.tasks import render_job_assemble

    try:
        render_job_assemble.apply_async((job_id,), queue=RENDER_QUEUE)
    except OperationalError as exc:
        render_job_fail(job_id=job_id, reason=f"the task queue could not be reached ({exc}); check CELERY_BROKER_URL")


def _fail_for_shot(shot_id: int, reason: str) -> None:
    from generation.models import Shot
    from generation.services import render_job_fail

    job_id = Shot.objects.filter(pk=shot_id).values_list("job_id", flat=True).first()
    if job_id is not None:
        render_job_fail(job_id=job_id, reason=reason)
