"""Render jobs made for the API tests: created through the service, or marked succeeded with hand-made renditions."""

from django.utils import timezone

from generation.models import JobStatus, RenderJob, Rendition
from generation.services.render_jobs import render_job_create


def job_make(merchant, sku="MUG-1", **kwargs):
    kwargs.setdefault("aspect_ratios", ["9:16", "1:1"])
    return render_job_create(merchant=merchant, template_slug="product-showcase", sku=sku, short_side=180, **kwargs)


QUALITY = {
    "cards_share": 0.25,
    "time_to_first_product": 0.0,
    "checks": {"cards_share": True, "time_to_first_product": True},
}


def job_succeed(job, *, ratios=None, finished_at=None):
    """Mark a job succeeded with hand-made renditions (no encoding)."""
    for ratio in ratios or job.aspect_ratios:
        name = f"renders/{job.merchant.slug}/{job.pk}/{ratio.replace(':', 'x')}"
        width, height = {"9:16": (180, 320), "1:1": (180, 180), "16:9": (320, 180), "4:5": (180, 224)}[ratio]
        Rendition.objects.create(
            job=job,
            aspect_ratio=ratio,
            file=f"{name}.mp4",
            poster=f"{name}-poster.jpg",
            preview=f"{name}-preview.webp",
            captions_vtt=f"{name}.vtt",
            captions_srt=f"{name}.srt" if ratio == "9:16" else "",
            width=width,
            height=height,
            duration=7.5,
            size_bytes=1000,
            quality=QUALITY if ratio == "9:16" else {},
        )
    RenderJob.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, progress=100, finished_at=finished_at or timezone.now()
    )
    job.refresh_from_db()
    return job
