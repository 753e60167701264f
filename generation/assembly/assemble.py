"""Assembling a job: its finished shots become one rendition per aspect ratio, each with a poster."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from catalog.money import price_format
from generation.assembly.fonts import title_font
from generation.assembly.render import render_timeline, write_poster
from generation.assembly.timeline import ClipSegment, Timeline, TitleCard, rendition_size
from generation.models import JobStatus, RenderJob, Rendition
from generation.services import render_job_event_emit, render_job_fail
from generation.template_spec import ProductShotsScene, TitleScene, template_spec_parse
from shop_video.media import media_file_writer, media_local_path

logger = logging.getLogger(__name__)


def rendition_name(job: RenderJob, aspect_ratio: str, suffix: str) -> str:
    return f"renders/{job.merchant.slug}/{job.pk}/{aspect_ratio.replace(':', 'x')}{suffix}"


def render_job_assemble(*, job_id: int) -> None:
    claimed = RenderJob.objects.filter(
        pk=job_id, status=JobStatus.RUNNING, assembly_queued_at__isnull=False,
        attempts__lt=settings.SHOT_MAX_ATTEMPTS,
    ).update(attempts=F("attempts") + 1, heartbeat_at=timezone.now())
    if not claimed:
        logger.info("render job %s is not waiting for assembly; skipping this delivery", job_id)
        return
    job = RenderJob.objects.select_related("merchant", "product", "variant", "brand_kit").get(pk=job_id)
    aspect_ratio = "?"
    try:
        for index, aspect_ratio in enumerate(job.aspect_ratios):
            timeline = timeline_for_job(job, aspect_ratio)
            _rendition_write(job, aspect_ratio, timeline)
            # Still running (not cancelled meanwhile)? Then record progress and a heartbeat for the reaper.
            still_running = RenderJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                progress=90 + int(10 * (index + 1) / len(job.aspect_ratios)) - 1, heartbeat_at=timezone.now())
            if not still_running:
                return
    except SoftTimeLimitExceeded:
        render_job_fail(job_id=job_id, reason=f"assembling the {aspect_ratio} rendition took longer than the time "
                                              "limit (ASSEMBLY_HARD_TIME_LIMIT); shorten the video or raise the limit")
        return
    except Exception as exc:  # a failed encode fails the job with its reason, never leaves it running
        logger.exception("assembly of render job %s failed", job_id)
        render_job_fail(job_id=job_id, reason=f"assembling the {aspect_ratio} rendition failed: {exc}")
        return
    succeeded = RenderJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED, progress=100, finished_at=timezone.now())
    if succeeded:
        render_job_event_emit(job_id=job.pk, event="render.succeeded")


def timeline_for_job(job: RenderJob, aspect_ratio: str) -> Timeline:
    """The job's scenes in order: title cards from the product, product-shot scenes from their shot clips."""
    spec = template_spec_parse(job.template_spec, fps=job.fps)
    width, height = rendition_size(aspect_ratio, job.short_side)
    kit = job.brand_kit
    background, foreground = (kit.primary_colour, kit.secondary_colour) if kit else ("#111111", "#ffffff")
    price = price_format(job.variant.price, job.variant.currency) if job.variant else ""
    shots = _shots_for(job, aspect_ratio)
    segments: list[TitleCard | ClipSegment] = []
    for scene_index, scene in enumerate(spec.scenes):
        if isinstance(scene, TitleScene):
            segments.append(TitleCard(title=job.product.title, subtitle=price, duration=scene.frames / spec.fps,
                                      background=background, foreground=foreground))
        elif isinstance(scene, ProductShotsScene):
            segments.extend(ClipSegment(path=str(media_local_path(shot.file.name)), duration=shot.duration)
                            for shot in shots if shot.scene == scene_index)
    music = str(media_local_path(kit.music.name)) if kit and kit.music else None
    return Timeline(width=width, height=height, fps=spec.fps, segments=tuple(segments), music_path=music)


def _shots_for(job: RenderJob, aspect_ratio: str) -> list:
    """This aspect ratio's own shots if it has them, else the job's master shots (reframed by the renderer)."""
    shots = list(job.shots.filter(aspect_ratio=aspect_ratio).order_by("position"))
    return shots or list(job.shots.filter(aspect_ratio=job.aspect_ratios[0]).order_by("position"))


def _rendition_write(job: RenderJob, aspect_ratio: str, timeline: Timeline) -> None:
    video_name = rendition_name(job, aspect_ratio, ".mp4")
    poster_name = rendition_name(job, aspect_ratio, "-poster.jpg")
    with media_file_writer(video_name) as tmp_video:
        render_timeline(timeline, tmp_video, crf=settings.RENDER_X264_CRF, preset=settings.RENDER_X264_PRESET,
                        font_path=_font_for(job))
        with media_file_writer(poster_name) as tmp_poster:
            write_poster(tmp_video, tmp_poster, at=_poster_time(timeline))
        size_bytes = os.path.getsize(tmp_video)
    Rendition.objects.update_or_create(job=job, aspect_ratio=aspect_ratio, defaults={
        "file": video_name, "poster": poster_name, "width": timeline.width, "height": timeline.height,
        "duration": timeline.duration, "size_bytes": size_bytes,
    })


def _font_for(job: RenderJob) -> Path:
    kit = job.brand_kit
    brand_font = media_local_path(kit.font.name) if kit and kit.font else None
    return title_font(job.product.title, brand_font=brand_font)


def _poster_time(timeline: Timeline) -> float:
    """The middle of the first product shot: the product, not the title card."""
    for start, segment in zip(timeline.starts(), timeline.segments):
        if isinstance(segment, ClipSegment):
            return start + segment.duration / 2
    return timeline.duration / 2
