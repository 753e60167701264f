"""A render job's life: created with its shots in one transaction, failed or cancelled with a reason,
reaped when its worker is gone. Running shots lives in shot_runner.py; assembly in assembly/assemble.py."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from catalog.selectors import VariantNotFound, product_images_ready, variant_get_by_sku
from generation import dispatch
from generation.assembly.timeline import rendition_size
from generation.engines.base import ASPECT_RATIOS, EngineError
from generation.engines.dit.family import FAMILY_NAMES, family_get
from generation.engines.registry import engine_queue, engine_shots_per_aspect_ratio, engine_uses_families
from generation.models import FINISHED_STATUSES, JobStatus, RenderJob, Shot
from generation.selectors import TemplateNotFound, video_template_get
from generation.template_spec import ProductShotsScene, TemplateSpec, prompt_fill, template_spec_parse
from shop_video.tenancy.models import Merchant
from shop_video.tenancy.selectors import brand_kit_default

logger = logging.getLogger(__name__)


def render_job_create(*, merchant: Merchant, template_slug: str, sku: str, aspect_ratios: list[str] | None = None,
                      engine: str | None = None, family: str | None = None, short_side: int | None = None,
                      metadata: dict | None = None) -> RenderJob:
    """Validate the request, then create the job and its shots in one transaction; the shot tasks are sent
    only once it commits. Raises ValidationError (message says what to change) and creates nothing."""
    aspect_ratios = _aspect_ratios_clean(aspect_ratios or ["9:16"])
    engine = engine or settings.DEFAULT_SHOT_ENGINE
    short_side = _short_side_clean(short_side or settings.RENDITION_SHORT_SIDE)
    try:
        engine_queue(engine)
        variant = variant_get_by_sku(merchant=merchant, sku=sku)
        template = video_template_get(merchant=merchant, slug=template_slug)
    except (EngineError, VariantNotFound, TemplateNotFound) as exc:
        raise ValidationError(str(exc)) from None
    family = (family or "").strip()
    if family and not engine_uses_families(engine):
        raise ValidationError(f"--family / family applies to the dit engine only; engine {engine!r} has no model "
                              "families. Drop it or choose engine dit.")
    if family and family not in FAMILY_NAMES:
        raise ValidationError(f"Model family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}.")
    try:
        spec = template_spec_parse(template.spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        raise ValidationError(f"Template {template.slug!r} is invalid: {'; '.join(exc.messages)} "
                              "Fix it in the admin, or render with another template.") from None
    images = list(product_images_ready(product=variant.product))
    if not images:
        raise ValidationError(f"Product {variant.product.title!r} (SKU {sku}) has no ready photos; upload one "
                              "or import a feed row with an image before rendering.")
    shot_aspect_ratios = aspect_ratios if engine_shots_per_aspect_ratio(engine) else aspect_ratios[:1]
    product = variant.product
    prompt_fields = {"title": product.title, "brand": product.brand, "product_type": product.product_type,
                     "description": _first_sentences(product.description)}

    with transaction.atomic():
        job = RenderJob.objects.create(
            merchant=merchant, product=variant.product, variant=variant, template=template,
            template_spec=template.spec, brand_kit=brand_kit_default(merchant=merchant), engine=engine,
            family=family, aspect_ratios=aspect_ratios, short_side=short_side, fps=spec.fps, metadata=metadata or {},
        )
        position = 0
        seeds: dict[tuple[int, int], int] = {}  # one seed per (scene, photo): every aspect ratio tells the same story
        for aspect_ratio in shot_aspect_ratios:
            width, height = rendition_size(aspect_ratio, short_side)
            for scene_index, scene in enumerate(spec.scenes):
                if not isinstance(scene, ProductShotsScene):
                    continue
                parameters = _shot_parameters(engine=engine, family=family, spec=spec, scene=scene,
                                              scene_number=scene_index + 1)
                # Engines without model families (motion: the CPU preview) animate the photo for text scenes.
                from_photo = scene.source == "photo" or "family" not in parameters
                prompt = prompt_fill(scene.prompt, prompt_fields)
                for index, image in enumerate(images[: scene.max_shots]):
                    shot_parameters = dict(parameters)
                    if scene.end_frame:
                        shot_parameters["end_image_id"] = images[(index + 1) % len(images)].pk
                    Shot.objects.create(
                        job=job, position=position, scene=scene_index, aspect_ratio=aspect_ratio, engine=engine,
                        source_image=image if from_photo else None,
                        camera=scene.cameras[index % len(scene.cameras)], prompt=prompt, parameters=shot_parameters,
                        seed=seeds.setdefault((scene_index, index), secrets.randbelow(2**31)),
                        width=width, height=height, fps=spec.fps, num_frames=scene.frames,
                    )
                    position += 1
        queues: dict[str, list[int]] = {}
        for shot in job.shots.all():
            queues.setdefault(shot_queue(shot), []).append(shot.pk)
        for queue, shot_ids in queues.items():
            transaction.on_commit(lambda queue=queue, shot_ids=shot_ids: dispatch.shots_send(shot_ids=shot_ids,
                                                                                           queue=queue))
    return job


def shot_queue(shot: Shot) -> str:
    return engine_queue(shot.engine, family=shot.parameters.get("family"))


def _shot_parameters(*, engine: str, family: str, spec: TemplateSpec, scene: ProductShotsScene,
                     scene_number: int) -> dict:
    """What the engine needs beyond the shot's columns. The model family: the request's, else the scene's,
    else the template's, else the platform default; refused here if it cannot do what the scene asks."""
    parameters = {}
    if engine_uses_families(engine):
        chosen = family_get(family or scene.family or spec.family or settings.DIT_DEFAULT_FAMILY)
        where = f"Scene {scene_number} asks for"
        if scene.source == "text" and chosen.t2v_pipeline is None:
            raise ValidationError(f"{where} text-to-video, which the {chosen.name} family cannot make; render it "
                                  "with --family ltx, or give the scene photos (source \"photo\").")
        if scene.end_frame and not chosen.supports_end_frame:
            raise ValidationError(f"{where} an end frame, which the {chosen.name} family cannot take; render it "
                                  "with --family ltx or wan, or set end_frame to false.")
        parameters["family"] = chosen.name
    if scene.negative_prompt:
        parameters["negative_prompt"] = scene.negative_prompt
    return parameters


