"""A render job's life: created with its shots in one transaction, failed or cancelled with a reason,
reaped when its worker is gone. Running shots lives in shot_runner.py; assembly in assembly/assemble.py."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, ProtectedError
from django.utils import timezone

from catalog.selectors import VariantNotFound, product_images_ready, variant_get_by_sku
from generation import dispatch
from generation.assembly.job_timeline import cards_check, timeline_for_job
from generation.assembly.timeline import rendition_size
from generation.engines.base import ASPECT_RATIOS, EngineError
from generation.engines.dit.family import FAMILY_NAMES, family_get
from generation.engines.registry import engine_queue, engine_shots_per_aspect_ratio, engine_uses_families
from generation.models import FINISHED_STATUSES, JobStatus, RenderJob, Rendition, Shot, VideoTemplate
from generation.signals import render_job_finished
from generation.selectors import TemplateNotFound, video_template_get
from generation.presenter.scenes import presenter_shots_plan
from generation.prompts import prompt_context, prompt_render
from generation.template_spec import (
    PROMPT_FIELDS, PresenterScene, ProductShotsScene, TemplateSpec, template_spec_parse,
)
from shop_video.tenancy.models import Merchant
from shop_video.tenancy.selectors import brand_kit_default, brand_music_for
from shop_video.webhooks import services as webhook_services

logger = logging.getLogger(__name__)


def render_job_create(*, merchant: Merchant, template_slug: str, sku: str, aspect_ratios: list[str] | None = None,
                      engine: str | None = None, family: str | None = None, short_side: int | None = None,
                      metadata: dict | None = None, merge_fields: dict | None = None,
                      webhook_url: str | None = None, presenter=None) -> RenderJob:
    """Validate the request, then create the job and its shots in one transaction; the shot tasks are sent
    only once it commits. Raises ValidationError (message says what to change) and creates nothing.

    `merge_fields` overrides the product's prompt fields (title, brand, description, product_type) in the shot
    prompts; `webhook_url` (https) is told of render.succeeded / render.failed besides the merchant's endpoints;
    `presenter` (one of the merchant's) speaks the presenter scenes that name none, instead of the default."""
    aspect_ratios = _aspect_ratios_clean(aspect_ratios or ["9:16"])
    merge_fields = _merge_fields_clean(merge_fields)
    webhook_url = _webhook_url_clean(webhook_url)
    requested_engine = engine
    short_side = _short_side_clean(short_side or settings.RENDITION_SHORT_SIDE)
    try:
        if engine:
            engine_queue(engine)
        variant = variant_get_by_sku(merchant=merchant, sku=sku)
        template = video_template_get(merchant=merchant, slug=template_slug)
    except (EngineError, VariantNotFound, TemplateNotFound) as exc:
        raise ValidationError(str(exc)) from None
    family = (family or "").strip()
    if family and family not in FAMILY_NAMES:
        raise ValidationError(f"Model family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}.")
    try:
        spec = template_spec_parse(template.spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        raise ValidationError(f"Template {template.slug!r} is invalid: {'; '.join(exc.messages)} "
                              "Fix it in the admin, or render with another template.") from None
    shot_engines = {requested_engine or scene.engine or settings.DEFAULT_SHOT_ENGINE
                    for scene in spec.scenes if isinstance(scene, ProductShotsScene)}
    if family and not any(engine_uses_families(name) for name in shot_engines):
        raise ValidationError(f"--family / family applies to the dit engine only; engine "
                              f"{', '.join(sorted(shot_engines))!r} has no model families. Drop it or choose engine dit.")
    images = list(product_images_ready(product=variant.product))
    if not images:
        raise ValidationError(f"Product {variant.product.title!r} (SKU {sku}) has no ready photos; upload one "
                              "or import a feed row with an image before rendering.")
    brand_kit = brand_kit_default(merchant=merchant)
    _music_track_check(spec=spec, brand_kit=brand_kit, template_slug=template.slug)
    prompts = scene_prompts_render(spec=spec, merchant=merchant, variant=variant, brand_kit=brand_kit,
                                   merge_fields=merge_fields, template_slug=template.slug)
    presenter_shots = []
    if any(isinstance(scene, PresenterScene) for scene in spec.scenes):
        context = prompt_context(product=variant.product, variant=variant, brand_kit=brand_kit, merchant=merchant,
                                 options=spec.options, merge_fields=merge_fields)
        presenter_shots = presenter_shots_plan(merchant=merchant, spec=spec, context=context,
                                               requested_engine=requested_engine, aspect_ratios=aspect_ratios,
                                               short_side=short_side, template_slug=template.slug, sku=sku,
                                               product_image_id=images[0].pk, presenter=presenter)

    with transaction.atomic():
        job = RenderJob.objects.create(
            merchant=merchant, product=variant.product, variant=variant, template=template,
            template_spec=template.spec, brand_kit=brand_kit, engine=engine or settings.DEFAULT_SHOT_ENGINE,
            family=family, aspect_ratios=aspect_ratios, short_side=short_side, fps=spec.fps, metadata=metadata or {},
            merge_fields=merge_fields or {}, webhook_url=webhook_url,
        )
        position = 0
        seeds: dict[tuple[int, int], int] = {}  # one seed per (scene, photo): every aspect ratio tells the same story
        for scene_index, scene in enumerate(spec.scenes):
            if not isinstance(scene, ProductShotsScene):
                continue
            # The request's engine wins (a cheap motion preview of a dit template); else the scene's; else the default.
            scene_engine = requested_engine or scene.engine or settings.DEFAULT_SHOT_ENGINE
            scene_family = family if engine_uses_families(scene_engine) else ""
            shot_aspect_ratios = aspect_ratios if engine_shots_per_aspect_ratio(scene_engine) else aspect_ratios[:1]
            parameters = _shot_parameters(engine=scene_engine, family=scene_family, spec=spec, scene=scene,
                                          scene_number=scene_index + 1)
            # Engines without model families (motion: the CPU preview) animate the photo for text scenes.
            from_photo = scene.source == "photo" or "family" not in parameters
            prompt, negative_prompt = prompts[scene_index]
            if negative_prompt:
                parameters["negative_prompt"] = negative_prompt
            for aspect_ratio in shot_aspect_ratios:
                width, height = rendition_size(aspect_ratio, short_side)
                for index, image in enumerate(images[: scene.max_shots]):
                    shot_parameters = dict(parameters)
                    if scene.end_frame:
                        shot_parameters["end_image_id"] = images[(index + 1) % len(images)].pk
                    Shot.objects.create(
                        job=job, position=position, scene=scene_index, aspect_ratio=aspect_ratio, engine=scene_engine,
                        source_image=image if from_photo else None,
                        camera=scene.cameras[index % len(scene.cameras)], prompt=prompt, parameters=shot_parameters,
                        seed=seeds.setdefault((scene_index, index), secrets.randbelow(2**31)),
                        width=width, height=height, fps=spec.fps, num_frames=scene.frames,
                    )
                    position += 1
        for planned in presenter_shots:
            Shot.objects.create(job=job, position=position, scene=planned.scene, aspect_ratio=planned.aspect_ratio,
                                engine=planned.engine, prompt=planned.script, camera="static",
                                parameters=planned.parameters, seed=seeds.setdefault((planned.scene, 0),
                                                                                     secrets.randbelow(2**31)),
                                width=planned.width, height=planned.height, fps=spec.fps,
                                num_frames=spec.scenes[planned.scene].frames)
            position += 1
        _cards_fit_check(job=job, template_slug=template.slug, sku=sku)
        queues: dict[str, list[int]] = {}
        for shot in job.shots.all():
            queues.setdefault(shot_queue(shot), []).append(shot.pk)
        for queue, shot_ids in queues.items():
            transaction.on_commit(lambda queue=queue, shot_ids=shot_ids: dispatch.shots_send(shot_ids=shot_ids,
                                                                                           queue=queue))
    return job


def _cards_fit_check(*, job: RenderJob, template_slug: str, sku: str) -> None:
    """Every card and caption of every rendition drawn once now (tens of milliseconds): a text that cannot fit is a
    refusal naming it, before any shot is spent, rather than a failed assembly after the GPU work."""
    for aspect_ratio in job.aspect_ratios:
        try:
            cards_check(timeline_for_job(job, aspect_ratio))
        except ValueError as exc:
            raise ValidationError(f"Template {template_slug!r} cannot be drawn for SKU {sku} at {aspect_ratio}: {exc} "
                                  "(edit the template's text, or override the product's title or description with "
                                  "merge_fields).") from None


def render_jobs_create(*, merchant: Merchant, template_slug: str, skus: list[str], **options) -> list[RenderJob]:
    """One job per SKU, all or nothing: every SKU is tried in one transaction and any refusal rolls back the
    others (and their queued tasks). The ValidationError lists every distinct problem, each naming its SKU."""
    duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
    if duplicates:
        raise ValidationError(f"SKU {', '.join(map(repr, duplicates))} is listed more than once; list each once.")
    jobs, problems = [], []
    with transaction.atomic():
        for sku in skus:
            try:
                jobs.append(render_job_create(merchant=merchant, template_slug=template_slug, sku=sku, **options))
            except ValidationError as exc:
                problems.extend(message for message in exc.messages if message not in problems)
        if problems:
            if len(skus) > 1:
                problems.insert(0, "No renders were created; fix these and send the request again:")
            raise ValidationError(problems)
    return jobs


def video_template_copy(*, template: VideoTemplate, merchant: Merchant, slug: str | None = None,
                        replace: bool = True) -> VideoTemplate:
    """The merchant's own editable copy of a template, by default under the same slug (so it replaces the built-in
    for them). With `replace`, copying again overwrites their copy with the source's current spec and bumps its
    version; without it, a slug the merchant already has is refused (the API and dashboard never overwrite)."""
    slug = slug or template.slug
    if not replace and VideoTemplate.objects.filter(merchant=merchant, slug=slug).exists():
        raise ValidationError({"slug": [
            f"You already have a template {slug!r}. Edit it, or give the copy another slug."]})
    copy, created = VideoTemplate.objects.get_or_create(
        merchant=merchant, slug=slug,
        defaults={"name": template.name, "description": template.description, "spec": template.spec, "version": 1})
    if not created:
        copy.spec, copy.name, copy.description = template.spec, template.name, template.description
        copy.version += 1
        copy.save()
    return copy


TEMPLATE_EDITABLE_FIELDS = ("name", "description", "spec")


def video_template_create(*, merchant: Merchant, slug: str, name: str, description: str = "",
                          spec: dict) -> VideoTemplate:
    """A new template of the merchant's own. A slug that a built-in has is allowed (theirs replaces it for them);
    one they already have is refused. Raises ValidationError {field: [message]}; a spec's messages name the
    scene and field."""
    template = VideoTemplate(merchant=merchant, slug=slug, name=name, description=description, spec=spec)
    _video_template_save(template)
    return template


def video_template_update(*, template: VideoTemplate, **fields) -> VideoTemplate:
    """Edit the merchant's own template (name, description, spec). A changed spec bumps the version (renders keep
    the spec they were made with; the version says which edit they saw). On a ValidationError nothing is saved
    and `template` is reloaded as stored. Built-ins are refused: copy them first."""
    unknown = set(fields) - set(TEMPLATE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"video_template_update() cannot change {', '.join(sorted(unknown))}")
    if template.merchant_id is None:
        raise ValidationError(f"Template {template.slug!r} is built in and cannot be edited. Copy it first "
                              f"(POST /api/v1/templates/{template.slug}/copy, or the dashboard's Copy to my "
                              "templates button), then edit your copy.")
    changed = {name: value for name, value in fields.items() if getattr(template, name) != value}
    if not changed:
        return template
    for name, value in changed.items():
        setattr(template, name, value)
    if "spec" in changed:
        template.version += 1
    try:
        _video_template_save(template)
    except ValidationError:
        template.refresh_from_db()
        raise
    return template


def video_template_delete(*, template: VideoTemplate) -> None:
    """Delete the merchant's own template; a copy's built-in shows again. Renders made with a copy of a built-in
    are moved to that built-in (same slug, so they read the same; each keeps the spec it was rendered with).
    A template of the merchant's own design that renders used is refused: they still link to it."""
    if template.merchant_id is None:
        raise ValidationError(f"Template {template.slug!r} is built in and cannot be deleted; only your own "
                              "templates can.")
    try:
        with transaction.atomic():
            builtin = VideoTemplate.objects.filter(merchant__isnull=True, slug=template.slug).first()
            if builtin is not None:
                template.render_jobs.update(template=builtin)
            template.delete()
    except ProtectedError as exc:
        count = len(exc.protected_objects)
        raise ValidationError(
            f"Template {template.slug!r} cannot be deleted: {count} render{'s' if count != 1 else ''} "
            f"{'were' if count != 1 else 'was'} made with it and still link to it. Edit it instead (finished "
            "renders keep the spec they were made with).") from None


def _video_template_save(template: VideoTemplate) -> None:
    """Validate (the spec through VideoTemplate.clean) and save; the merchant's slug must be free."""
    taken = VideoTemplate.objects.filter(merchant=template.merchant, slug=template.slug).exclude(pk=template.pk)
    slug_taken = ValidationError({"slug": [f"You already have a template {template.slug!r}; choose another slug, "
                                           "or edit that one."]})
    if taken.exists():
        raise slug_taken
    template.full_clean(validate_unique=False, validate_constraints=False)  # the slug check above says it better
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:  # a concurrent create took the slug between the check and the save
        raise slug_taken from None


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
    return parameters


def _music_track_check(*, spec: TemplateSpec, brand_kit, template_slug: str) -> None:
    """A template naming a track the brand kit lacks is refused: quietly playing another track (or none) would
    give a video the marketer did not ask for."""
    track = spec.music.track
    if not spec.music.enabled or not track or brand_music_for(kit=brand_kit, track=track, mood=None):
        return
    kit = f"brand kit {brand_kit.name!r}" if brand_kit else "merchant's brand kit (it has none)"
    where = f" (POST /api/v1/brand-kits/{brand_kit.pk}/music-tracks or the admin)" if brand_kit else ""
    raise ValidationError(f"Template {template_slug!r} asks for the music track {track!r}, which the default {kit} "
                          f"does not have. Upload a track named {track!r} to the brand kit{where}, or change the "
                          "template's music.track.")


def scene_prompts_render(*, spec: TemplateSpec, merchant: Merchant, variant, brand_kit=None,
                         merge_fields: dict | None = None, template_slug: str = "") -> dict[int, tuple[str, str]]:
    """Each product_shots scene's (prompt, negative_prompt) for one variant, by scene index. Raises a
    ValidationError naming the template, scene and field when one cannot render."""
    context = prompt_context(product=variant.product, variant=variant, brand_kit=brand_kit, merchant=merchant,
                             options=spec.options, merge_fields=merge_fields)
    rendered = {}
    for index, scene in enumerate(spec.scenes):
        if isinstance(scene, ProductShotsScene):
            where = f"scene {index + 1} (product_shots)"
            try:
                rendered[index] = (prompt_render(scene.prompt, context, field=f"{where}: prompt"),
                                   prompt_render(scene.negative_prompt, context, field=f"{where}: negative_prompt"))
            except ValidationError as exc:
                raise ValidationError(f"Template {template_slug!r} is invalid: {'; '.join(exc.messages)}"
                                      if template_slug else exc.messages) from None
    return rendered


def template_prompts_preview(*, merchant: Merchant, template_slug: str, sku: str) -> list[dict]:
    """What the model would be told: each product_shots scene's rendered prompts for one of the merchant's SKUs.
    Raises TemplateNotFound / VariantNotFound, or ValidationError naming the scene and field."""
    template = video_template_get(merchant=merchant, slug=template_slug)
    return template_prompts_render(template=template, merchant=merchant, sku=sku)


def template_prompts_render(*, template: VideoTemplate, merchant: Merchant, sku: str) -> list[dict]:
    """[{"scene": n, "prompt", "negative_prompt"}] of one template for one of `merchant`'s SKUs."""
    variant = variant_get_by_sku(merchant=merchant, sku=sku)
    try:
        spec = template_spec_parse(template.spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        raise ValidationError(f"Template {template.slug!r} is invalid: {'; '.join(exc.messages)}") from None
    prompts = scene_prompts_render(spec=spec, merchant=merchant, variant=variant,
                                   brand_kit=brand_kit_default(merchant=merchant), template_slug=template.slug)
    return [{"scene": index + 1, "prompt": prompt, "negative_prompt": negative}
            for index, (prompt, negative) in sorted(prompts.items())]


def _aspect_ratios_clean(aspect_ratios: list[str]) -> list[str]:
    cleaned = []
    for ratio in aspect_ratios:
        ratio = ratio.strip()
        if ratio not in ASPECT_RATIOS:
            raise ValidationError(f"Aspect ratio {ratio!r} is not offered; use one of {', '.join(ASPECT_RATIOS)}.")
        if ratio not in cleaned:
            cleaned.append(ratio)
    return cleaned


MERGE_FIELD_MAX_CHARS = 1000


def _merge_fields_clean(merge_fields: dict | None) -> dict[str, str]:
    if not merge_fields:
        return {}
    if not isinstance(merge_fields, dict):
        raise ValidationError("merge_fields must be an object such as {\"title\": \"Summer Mug\"}.")
    unknown = [name for name in merge_fields if name not in PROMPT_FIELDS]
    if unknown:
        raise ValidationError(f"merge_fields has unknown field(s) {', '.join(map(repr, unknown))}; the fields you "
                              f"can override are {', '.join(PROMPT_FIELDS)}.")
    for name, value in merge_fields.items():
        if not isinstance(value, str):
            raise ValidationError(f"merge_fields.{name} must be text, got {value!r}.")
        if len(value) > MERGE_FIELD_MAX_CHARS:
            raise ValidationError(f"merge_fields.{name} is {len(value)} characters; keep it to "
                                  f"{MERGE_FIELD_MAX_CHARS}.")
    return dict(merge_fields)


def _webhook_url_clean(url: str | None) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(f"webhook_url must be an https:// URL with a host, got {url!r}.")
    if len(url) > 2000:
        raise ValidationError(f"webhook_url is {len(url)} characters; keep it to 2000.")
    return url


MIN_SHORT_SIDE = 64  # below this the cards' and captions' text has no room to be drawn


def _short_side_clean(short_side: int) -> int:
    if short_side % 2 or not MIN_SHORT_SIDE <= short_side <= settings.RENDITION_SHORT_SIDE:
        raise ValidationError(f"The short side must be an even number of pixels from {MIN_SHORT_SIDE} to "
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
        render_job_event_emit(job_id=job_id, event="render.failed")
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



def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _site_absolute(url: str) -> str:
    """Absolute with settings.SITE_URL when the deployment sets one; else the URL as storage gives it
    (MEDIA_URL-relative such as /media/..., or the CDN's absolute URL when MEDIA_URL is one)."""
    site = settings.SITE_URL
    return urljoin(site, url) if site else url


def rendition_payload(rendition: Rendition, *, absolute_url=_site_absolute) -> dict:
    """One delivered video: what a player needs. `captions` is the WebVTT sidecar (a <track> src), null when the
    template has no captions."""
    return {
        "aspect_ratio": rendition.aspect_ratio,
        "url": absolute_url(rendition.file.url),
        "width": rendition.width,
        "height": rendition.height,
        "duration": rendition.duration,
        "poster_url": absolute_url(rendition.poster.url) if rendition.poster else None,
        "preview_url": absolute_url(rendition.preview.url) if rendition.preview else None,
        "captions": absolute_url(rendition.captions_vtt.url) if rendition.captions_vtt else None,
        "captions_srt_url": absolute_url(rendition.captions_srt.url) if rendition.captions_srt else None,
    }


def render_job_payload(job: RenderJob, *, renditions=None, absolute_url=_site_absolute) -> dict:
    """A render as the API and webhooks show it (one shape for both). `absolute_url` turns a media URL into an
    absolute one: the API passes request.build_absolute_uri; webhooks use SITE_URL when it is set.
    `renditions` defaults to the job's own (one query; pass them when already loaded)."""
    if renditions is None:
        renditions = job.renditions.all()
    order = {ratio: index for index, ratio in enumerate(job.aspect_ratios)}
    renditions = sorted(renditions, key=lambda r: (order.get(r.aspect_ratio, len(order)), r.aspect_ratio))
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "error": job.error or None,
        "template": job.template.slug,
        "sku": job.variant.sku if job.variant else None,
        "engine": job.engine,
        "family": job.family or None,
        "aspect_ratios": list(job.aspect_ratios),
        "webhook_url": job.webhook_url or None,
        "metadata": job.metadata,
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
        "outputs": [rendition_payload(rendition, absolute_url=absolute_url) for rendition in renditions],
    }


def render_job_event_emit(*, job_id: int, event: str) -> None:
    """Tell the merchant's webhook endpoints (and the job's own webhook_url) that the job finished. The webhook
    service queues deliveries after commit; a failure to queue them is logged and never changes the job.
    Listeners of render_job_finished (live rooms) hear of it too; their errors are logged, never raised."""
    for receiver, result in render_job_finished.send_robust(sender=RenderJob, job_id=job_id, event=event):
        if isinstance(result, Exception):
            logger.error("%s failed on %s of render job %s: %s", receiver, event, job_id, result, exc_info=result)
    try:
        job = RenderJob.objects.select_related("merchant", "template", "variant").get(pk=job_id)
        webhook_services.webhook_event_emit(merchant=job.merchant, event=event, data=render_job_payload(job),
                                            extra_urls=[job.webhook_url] if job.webhook_url else [])
    except Exception:
        logger.exception("could not queue the %s webhook of render job %s", event, job_id)
