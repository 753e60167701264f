"""Reads for the dashboard's product page that span apps: a product's videos (generation) beside its catalog data."""

from __future__ import annotations

from catalog.models import Product
from generation.models import JobStatus, Rendition

PRODUCT_VIDEOS_SHOWN = 12


def product_videos_latest(*, product: Product, limit: int = PRODUCT_VIDEOS_SHOWN) -> list[Rendition]:
    """The product's newest finished videos (one per rendition, newest render first), with their job and template
    loaded for the links; product is already the merchant's, so so are they."""
    return list(
        Rendition.objects.filter(job__product=product, job__status=JobStatus.SUCCEEDED)
        .select_related("job__template")
        .order_by("-job__created_at", "-job_id", "aspect_ratio")[:limit]
    )
