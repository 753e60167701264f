"""A render job's state after creation: failed or cancelled with a reason, its progress from its shots, the
assembly sent by the last shot to finish, and the reaper for work whose worker is gone. Every move is a
conditional UPDATE, so two deliveries, a cancel racing a finish or a reaper racing a slow worker cannot both win."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Avg, Exists, Max, OuterRef, Q
from django.utils import timezone

from generation import dispatch
from generation.models import FINISHED_STATUSES, JobStage, JobStatus, RenderJob, Shot
from generation.services.payloads import render_job_event_emit
from generation.services.render_jobs import shot_queue

logger = logging.getLogger(__name__)

# The database went away (a restart, a failover, a cut connection): no fault of the work in hand. Workers leave it
# claimed and stop; the reaper finds it a lease later.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


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
            # In the same transaction: a failed job always has its event (its deliveries are queued on commit).
            # Its own savepoint: an event that cannot be recorded is logged and never keeps the job from failing.
            with transaction.atomic():
                render_job_event_emit(job_id=job_id, event="render.failed")
    if failed:
        logger.warning("render job %s failed: %s", job_id, reason)
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
        assembly_queued_at=timezone.now(), heartbeat_at=timezone.now(), stage=JobStage.ASSEMBLING, stage_progress=0
    )
    if claimed:
        transaction.on_commit(lambda: dispatch.assembly_send(job_id=job_id))


def render_jobs_reap_stale() -> dict[str, int]:
    """Find work whose worker is gone (no heartbeat for SHOT_LEASE_SECONDS): send it again while attempts
    remain, else fail its job with the reason; and queued shots whose message was lost (_lost_messages_resend).
    Safe to run anywhere, any number of times."""
    stale_before = timezone.now() - timedelta(seconds=settings.SHOT_LEASE_SECONDS)
    requeued = failed = 0
    for shot in Shot.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=stale_before).select_related("job"):
        if shot.attempts < settings.SHOT_MAX_ATTEMPTS:
            # Conditional on the heartbeat we saw, so a shot that just woke up is left alone. A queued shot's
            # heartbeat_at is when its message was sent (the lease on the claim, see _lost_messages_resend).
            if Shot.objects.filter(pk=shot.pk, status=JobStatus.RUNNING, heartbeat_at=shot.heartbeat_at).update(
                status=JobStatus.QUEUED, progress=0, heartbeat_at=timezone.now()
            ):
                dispatch.shots_send_pending(shot_ids=[shot.pk], queue=shot_queue(shot))
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
    requeued += _lost_messages_resend(stale_before=stale_before) + _unsent_assemblies_send(stale_before=stale_before)
    return {"requeued": requeued, "failed": failed}


def _unsent_assemblies_send(*, stale_before) -> int:
    """A job whose shots all succeeded a lease ago but whose assembly was never sent: its last shot's worker lost
    the database between recording the shot and claiming the assembly. Hand over as that shot would have."""
    unfinished_shot = Shot.objects.filter(job=OuterRef("pk")).exclude(status=JobStatus.SUCCEEDED)
    orphans = (
        RenderJob.objects.filter(status=JobStatus.RUNNING, assembly_queued_at__isnull=True)
        .exclude(Exists(unfinished_shot))
        .annotate(last_shot_at=Max("shots__finished_at"))
        .filter(last_shot_at__lt=stale_before)
        .values_list("pk", flat=True)
    )
    sent = 0
    for job_id in orphans:
        with transaction.atomic():  # on_commit: the assembly is sent once the claim is saved
            render_job_shot_finished(job_id=job_id)
        sent += 1
    return sent


def _lost_messages_resend(*, stale_before) -> int:
    """Close the gap between the broker and the claim: a message can vanish while its shot is still queued (the
    filesystem broker deletes it when a worker reads it, and that worker is killed before the claim; a Redis
    without persistence restarts). Nothing would ever run that shot. A queued shot whose message was sent more
    than a lease ago (heartbeat_at: set when the reaper sends it; the job's creation for the first send) is sent
    again, but only once no shot of its queue has been claimed or heartbeat within the lease: a busy queue's shots
    are merely waiting their turn, and re-sending them would only pile up duplicates (so a lost message behind a
    long backlog is found when the backlog drains). A duplicate that does arrive loses the claim and is dropped,
    so a resend can never run a shot twice. A broker that cannot be reached leaves the shot queued for the next
    round (dispatch.shots_send_pending)."""
    waiting = list(
        Shot.objects.filter(status=JobStatus.QUEUED, job__status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
        .filter(Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, job__created_at__lt=stale_before))
        .select_related("job")
    )
    if not waiting:
        return 0
    # A queue showed life if a shot of it was claimed, or heartbeat, within the lease: messages are flowing.
    busy_queues = {
        shot_queue(shot)
        for shot in Shot.objects.filter(
            Q(started_at__gte=stale_before) | Q(status=JobStatus.RUNNING, heartbeat_at__gte=stale_before)
        ).only("engine", "parameters")
    }
    resent = 0
    for shot in waiting:
        queue = shot_queue(shot)
        if queue in busy_queues:
            continue
        # Conditional on the send time we saw, so two reapers never both send it.
        if Shot.objects.filter(pk=shot.pk, status=JobStatus.QUEUED, heartbeat_at=shot.heartbeat_at).update(
            heartbeat_at=timezone.now()
        ):
            logger.warning(
                "shot %s of render job %s is still queued a lease after its message was sent, and queue %s is "
                "idle: its message was lost between the broker and a worker; sending it again",
                shot.pk,
                shot.job_id,
                queue,
            )
            dispatch.shots_send_pending(shot_ids=[shot.pk], queue=queue)
            resent += 1
    return resent
