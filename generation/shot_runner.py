"""Running one shot on a worker: claim it, feed its engine, write the clip, hand over to the job."""

from __future__ import annotations

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from catalog.models import ProductImage
from generation import dispatch
from generation.assembly.clipio import write_clip
from generation.engines.base import EngineError, ShotCancelled, ShotRequest, ShotResult
from generation.engines.registry import engine_get
from generation.models import FINISHED_STATUSES, JobStage, JobStatus, RenderJob, Shot
from generation.presenter.shot_speech import presenter_shot_request
from generation.services.job_states import (
    DATABASE_UNREACHABLE,
    render_job_fail,
    render_job_progress_update,
    render_job_shot_finished,
)
from generation.services.render_jobs import shot_queue
from generation.shot_delivery import shot_delivery_offload
from shop_video.media import STORAGE_ERRORS, media_file_writer, media_token_for, private_name, private_storage
from shop_video.ops.shutdown import on_shot_heartbeat, shot_pass_on_if_worker_stops
from shop_video.scratch import scratch_path

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY_SECONDS = 1.0


def shot_clip_name(shot: Shot) -> str:
    # Private and not countable; the same name for every attempt at a shot, so a retry overwrites its clip.
    token = media_token_for(kind="shot", key=shot.pk)
    return private_name(merchant=shot.job.merchant, kind="shots", extension="mp4", token=token)


def shot_claim(*, shot_id: int) -> bool:
    """Take a queued shot. Zero rows means another delivery has it or it is finished: nothing to do."""
    now = timezone.now()
    return bool(
        Shot.objects.filter(pk=shot_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now, started_at=now, progress=0, error=""
        )
    )


def shot_run(*, shot_id: int) -> None:
    if shot_pass_on_if_worker_stops(shot_id=shot_id):  # a graceful shutdown (shop_video/ops/shutdown.py)
        return
    if not shot_claim(shot_id=shot_id):
        logger.info("shot %s is not queued any more; skipping this delivery", shot_id)
        return
    shot = Shot.objects.select_related("job__merchant", "job__brand_kit", "source_image").get(pk=shot_id)
    job = shot.job
    if job.status in FINISHED_STATUSES:
        Shot.objects.filter(pk=shot.pk).update(status=JobStatus.CANCELLED, finished_at=timezone.now())
        return
    RenderJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, stage=JobStage.SHOTS, started_at=timezone.now()
    )
    family = shot.parameters.get("family")
    # Names the scene: a refusal such as an over-long prompt points at the template field to change.
    label = (
        f"shot {shot.position + 1} (scene {shot.scene + 1}, {shot.engine}{' ' + family if family else ''}, "
        f"{shot.camera})"
    )
    try:
        request, extra_metadata = _request_for(shot)
        result = engine_get(shot.engine).generate(request, on_step=_Heartbeat(shot))
        _check_frames(result, shot)
        name = shot_clip_name(shot)
        if shot_delivery_offload(shot, result, name=name, label=label, metadata={**result.metadata, **extra_metadata}):
            return  # its delivery pool stores the clip and marks the shot while this worker takes the next one
        with media_file_writer(name, storage=private_storage) as tmp_path:
            # Shot clips are intermediates, re-encoded by the assembly: encode them as fast as x264 can, nearly
            # lossless (crf 16), so a worker's time goes to the engine.
            write_clip(result.frames, result.fps, tmp_path, preset="ultrafast")
    except ShotCancelled:
        logger.info("%s of job %s stopped: it is no longer running", label, job.pk)
        return
    except SoftTimeLimitExceeded:
        _shot_fail(
            shot,
            f"{label} took longer than the time limit (SHOT_HARD_TIME_LIMIT); shorten the scene or raise the limit",
        )
        return
    except DATABASE_UNREACHABLE:
        # A database restart or failover is not the shot's fault, and nothing can be recorded now: the shot stays
        # claimed, its heartbeat stops, and the reaper sends it again a lease later.
        logger.warning("%s of job %s stopped: the database went away; the reaper sends it again", label, job.pk)
        return
    except STORAGE_ERRORS as exc:  # the bucket, not the shot: try again while attempts remain
        logger.warning("%s of job %s: media storage failed: %s", label, job.pk, exc)
        _shot_retry_or_fail(shot, f"{label}: the media storage failed ({exc})")
        return
    except Exception as exc:  # any engine error fails the shot and its job, with the reason, never a hang
        logger.exception("%s of job %s failed", label, job.pk)
        _shot_fail(shot, f"{label} failed: {exc}")
        return
    done = Shot.objects.filter(pk=shot.pk, status=JobStatus.RUNNING, attempts=shot.attempts).update(
        status=JobStatus.SUCCEEDED,
        file=name,
        progress=100,
        finished_at=timezone.now(),
        metadata={**result.metadata, **extra_metadata},
    )
    if done:
        render_job_shot_finished(job_id=job.pk)


