"""A render as the outside world sees it: one payload shape for the API and webhooks, and the render.succeeded /
render.failed events that carry it to the merchant's endpoints and to in-process listeners (live rooms)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urljoin

from django.conf import settings

from generation.models import RenderJob, Rendition
from generation.signals import render_job_finished
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
