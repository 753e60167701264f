"""A render job created: the request checked, what it names resolved, every shot planned, the job and its shots
saved in one transaction, the shot tasks sent once it commits. A refusal is a ValidationError that says what to
change, and creates nothing. What happens to the job next: job_states.py (and shot_runner.py, assembly/)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import ProductImage, Variant
from catalog.selectors import VariantNotFound, product_images_ready, variant_get_by_sku
from generation import dispatch
from generation.aspect_ratios import ASPECT_RATIOS
from generation.assembly.job_timeline import cards_check, timeline_for_job
from generation.campaigns.quota import render_quota_check
from generation.engines.base import EngineError
from generation.engines.dit.family import FAMILY_NAMES
from generation.engines.registry import engine_queue, engine_uses_families
from generation.models import RenderJob, Shot, VideoTemplate
from generation.presenter.scenes import PresenterShot, presenter_shots_plan
from generation.product_shots import ProductShot, product_shots_plan
from generation.prompts import prompt_context
from generation.provenance.sources import shot_ai_generated
from generation.selectors import TemplateNotFound, video_template_get
from generation.services.scene_prompts import scene_prompts_render
from generation.template_spec import PROMPT_FIELDS, PresenterScene, ProductShotsScene, TemplateSpec, template_spec_parse
from generation.video_freshness import product_content_shown
from shop_video.tenancy.models import Merchant
from shop_video.tenancy.selectors import brand_kit_default, brand_music_for
from shop_video.webhooks.transport import FetchFailed, FetchRefused, destination_check


def render_job_create(
    *,
    merchant: Merchant,
    template_slug: str,
    sku: str,
    aspect_ratios: list[str] | None = None,
    engine: str | None = None,
    family: str | None = None,
    short_side: int | None = None,
    metadata: dict | None = None,
    merge_fields: dict | None = None,
    webhook_url: str | None = None,
    presenter=None,
) -> RenderJob:
    """Validate the request, then create the job and its shots in one transaction; the shot tasks are sent
    only once it commits. Raises ValidationError (message says what to change) and creates nothing.

    `merge_fields` overrides the product's prompt fields (title, brand, description, product_type) in the shot
    prompts; `webhook_url` (https) is told of render.succeeded / render.failed besides the merchant's endpoints;
    `presenter` (one of the merchant's) speaks the presenter scenes that name none, instead of the default."""
    # 1. check the request's own values
    aspect_ratios = _aspect_ratios_clean(aspect_ratios or ["9:16"])
    merge_fields = _merge_fields_clean(merge_fields)
    webhook_url = _webhook_url_clean(webhook_url)
    short_side = _short_side_clean(short_side or settings.RENDITION_SHORT_SIDE)
    # 2. resolve what it names: engine, SKU, template and its spec, family, photos, brand kit, prompts
    variant, template = _variant_and_template_get(
        merchant=merchant, engine=engine, sku=sku, template_slug=template_slug
    )
    family = _family_clean(family)
    spec = _template_spec_get(template)
    _family_engine_check(family=family, spec=spec, requested_engine=engine)
    images = _photos_get(variant=variant, sku=sku)
    brand_kit = brand_kit_default(merchant=merchant)
    _music_track_check(spec=spec, brand_kit=brand_kit, template_slug=template.slug)
    prompts = scene_prompts_render(
        spec=spec,
        merchant=merchant,
        variant=variant,
        brand_kit=brand_kit,
        merge_fields=merge_fields,
        template_slug=template.slug,
    )
    # 3. plan every shot as data: a scene that cannot be made is refused here, before any row
    presenter_shots = []
    if any(isinstance(scene, PresenterScene) for scene in spec.scenes):
        context = prompt_context(
            product=variant.product,
            variant=variant,
            brand_kit=brand_kit,
            merchant=merchant,
            options=spec.options,
            merge_fields=merge_fields,
        )
        presenter_shots = presenter_shots_plan(
            merchant=merchant,
            spec=spec,
            context=context,
            requested_engine=engine,
            aspect_ratios=aspect_ratios,
            short_side=short_side,
            template_slug=template.slug,
            sku=sku,
            product_image_id=images[0].pk,
            presenter=presenter,
        )
    product_shots = product_shots_plan(
        spec=spec,
        prompts=prompts,
        image_ids=[image.pk for image in images],
        aspect_ratios=aspect_ratios,
        short_side=short_side,
        requested_engine=engine,
        family=family,
    )
    # 4. create the rows in one transaction; every card and caption must fit, else it all rolls back
    with transaction.atomic():
        job = RenderJob.objects.create(
            merchant=merchant,
            product=variant.product,
            variant=variant,
            template=template,
            template_spec=template.spec,
            brand_kit=brand_kit,
            engine=engine or settings.DEFAULT_SHOT_ENGINE,
            family=family,
            aspect_ratios=aspect_ratios,
            short_side=short_side,
            fps=spec.fps,
            metadata=metadata or {},
            merge_fields=merge_fields or {},
            webhook_url=webhook_url,
            content_shown=product_content_shown(
                variant=variant, template=template, photos=images, merge_fields=merge_fields
            ),
        )
        _shots_create(job=job, spec=spec, product_shots=product_shots, presenter_shots=presenter_shots)
        _cards_fit_check(job=job, template_slug=template.slug, sku=sku)
        # 5. dispatch: the shot tasks, one send per queue, once the transaction commits
        _shots_dispatch(job=job)
    return job


def _variant_and_template_get(
    *, merchant: Merchant, engine: str | None, sku: str, template_slug: str
) -> tuple[Variant, VideoTemplate]:
    try:
        if engine:
            engine_queue(engine)
        variant = variant_get_by_sku(merchant=merchant, sku=sku)
        template = video_template_get(merchant=merchant, slug=template_slug)
    except (EngineError, VariantNotFound, TemplateNotFound) as exc:
        raise ValidationError(str(exc)) from None
    return variant, template


def _family_clean(family: str | None) -> str:
    family = (family or "").strip()
    if family and family not in FAMILY_NAMES:
        raise ValidationError(f"Model family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}.")
    return family


def _template_spec_get(template: VideoTemplate) -> TemplateSpec:
    try:
        return template_spec_parse(template.spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        raise ValidationError(
            f"Template {template.slug!r} is invalid: {'; '.join(exc.messages)} "
            "Fix it in the admin, or render with another template."
        ) from None


def _family_engine_check(*, family: str, spec: TemplateSpec, requested_engine: str | None) -> None:
    if not family:
        return
    shot_engines = {
        requested_engine or scene.engine or settings.DEFAULT_SHOT_ENGINE
        for scene in spec.scenes
        if isinstance(scene, ProductShotsScene)
    }
    if not any(engine_uses_families(name) for name in shot_engines):
        raise ValidationError(
            f"--family / family applies to the dit engine only; engine "
            f"{', '.join(sorted(shot_engines))!r} has no model families. Drop it or choose engine dit."
        )


def _photos_get(*, variant: Variant, sku: str) -> list[ProductImage]:
    images = list(product_images_ready(product=variant.product))
    if not images:
        raise ValidationError(
            f"Product {variant.product.title!r} (SKU {sku}) has no ready photos; upload one "
            "or import a feed row with an image before rendering."
        )
    return images


def _shots_create(
    *, job: RenderJob, spec: TemplateSpec, product_shots: list[ProductShot], presenter_shots: list[PresenterShot]
) -> None:
    """The planned shots as rows, product shots first, numbered in order. One seed per (scene, photo): every
    aspect ratio tells the same story."""
    seeds: dict[tuple[int, int], int] = {}
    position = 0
    for planned in product_shots:
        Shot.objects.create(
            job=job,
            position=position,
            scene=planned.scene,
            aspect_ratio=planned.aspect_ratio,
            engine=planned.engine,
            ai_generated=shot_ai_generated(engine=planned.engine, parameters=planned.parameters),
            source_image_id=planned.source_image_id,
            camera=planned.camera,
            prompt=planned.prompt,
            parameters=planned.parameters,
            seed=seeds.setdefault((planned.scene, planned.photo), _seed_new()),
            width=planned.width,
            height=planned.height,
            fps=spec.fps,
            num_frames=planned.num_frames,
        )
        position += 1
    for planned in presenter_shots:
        Shot.objects.create(
            job=job,
            position=position,
            scene=planned.scene,
            aspect_ratio=planned.aspect_ratio,
            engine=planned.engine,
            ai_generated=shot_ai_generated(engine=planned.engine, parameters=planned.parameters),
            prompt=planned.script,
            camera="static",
            parameters=planned.parameters,
            seed=seeds.setdefault((planned.scene, 0), _seed_new()),
            width=planned.width,
            height=planned.height,
            fps=spec.fps,
            num_frames=spec.scenes[planned.scene].frames,
        )
        position += 1


def _seed_new() -> int:
    return secrets.randbelow(2**31)


def _shots_dispatch(*, job: RenderJob) -> None:
    queues: dict[str, list[int]] = {}
    for shot in job.shots.all():
        queues.setdefault(shot_queue(shot), []).append(shot.pk)
    for queue, shot_ids in queues.items():
        transaction.on_commit(
            lambda queue=queue, shot_ids=shot_ids: dispatch.shots_send(shot_ids=shot_ids, queue=queue)
        )


def shot_queue(shot: Shot) -> str:
    return engine_queue(shot.engine, family=shot.parameters.get("family"))


def _cards_fit_check(*, job: RenderJob, template_slug: str, sku: str) -> None:
    """Every card and caption of every rendition drawn once now (tens of milliseconds): a text that cannot fit is a
    refusal naming it, before any shot is spent, rather than a failed assembly after the GPU work."""
    for aspect_ratio in job.aspect_ratios:
        try:
            cards_check(timeline_for_job(job, aspect_ratio))
        except ValueError as exc:
            raise ValidationError(
                f"Template {template_slug!r} cannot be drawn for SKU {sku} at {aspect_ratio}: {exc} "
                "(edit the template's text, or override the product's title or description with "
                "merge_fields)."
            ) from None


def render_jobs_create(*, merchant: Merchant, template_slug: str, skus: list[str], **options) -> list[RenderJob]:
    """One job per SKU, all or nothing: every SKU is tried in one transaction and any refusal rolls back the
    others (and their queued tasks). The ValidationError lists every distinct problem, each naming its SKU."""
    render_quota_check(merchant=merchant)  # a spent monthly quota refuses the request, before any SKU
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


def _music_track_check(*, spec: TemplateSpec, brand_kit, template_slug: str) -> None:
    """A template naming a track the brand kit lacks is refused: quietly playing another track (or none) would
    give a video the marketer did not ask for."""
    track = spec.music.track
    if not spec.music.enabled or not track or brand_music_for(kit=brand_kit, track=track, mood=None):
        return
    kit = f"brand kit {brand_kit.name!r}" if brand_kit else "merchant's brand kit (it has none)"
    where = f" (POST /api/v1/brand-kits/{brand_kit.pk}/music-tracks or the admin)" if brand_kit else ""
    raise ValidationError(
        f"Template {template_slug!r} asks for the music track {track!r}, which the default {kit} "
        f"does not have. Upload a track named {track!r} to the brand kit{where}, or change the "
        "template's music.track."
    )


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
        raise ValidationError('merge_fields must be an object such as {"title": "Summer Mug"}.')
    unknown = [name for name in merge_fields if name not in PROMPT_FIELDS]
    if unknown:
        raise ValidationError(
            f"merge_fields has unknown field(s) {', '.join(map(repr, unknown))}; the fields you "
            f"can override are {', '.join(PROMPT_FIELDS)}."
        )
    for name, value in merge_fields.items():
        if not isinstance(value, str):
            raise ValidationError(f"merge_fields.{name} must be text, got {value!r}.")
        if len(value) > MERGE_FIELD_MAX_CHARS:
            raise ValidationError(
                f"merge_fields.{name} is {len(value)} characters; keep it to {MERGE_FIELD_MAX_CHARS}."
            )
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
    try:  # the same SSRF rules as delivery, now rather than at the first delivery
        destination_check(url)
    except FetchRefused as exc:
        raise ValidationError(f"webhook_url cannot receive webhooks: {exc}. Use a public https address.") from None
    except FetchFailed:
        pass  # a host that does not resolve yet may by delivery time, which retries; only a refusal is final
    return url


MIN_SHORT_SIDE = 64  # below this the cards' and captions' text has no room to be drawn


def _short_side_clean(short_side: int) -> int:
    if short_side % 2 or not MIN_SHORT_SIDE <= short_side <= settings.RENDITION_SHORT_SIDE:
        raise ValidationError(
            f"The short side must be an even number of pixels from {MIN_SHORT_SIDE} to "
            f"{settings.RENDITION_SHORT_SIDE}, got {short_side}."
        )
    return short_side