def _request_for(shot: Shot) -> tuple[ShotRequest, dict]:
    """The engine's request, and anything to record on the shot besides what the engine reports."""
    if "presenter_id" in shot.parameters:
        return presenter_shot_request(shot)
    image_path = None
    if shot.source_image is not None and shot.source_image.file:
        image_path = str(scratch_path(shot.source_image.file))
    end_image_path = None
    if end_image_id := shot.parameters.get("end_image_id"):
        end_image = ProductImage.objects.filter(pk=end_image_id, product__merchant_id=shot.job.merchant_id).first()
        if end_image is None or not end_image.file:
            raise EngineError(f"the end-frame photo (image {end_image_id}) was deleted; render the job again")
        end_image_path = str(scratch_path(end_image.file))
    return ShotRequest(
        width=shot.width,
        height=shot.height,
        fps=shot.fps,
        num_frames=shot.num_frames,
        image_path=image_path,
        end_image_path=end_image_path,
        prompt=shot.prompt,
        negative_prompt=shot.parameters.get("negative_prompt", ""),
        seed=shot.seed,
        camera=shot.camera,
        parameters={**shot.parameters, **_brand_parameters(shot)},
    ), {}


def _brand_parameters(shot: Shot) -> dict:
    """The job's brand colours (primary, secondary, accent), for engines that design a backdrop (motion). Read at
    run time, as the cards are, so a job rendered again picks up an edited kit."""
    kit = shot.job.brand_kit
    if kit is None:
        return {}
    return {"brand_colours": [kit.primary_colour, kit.secondary_colour, kit.accent_colour]}


def _check_frames(result: ShotResult, shot: Shot) -> None:
    expected = (shot.num_frames, shot.height, shot.width, 3)
    if tuple(result.frames.shape) != expected or str(result.frames.dtype) != "uint8":
        raise ValueError(
            f"the engine returned frames {tuple(result.frames.shape)} {result.frames.dtype}, expected {expected} uint8"
        )


def _shot_fail(shot: Shot, reason: str) -> None:
    Shot.objects.filter(pk=shot.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, error=reason, finished_at=timezone.now()
    )
    render_job_fail(job_id=shot.job_id, reason=reason)


def _shot_retry_or_fail(shot: Shot, reason: str) -> None:
    """Back to the queue (sent again now) while attempts remain, else fail with the reason: a shot is never marked
    done without its file."""
    if shot.attempts < settings.SHOT_MAX_ATTEMPTS and Shot.objects.filter(
        pk=shot.pk, status=JobStatus.RUNNING, attempts=shot.attempts
    ).update(status=JobStatus.QUEUED, progress=0, error=f"{reason}; retrying", heartbeat_at=timezone.now()):
        dispatch.shots_send_pending(shot_ids=[shot.pk], queue=shot_queue(shot))
        return
    _shot_fail(shot, f"{reason}; gave up after {shot.attempts} attempts")


class _Heartbeat:
    """The engine's on_step: at most once a second, record progress and a heartbeat. The UPDATE only matches
    a shot that is still running, so zero rows means it was cancelled or reaped: stop the engine."""

    def __init__(self, shot: Shot):
        self._shot = shot
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < HEARTBEAT_EVERY_SECONDS and done < total:
            return
        self._last = now
        progress = int(100 * done / max(total, 1))
        alive = Shot.objects.filter(pk=self._shot.pk, status=JobStatus.RUNNING, attempts=self._shot.attempts).update(
            progress=progress, heartbeat_at=timezone.now()
        )
        if not alive:
            raise ShotCancelled(f"shot {self._shot.pk} is no longer running")
        render_job_progress_update(job_id=self._shot.job_id)
        # Liveness, and a graceful shutdown: hands the shot back when the worker stops before it would finish
        on_shot_heartbeat(shot=self._shot, done=done, total=total)
