"""Assembling a job: its finished shots and the template's cards become one rendition per aspect ratio, each with
a poster, an animated preview and caption sidecars."""

from __future__ import annotations

import logging
import os

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from generation import dispatch
from generation.assembly.captions import srt_text, webvtt_text
from generation.assembly.job_timeline import timeline_for_job
from generation.assembly.preview import write_animated_preview, write_poster
from generation.assembly.quality import quality_report
from generation.assembly.render import render_timeline
from generation.assembly.stage_report import AssemblyStageReporter, AssemblyStopped
from generation.assembly.timeline import ShotClip, Timeline
from generation.models import JobStage, JobStatus, RenderJob, Rendition
from generation.provenance.publishing import (
    manifest_sidecar_name,
    provenance_summary,
    rendition_content_id,
    rendition_provenance,
    still_publish,
    video_publish,
)
from generation.services.job_states import DATABASE_UNREACHABLE, render_job_fail
from generation.services.payloads import render_job_event_emit
from shop_video.media import STORAGE_ERRORS, media_file_writer, rendition_folder

logger = logging.getLogger(__name__)


def rendition_name(job: RenderJob, aspect_ratio: str, suffix: str) -> str:
    return f"{rendition_folder(job=job)}/{aspect_ratio.replace(':', 'x')}{suffix}"


def render_job_assemble(*, job_id: int) -> None:
    claimed = RenderJob.objects.filter(
        pk=job_id,
        status=JobStatus.RUNNING,
        assembly_queued_at__isnull=False,
        attempts__lt=settings.SHOT_MAX_ATTEMPTS,
    ).update(
        attempts=F("attempts") + 1,
        heartbeat_at=timezone.now(),
        assembly_started_at=timezone.now(),
        stage=JobStage.ASSEMBLING,
        stage_progress=0,
    )
    if not claimed:
        logger.info("render job %s is not waiting for assembly; skipping this delivery", job_id)
        return
    job = RenderJob.objects.select_related("merchant", "product", "variant", "brand_kit").get(pk=job_id)
    aspect_ratio = "?"
    # Each stage report is also the heartbeat, and finds a job cancelled meanwhile (AssemblyStopped).
    reporter = AssemblyStageReporter(job=job)
    try:
        for aspect_ratio in job.aspect_ratios:
            reporter.stage(JobStage.ASSEMBLING, aspect_ratio=aspect_ratio)
            timeline = timeline_for_job(job, aspect_ratio)
            _rendition_write(job, aspect_ratio, timeline, reporter=reporter)
    except AssemblyStopped:
        logger.info("assembly of render job %s stopped: the job is no longer running", job_id)
        return
    except SoftTimeLimitExceeded:
        render_job_fail(
            job_id=job_id,
            reason=f"assembling the {aspect_ratio} rendition took longer than the time "
            "limit (ASSEMBLY_HARD_TIME_LIMIT); shorten the video or raise the limit",
        )
        return
    except DATABASE_UNREACHABLE:
        # Not the assembly's fault: the job stays claimed and the reaper sends its assembly again a lease later.
        logger.warning("assembly of render job %s stopped: the database went away; the reaper sends it again", job_id)
        return
    except STORAGE_ERRORS as exc:  # the bucket, not the job: assemble again while attempts remain
        reason = f"assembling the {aspect_ratio} rendition failed: the media storage failed ({exc})"
        if job.attempts < settings.SHOT_MAX_ATTEMPTS:
            logger.warning("render job %s: %s; sending its assembly again", job_id, reason)
            dispatch.assembly_send(job_id=job_id)
        else:
            render_job_fail(job_id=job_id, reason=reason)
        return
    except Exception as exc:  # a failed encode fails the job with its reason, never leaves it running
        logger.exception("assembly of render job %s failed", job_id)
        render_job_fail(job_id=job_id, reason=f"assembling the {aspect_ratio} rendition failed: {exc}")
        return
    # One transaction: a database lost between the two would leave a succeeded job whose event was never sent.
    with transaction.atomic():
        succeeded = RenderJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.SUCCEEDED, progress=100, stage=JobStage.DONE, finished_at=timezone.now()
        )
        if succeeded:
            with transaction.atomic():  # a savepoint: an event that cannot be recorded never undoes the success
                render_job_event_emit(job_id=job.pk, event="render.succeeded")


