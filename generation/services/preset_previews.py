"""Previews of the built-in presets: each rendered once from a demo product (one small 9:16 rendition), so the
template gallery and GET /api/v1/templates show every merchant what a preset looks like before they use it.

The renders are ordinary render jobs of the demo shop, queued for the workers; the template remembers its job
(VideoTemplate.preview_job), and a preview whose spec is no longer the template's is made again."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from generation.models import JobStatus, RenderJob, VideoTemplate
from generation.services.render_jobs import render_job_create
from shop_video.tenancy.models import Merchant

logger = logging.getLogger(__name__)

PREVIEW_ASPECT_RATIO = "9:16"  # the feeds' shape, and the gallery's
PREVIEW_SHORT_SIDE = 360  # small: a gallery tile, quick to render on a laptop's CPU


def preset_previews_queue(
    *, merchant: Merchant, sku: str, short_side: int = PREVIEW_SHORT_SIDE, force: bool = False
) -> tuple[list[RenderJob], list[str]]:
    """Queue a preview render of every built-in whose preview is missing, failed or of an older spec (every one
    with `force`), from the merchant's product `sku`. Returns the jobs queued and, per preset that could not be
    queued, why (the others are queued all the same)."""
    queued, refused = [], []
    for template in VideoTemplate.objects.filter(merchant=None, is_builtin=True).select_related("preview_job"):
        if not force and _preview_current(template):
            continue
        if VideoTemplate.objects.filter(merchant=merchant, slug=template.slug).exists():
            refused.append(f"{template.slug}: the shop has its own template by that name, which would render instead")
            continue
        try:
            job = render_job_create(
                merchant=merchant,
                template_slug=template.slug,
                sku=sku,
                aspect_ratios=[PREVIEW_ASPECT_RATIO],
                short_side=short_side,
                metadata={"preset_preview": template.slug},
            )
        except ValidationError as exc:
            refused.append(f"{template.slug}: {' '.join(exc.messages)}")
            continue
        VideoTemplate.objects.filter(pk=template.pk).update(preview_job=job)
        queued.append(job)
    return queued, refused


def _preview_current(template: VideoTemplate) -> bool:
    """A preview made (or on its way) from the template's spec as it is now."""
    job = template.preview_job
    return (
        job is not None
        and job.template_spec == template.spec
        and job.status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED)
    )
