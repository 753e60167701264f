"""Sending generation work to the queues (shop_video/queues.py). A broker that cannot be reached fails the job
with that reason instead of leaving it queued for ever."""

from __future__ import annotations

from shop_video import queues


def shots_send(*, shot_ids: list[int], queue: str) -> None:
    """One shot_render task per shot on its engine's queue; the first that cannot be sent fails the job."""
    from generation.tasks import shot_render

    for shot_id in shot_ids:
        if not queues.send(
            shot_render,
            (shot_id,),
            queue=queue,
            on_unreachable=lambda reason, shot_id=shot_id: _fail_for_shot(shot_id, reason),
        ):
            return


# Work whose row already says it is due (a queued shot, a job with assembly_queued_at): when the broker cannot be
# reached it stays due, and the reaper sends it a lease later; a broker restart never fails a job.
_PENDING = queues.Resend(by="render_jobs_reap_stale")


def shots_send_pending(*, shot_ids: list[int], queue: str) -> None:
    """The reaper's resends: shots that are queued rows already."""
    from generation.tasks import shot_render

    for shot_id in shot_ids:
        if not queues.send(shot_render, (shot_id,), queue=queue, on_unreachable=_PENDING):
            return


def assembly_send(*, job_id: int) -> None:
    """The assembly of a job that records it as due (assembly_queued_at: sent by its last shot, or again by the
    reaper). A broker that cannot be reached leaves it due, and the reaper sends it a lease later."""
    from generation.tasks import render_job_assemble

    queues.send(render_job_assemble, (job_id,), queue=queues.RENDER, on_unreachable=_PENDING)


def _fail_for_shot(shot_id: int, reason: str) -> None:
    from generation.models import Shot

    job_id = Shot.objects.filter(pk=shot_id).values_list("job_id", flat=True).first()
    if job_id is not None:
        _fail(job_id, reason)


def _fail(job_id: int, reason: str) -> None:
    from generation.services.job_states import render_job_fail

    render_job_fail(job_id=job_id, reason=f"{reason}; check CELERY_BROKER_URL")