def _rendition_write(job: RenderJob, aspect_ratio: str, timeline: Timeline, *, reporter: AssemblyStageReporter) -> None:
    names = {kind: rendition_name(job, aspect_ratio, suffix) for kind, suffix in RENDITION_FILES.items()}
    # Publish time: every file is labelled and signed before it gets its final name (generation/provenance).
    provenance = rendition_provenance(job, aspect_ratio, timeline)
    signed = {"content_id": rendition_content_id(job, aspect_ratio), "provenance": provenance}
    with media_file_writer(names["file"]) as tmp_video:
        reporter.stage(JobStage.ENCODING, aspect_ratio=aspect_ratio)
        render_timeline(
            timeline,
            tmp_video,
            crf=settings.RENDER_X264_CRF,
            preset=settings.RENDER_X264_PRESET,
            on_frame=reporter.encoded,
        )
        reporter.stage(JobStage.FINISHING, aspect_ratio=aspect_ratio)
        manifest = video_publish(path=tmp_video, title=os.path.basename(names["file"]), **signed)
        with media_file_writer(manifest_sidecar_name(names["file"])) as tmp_manifest:
            tmp_manifest.write_bytes(manifest)
        with media_file_writer(names["poster"]) as tmp_poster, media_file_writer(names["preview"]) as tmp_preview:
            write_poster(tmp_video, tmp_poster, at=_poster_time(timeline))
            still_publish(path=tmp_poster, title=os.path.basename(names["poster"]), **signed)
            write_animated_preview(tmp_video, tmp_preview, start=_preview_start(timeline))
            still_publish(path=tmp_preview, title=os.path.basename(names["preview"]), **signed)
            # Read back as anyone will read them (the signed bytes they get): what a C2PA reader sees in each.
            files = {"video": tmp_video, "poster": tmp_poster, "preview": tmp_preview}
            summary = provenance_summary(provenance, content_id=signed["content_id"], files=files)
        if timeline.captions:  # no captions in the template: no empty sidecars either
            for kind, text in (
                ("captions_srt", srt_text(timeline.captions)),
                ("captions_vtt", webvtt_text(timeline.captions)),
            ):
                with media_file_writer(names[kind]) as tmp_captions:
                    tmp_captions.write_text(text, encoding="utf-8")
        else:
            names["captions_srt"] = names["captions_vtt"] = ""
        size_bytes = os.path.getsize(tmp_video)
        quality = _quality(timeline, tmp_video)
    Rendition.objects.update_or_create(
        job=job,
        aspect_ratio=aspect_ratio,
        defaults={
            **names,
            "width": timeline.width,
            "height": timeline.height,
            "duration": timeline.duration,
            "size_bytes": size_bytes,
            "quality": quality,
            "ai_generated": provenance.ai_generated,
            "provenance": summary,
        },
    )


def _quality(timeline: Timeline, video_path) -> dict:
    """The rendition's quality report. Measuring is not delivering: a report that cannot be made is logged and
    stored as its error, and the video is delivered all the same."""
    try:
        return quality_report(timeline, video_path)
    except Exception as exc:
        logger.exception("the quality report of a %sx%s rendition failed", timeline.width, timeline.height)
        return {"error": str(exc) or type(exc).__name__}


RENDITION_FILES = {
    "file": ".mp4",
    "poster": "-poster.jpg",
    "preview": "-preview.webp",
    "captions_srt": ".srt",
    "captions_vtt": ".vtt",
}


def _poster_time(timeline: Timeline) -> float:
    """The middle of the first product shot: the product, not the intro card."""
    for start, segment in zip(timeline.starts(), timeline.segments):
        if isinstance(segment.content, ShotClip):
            return start + segment.duration / 2
    return timeline.duration / 2


def _preview_start(timeline: Timeline) -> float:
    """The preview loops the first product shot (what the product looks like in motion), from the end of its
    entrance so the loop does not begin on the intro fading out."""
    for start, segment in zip(timeline.starts(), timeline.segments):
        if isinstance(segment.content, ShotClip):
            return start + segment.transition.duration
    return 0.0
