"""Is a video still current? What a render shows (the product's title, price, compare-at price and currency, the
photos it was made from, the template's version) is kept on the job as a small JSON snapshot when the render is
created (`RenderJob.content_shown`); comparing it with the catalog now says what changed since.

Cheap by design: the product, variant and template are usually loaded with the job already (select_related), and
the product's ready photos are one query per job, or one for a whole page of jobs (render_jobs_stale_reasons).
Renders made before snapshots existed have an empty one and are never called stale.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from catalog.models import Product, ProductImage, Variant
from generation.models import RenderJob, VideoTemplate

# What may make a video stale, in the order a merchant reads them.
STALE_FIELDS = ("title", "price", "compare_at_price", "currency", "photos", "template", "variant")


def product_content_shown(
    *,
    variant: Variant,
    template: VideoTemplate,
    photos: list[ProductImage],
    merge_fields: dict | None = None,
) -> dict:
    """The snapshot of what a render of `variant` with `template` from `photos` (in the order it uses them) shows.
    A title given in `merge_fields` is the one the video shows, whatever the product's becomes."""
    compare_at = variant.compare_at_price
    return {
        "title": (merge_fields or {}).get("title") or variant.product.title,
        "price": _amount_text(variant.price),
        "compare_at_price": None if compare_at is None else _amount_text(compare_at),
        "currency": variant.currency,
        "photos": [photo.sha256 for photo in photos],
        "template": {"id": template.pk, "version": template.version},
    }


def render_job_stale_reasons(*, job: RenderJob, photos: list[str] | None = None) -> list[str]:
    """What changed since the render was made, as names from STALE_FIELDS (e.g. ["price", "photos"]); [] when
    the video is current or has no snapshot. `photos`: the product's ready photos' sha256 in order, when the
    caller has them (render_jobs_stale_reasons reads them for many jobs at once); else one query reads them."""
    shown = job.content_shown
    if not shown:
        return []
    if photos is None:
        photos = _ready_photos_by_product([job.product_id]).get(job.product_id, [])
    reasons = []
    current_title = (job.merge_fields or {}).get("title") or job.product.title
    if shown.get("title") != current_title:
        reasons.append("title")
    variant = job.variant
    if variant is None:  # the variant the video was made for is gone from the catalog
        reasons.append("variant")
    else:
        if not _amounts_equal(shown.get("price"), variant.price):
            reasons.append("price")
        if not _amounts_equal(shown.get("compare_at_price"), variant.compare_at_price):
            reasons.append("compare_at_price")
        if shown.get("currency") != variant.currency:
            reasons.append("currency")
    if shown.get("photos") != photos:
        reasons.append("photos")
    if (shown.get("template") or {}).get("version") != job.template.version:
        reasons.append("template")
    return sorted(reasons, key=STALE_FIELDS.index)


def render_job_is_current(*, job: RenderJob) -> bool:
    return not render_job_stale_reasons(job=job)


def render_jobs_stale_reasons(*, jobs: list[RenderJob]) -> dict[int, list[str]]:
    """render_job_stale_reasons of many jobs with one query for all their photos, and one per relation (product,
    variant, template) the jobs were loaded without: never a query per job."""
    with_snapshot = [job for job in jobs if job.content_shown]
    _relations_load(with_snapshot)
    photos = _ready_photos_by_product({job.product_id for job in with_snapshot})
    reasons = {job.pk: [] for job in jobs}
    for job in with_snapshot:
        reasons[job.pk] = render_job_stale_reasons(job=job, photos=photos.get(job.product_id, []))
    return reasons


def _relations_load(jobs: list[RenderJob]) -> None:
    """Load the product, variant and template of jobs that lack them (not select_related), one query each."""
    for field, model in (("product", Product), ("variant", Variant), ("template", VideoTemplate)):
        descriptor = getattr(RenderJob, field)
        missing = [job for job in jobs if not descriptor.is_cached(job) and getattr(job, f"{field}_id") is not None]
        if not missing:
            continue
        found = model.objects.in_bulk({getattr(job, f"{field}_id") for job in missing})
        for job in missing:
            setattr(job, field, found.get(getattr(job, f"{field}_id")))


def _ready_photos_by_product(product_ids) -> dict[int, list[str]]:
    """The ready photos' sha256 per product, in the order render_job_create takes them (position, then id)."""
    if not product_ids:
        return {}
    by_product: dict[int, list[str]] = {}
    rows = (
        ProductImage.objects.filter(product_id__in=list(product_ids), status=ProductImage.Status.READY)
        .order_by("product_id", "position", "id")
        .values_list("product_id", "sha256")
    )
    for product_id, sha256 in rows:
        by_product.setdefault(product_id, []).append(sha256)
    return by_product


def _amount_text(amount: Decimal) -> str:
    """An amount as text without trailing zeros (24.0000 and 24.00 are one price)."""
    return format(Decimal(amount).normalize(), "f")


def _amounts_equal(shown: str | None, current: Decimal | None) -> bool:
    if shown is None or current is None:
        return shown is None and current is None
    try:
        return Decimal(shown) == Decimal(current)
    except (InvalidOperation, TypeError, ValueError):
        return False