def _first_sentences(text: str, limit: int = 200) -> str:
    """A prompt wants the gist of a description, not all of it: whole sentences up to `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 0 else cut.rsplit(" ", 1)[0]


def _aspect_ratios_clean(aspect_ratios: list[str]) -> list[str]:
    cleaned = []
    for ratio in aspect_ratios:
        ratio = ratio.strip()
        if ratio not in ASPECT_RATIOS:
            raise ValidationError(f"Aspect ratio {ratio!r} is not offered; use one of {', '.join(ASPECT_RATIOS)}.")
        if ratio not in cleaned:
            cleaned.append(ratio)
    return cleaned


def _short_side_clean(short_side: int) -> int:
    if short_side % 2 or not 16 <= short_side <= settings.RENDITION_SHORT_SIDE:
        raise ValidationError(f"The short side must be an even number of pixels from 16 to "
                              f"{settings.RENDITION_SHORT_SIDE}, got {short_side}.")
    return short_side


def render_job_fail(*, job_id: int, reason: str) -> bool:
    """Fail a job that is not finished yet, and its unfinished shots. False if it had already finished."""
    now = timezone.now()
    with transaction.atomic():
        failed = (RenderJob.objects.filter(pk=job_id).exclude(status__in=FINISHED_STATUSES)
                  .update(status=JobStatus.FAILED, error=reason, finished_at=now))
        if failed:
            Shot.objects.filter(job_id=job_id).exclude(status__in=FINISHED_STATUSES).update(
                status=JobStatus.CANCELLED, error="the job failed", finished_at=now)
    if failed:
        logger.warning("render job %s failed: %s", job_id, reason)
    return bool(failed)


def render_job_cancel(*, job: RenderJob) -> bool:
    now = timezone.now()
    with transaction.atomic():
        cancelled = (RenderJob.objects.filter(pk=job.pk).exclude(status__in=FINISHED_STATUSES)
                     .update(status=JobStatus.CANCELLED, error="cancelled on request", finished_at=now))
        if cancelled:
            Shot.objects.filter(job_id=job.pk).exclude(status__in=FINISHED_STATUSES).update(
                status=JobStatus.CANCELLED, finished_at=now)
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
        assembly_queued_at=timezone.now(), heartbeat_at=timezone.now())
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
                    status=JobStatus.QUEUED, progress=0):
                dispatch.shots_send(shot_ids=[shot.pk], queue=shot_queue(shot))
                requeued += 1
        else:
            failed += render_job_fail(job_id=shot.job_id, reason=(
                f"shot {shot.position + 1} lost its worker {shot.attempts} times (no heartbeat since "
                f"{shot.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC); the worker was stopped or ran out of memory"))
    stale_jobs = RenderJob.objects.filter(status=JobStatus.RUNNING, assembly_queued_at__isnull=False,
                                          heartbeat_at__lt=stale_before)
    for job in stale_jobs:
        if job.attempts < settings.SHOT_MAX_ATTEMPTS:
            if RenderJob.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at).update(heartbeat_at=timezone.now()):
                dispatch.assembly_send(job_id=job.pk)
                requeued += 1
        else:
            failed += render_job_fail(job_id=job.pk, reason=(
                f"assembly lost its worker {job.attempts} times; the worker was stopped or ran out of memory"))
    return {"requeued": requeued, "failed": failed}

