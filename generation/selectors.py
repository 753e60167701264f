"""Reads for generation; every one is scoped to a merchant."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Q, QuerySet

from generation.models import RenderJob, Rendition, VideoTemplate
from shop_video.tenancy.models import Merchant


class TemplateNotFound(ObjectDoesNotExist):
    pass


def video_template_get(*, merchant: Merchant, slug: str) -> VideoTemplate:
    """The merchant's own template of that slug, else the built-in one."""
    found = (VideoTemplate.objects.filter(Q(merchant=merchant) | Q(merchant__isnull=True), slug=slug)
             .order_by(F("merchant_id").asc(nulls_last=True)).first())  # the merchant's own copy first
    if found is None:
        available = ", ".join(video_template_list(merchant=merchant).values_list("slug", flat=True)) or "none"
        raise TemplateNotFound(f"No template {slug!r} for merchant {merchant.slug!r}; available: {available}.")
    return found


def video_template_list(*, merchant: Merchant) -> QuerySet[VideoTemplate]:
    return VideoTemplate.objects.filter(Q(merchant=merchant) | Q(merchant__isnull=True)).order_by("slug")


def render_job_get(*, merchant: Merchant, job_id: int) -> RenderJob:
    return RenderJob.objects.select_related("product", "template").get(merchant=merchant, pk=job_id)


def render_job_renditions(*, job: RenderJob) -> QuerySet[Rendition]:
    return job.renditions.order_by("aspect_ratio")
