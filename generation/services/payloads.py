"""A render as the outside world sees it: one payload shape for the API and webhooks, and the render.succeeded /
render.failed events that carry it to the merchant's endpoints and to in-process listeners (live rooms). Also a
video template as the API shows it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.models import RenderJob, Rendition, VideoTemplate
from generation.signals import render_job_finished
from generation.template_spec import ProductShotsScene, scene_type, spec_max_frames, template_spec_parse
from generation.video_freshness import render_job_stale_reasons
from shop_video.webhooks import services as webhook_services

logger = logging.getLogger(__name__)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _site_absolute(url: str) -> str:
    """Absolute with settings.SITE_URL when the deployment sets one; else the URL as storage gives it
    (MEDIA_URL-relative such as /media/..., or the CDN's absolute URL when MEDIA_URL is one)."""
    site = settings.SITE_URL
    return urljoin(site, url) if site else url


def rendition_payload(rendition: Rendition, *, absolute_url=_site_absolute) -> dict:
    """One delivered video: what a player needs. `captions` is the WebVTT sidecar (a <track> src), null when the
    template has no captions; `quality` its quality report (generation/assembly/quality.py), null for renditions
    made before reports existed."""
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
        "quality": rendition.quality or None,
        # Whether any part was made by a trained model (the video then shows the AI label), and the C2PA manifest
        # each file carries as read back when it was published (docs/provenance.md); a storefront shows its own label.
        "ai_generated": rendition.ai_generated,
        "provenance": rendition.provenance or None,
    }


def render_job_payload(
    job: RenderJob, *, renditions=None, absolute_url=_site_absolute, stale_because: list[str] | None = None
) -> dict:
    """A render as the API and webhooks show it (one shape for both). `absolute_url` turns a media URL into an
    absolute one: the API passes request.build_absolute_uri; webhooks use SITE_URL when it is set.
    `renditions` defaults to the job's own (one query; pass them when already loaded); `stale_because` to what
    changed since the render was made (generation/video_freshness.py: a query for the photos; a list passes
    render_jobs_stale_reasons's answer for a page of jobs)."""
    if renditions is None:
        renditions = job.renditions.all()
    if stale_because is None:
        stale_because = render_job_stale_reasons(job=job)
    order = {ratio: index for index, ratio in enumerate(job.aspect_ratios)}
    renditions = sorted(renditions, key=lambda r: (order.get(r.aspect_ratio, len(order)), r.aspect_ratio))
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error or None,
        "template": job.template.slug,
        "sku": job.variant.sku if job.variant else None,
        "engine": job.engine,
        "family": job.family or None,
        "aspect_ratios": list(job.aspect_ratios),
        "webhook_url": job.webhook_url or None,
        "metadata": job.metadata,
        "campaign": job.campaign_id,  # the campaign that made it (generation/campaigns), else null
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
        # The video no longer shows the product as it is (price, photos, ...): a storefront may keep showing it
        # until a newer render succeeds.
        "stale": bool(stale_because),
        "stale_because": list(stale_because),
        "outputs": [rendition_payload(rendition, absolute_url=absolute_url) for rendition in renditions],
    }


def video_template_payload(
    template: VideoTemplate,
    *,
    preview: Rendition | None = None,
    preset_preview: Rendition | None = None,
    absolute_url=None,
) -> dict:
    """A template as the API shows it: its spec as stored and, parsed, its scenes and longest duration (or why it
    cannot render). `preview` (the merchant's newest rendition made with it) gives preview_url and
    `preset_preview` (a built-in's own, from the demo shop) preset_preview_url, when `absolute_url` is given."""
    scenes, max_duration, spec_error = [], None, None
    preview_url = absolute_url(preview.preview.url) if absolute_url and preview and preview.preview else None
    preset_url = (
        absolute_url(preset_preview.preview.url) if absolute_url and preset_preview and preset_preview.preview else None
    )
    try:
        spec = template_spec_parse(template.spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        spec_error = " ".join(exc.messages)
    else:
        for scene in spec.scenes:
            shots = isinstance(scene, ProductShotsScene)
            scenes.append(
                {
                    "type": scene_type(scene),
                    "duration": scene.frames / spec.fps,
                    "transition": scene.transition.type,
                    "max_shots": scene.max_shots if shots else None,
                    "cameras": list(scene.cameras) if shots else None,
                    "source": scene.source if shots else None,
                }
            )
        max_duration = spec_max_frames(spec) / spec.fps
    return {
        "slug": template.slug,
        "name": template.name,
        "description": template.description,
        "version": template.version,
        "is_builtin": template.is_builtin,
        "spec": template.spec,
        "scenes": scenes,
        "max_duration": max_duration,
        "spec_error": spec_error,
        "preview_url": preview_url,
        "preset_preview_url": preset_url,
    }


def render_job_event_emit(*, job_id: int, event: str) -> None:
    """Tell the merchant's webhook endpoints (and the job's own webhook_url) that the job finished. The webhook
    service queues deliveries after commit; a failure to queue them is logged and never changes the job.
    Listeners of render_job_finished (live rooms) hear of it too; their errors are logged, never raised."""
    for receiver, result in render_job_finished.send_robust(sender=RenderJob, job_id=job_id, event=event):
        if isinstance(result, Exception):
            logger.error("%s failed on %s of render job %s: %s", receiver, event, job_id, result, exc_info=result)
    try:
        job = RenderJob.objects.select_related("merchant", "template", "variant", "product").get(pk=job_id)
        webhook_services.webhook_event_emit(
            merchant=job.merchant,
            event=event,
            data=render_job_payload(job),
            extra_urls=[job.webhook_url] if job.webhook_url else [],
        )
    except Exception:
        logger.exception("could not queue the %s webhook of render job %s", event, job_id)
