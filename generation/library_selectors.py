"""The video library's reads: a merchant's renders filtered by product, template, aspect ratio and status, one of
its renditions by id (another merchant's is not found), and the name a download is saved under."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.text import slugify

from generation.models import JobStatus, RenderJob, Rendition
from shop_video.tenancy.models import Merchant

# What the library's status filter offers, and the job statuses each means.
LIBRARY_STATUSES = {
    "ready": ("Ready", (JobStatus.SUCCEEDED,)),
    "in_progress": ("In progress", (JobStatus.QUEUED, JobStatus.RUNNING)),
    "failed": ("Failed", (JobStatus.FAILED,)),
    "cancelled": ("Cancelled", (JobStatus.CANCELLED,)),
}
DOWNLOAD_NAME_PART_MAX = 60


def video_library_filter(
    *, merchant: Merchant, q: str = "", template_slug: str = "", aspect_ratio: str = "", status: str = ""
) -> QuerySet[RenderJob]:
    """The merchant's renders, newest first, with what a library card shows loaded. `q` matches the product's
    title, handle or a variant's SKU; the others are exact (an unknown status matches everything)."""
    jobs = (
        RenderJob.objects.filter(merchant=merchant)
        .select_related("product", "template", "variant")
        .prefetch_related("renditions")
        .order_by("-created_at", "-pk")
    )
    if q:
        jobs = jobs.filter(
            Q(product__title__icontains=q) | Q(product__key__icontains=q) | Q(product__variants__sku__iexact=q)
        ).distinct()
    if template_slug:
        jobs = jobs.filter(template__slug=template_slug)
    if aspect_ratio:
        # The JSON list's text holds each ratio in quotes: exact on every database (SQLite has no JSON contains).
        jobs = jobs.filter(aspect_ratios__icontains=f'"{aspect_ratio}"')
    if status in LIBRARY_STATUSES:
        jobs = jobs.filter(status__in=LIBRARY_STATUSES[status][1])
    return jobs


def rendition_get(*, merchant: Merchant, rendition_id: int) -> Rendition:
    """Rendition.DoesNotExist for another merchant's."""
    return Rendition.objects.select_related("job__product", "job__template").get(
        pk=rendition_id, job__merchant=merchant
    )


def rendition_download_name(*, rendition: Rendition) -> str:
    """`<handle>-<template>-<ratio>.mp4`, e.g. `espresso-cup-product-showcase-9x16.mp4`: safe in any file system
    and a Content-Disposition header (ASCII letters, digits and dashes)."""
    job = rendition.job
    handle = slugify(job.product.key)[:DOWNLOAD_NAME_PART_MAX] or slugify(job.product.title)[:DOWNLOAD_NAME_PART_MAX]
    template = slugify(job.template.slug)[:DOWNLOAD_NAME_PART_MAX]
    ratio = rendition.aspect_ratio.replace(":", "x")
    return f"{'-'.join(part for part in (handle or 'video', template, ratio) if part)}.mp4"
