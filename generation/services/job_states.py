"""A render job's state after creation: failed or cancelled with a reason, its progress from its shots, the
assembly sent by the last shot to finish, and the reaper for work whose worker is gone. Every move is a
conditional UPDATE, so two deliveries, a cancel racing a finish or a reaper racing a slow worker cannot both win."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from generation import dispatch
from generation.models import FINISHED_STATUSES, JobStatus, RenderJob, Shot
from generation.services.payloads import render_job_event_emit
from generation.services.render_jobs import shot_queue

logger = logging.getLogger(__name__)


def render_job_fail(*, job_id: int, reason: str) -> bool:
    """Fail a job that is not finished yet, and its unfinished shots. False if it had already finished."""
    now = timezone.now()
    with transaction.atomic():
        failed = (
            RenderJob.objects.filter(pk=job_id)
            .exclude(status__in=FINISHED_STATUSES)
            .update(status=JobStatus.FAILED, error=reason, finished_at=now)
        )
        if failed:
            Shot.objects.filter(job_id=job_id).exclude(status__in=FINISHED_STATUSES).update(
                status=JobStatus.CANCELLED, error="the job failed", finished_at=now
            )
    if failed:
        logger.warning("render job %s failed: %s", job_id, reason)
        render_job_event_emit(job_id=job_id, event="render.failed")
    return bool(failed)


def render_job_cancel(*, job: RenderJob) -> bool:
    now = timezone.now()
    with transaction.atomic():
        cancelled = (
            RenderJob.objects.filter(pk=job.pk)
            .exclude(status__in=FINISHED_STATUSES)
            .update(status=JobStatus.CANCELLED, error="cancelled on request", finished_at=now)
        )
        if cancelled:
            Shot.objects.filter(job_id=job.pk).exclude(status__in=FINISHED_STATUSES).update(
                status=JobStatus.CANCELLED, finished_at=now
            )
    return bool(cancelled)


def render_job_progress_update(*, job_id: int) -> None:
    """Shots are 90% of a job's progress; assembly is the last 10%."""
    mean = Shot.objects.filter(job_id=job_id).aggregate(mean=Avg("progress"))["mean"] or 0
    RenderJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(progress=int(mean * 0.9))


def render_job_shot_finished(*, job_id: int) -> None:
    """After a shot succeeds: the last one to finish sends the assembly, exactly once (conditional UPDATE)."""
    render_job_progress_update(job_id=job_id)
    if Shot.objects.filter(job_id=job_id).exclude(status=JobStatus.SUCCEEDED).exists():
        return
    claimed = RenderJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, assembly_queued_at__isnull=True).update(
        assembly_queued_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if claimed:
        transaction.on_commit(lambda: dispatch.assembly_send(job_id=job_id))


def render_jobs_reap_stale() -> dict[str, int]:
    """Find work whose worker is gone (no heartbeat for SHOT_LEASE_SECONDS): send it again while attempts
    remain, else fail its job with the reason. Safe to run anywhere, any number of times."""
    stale_before = timezone.now() - timedelta(seconds=settings.SHOT_LEASE_SECONDS)
    requeued = failed = 0
    for shot in Shot.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before).select_related("job"):
        if shot.attempts < settings.SHOT_MAX_ATTEMPTS:
            # Conditional on the heartbeat we saw, so a shot that just woke up is left alone.
            if Shot.objects.filter(pk=shot.pk, status=JobStatus.RUNNING, heartbeat_at=shot.heartbeat_at).update(
                status=JobStatus.QUEUED, progress=0
            ):
                dispatch.shots_send(shot_ids=[shot.pk], queue=shot_queue(shot))
                requeued += 1
        else:
            failed += render_job_fail(
                job_id=shot.job_id,
                reason=(
                    f"shot {shot.position + 1} lost its worker {shot.attempts} times (no heartbeat since "
                    f"{shot.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC); the worker was stopped or ran out of memory"
                ),
            )
    stale_jobs = RenderJob.objects.filter(
        status=JobStatus.RUNNING, assembly_queued_at__isnull=False, heartbeat_at__lt=stale_before
    )
    for job in stale_jobs:
        if job.attempts < settings.SHOT_MAX_ATTEMPTS:
            if RenderJob.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at).update(heartbeat_at=timezone.now()):
                dispatch.assembly_send(job_id=job.pk)
                requeued += 1
        else:
            failed += render_job_fail(
                job_id=job.pk,
                reason=(f"assembly lost its worker {job.attempts} times; the worker was stopped or ran out of memory"),
            )
    return {"requeued": requeued, "failed": failed}
