"""Reads behind the catalog's filters and the campaign pages: the products a filter shows, the campaign selection
"Make videos" sends (the filters themselves, not ids), the engines that can run here, and a failed render's
reason in words for the merchant. Every read is scoped to the merchant it is given."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from catalog.models import Product
from catalog.selectors import products_filter
from generation.campaigns.models import Campaign
from generation.campaigns.selection import selection_clean, selection_products
from generation.engines.registry import engine_queue
from generation.models import JobStatus, RenderJob
from shop_video.tenancy.models import Merchant

CHOICES_MAX = 300  # distinct product types / vendors offered as suggestions
REASON_MAX_CHARS = 300


def _campaign_filters(filters: dict) -> dict:
    """The catalog filters a campaign selection holds (generation/campaigns/selection.py's names); the search is
    not one of them."""
    selection = {}
    if filters.get("type"):
        selection["product_type"] = filters["type"]
    if filters.get("vendor"):
        selection["vendor"] = filters["vendor"]
    for name in ("in_stock", "has_photos"):
        if filters.get(name):
            selection[name] = True
    return selection_clean(selection) if selection else {}


def catalog_filtered(*, merchant: Merchant, filters: dict) -> QuerySet[Product]:
    """The catalog list: the search as before (archived products hidden), narrowed by the other filters the way
    a campaign selects (active products only, as a campaign renders them)."""
    products = products_filter(merchant=merchant, q=filters.get("q", ""))
    selection = _campaign_filters(filters)
    if selection:
        products = products.filter(pk__in=selection_products(merchant=merchant, selection=selection).values("pk"))
    return products


def catalog_matching(*, merchant: Merchant, filters: dict) -> QuerySet[Product]:
    """The products a campaign over "all matching" these filters renders."""
    products = selection_products(merchant=merchant, selection=_campaign_filters(filters) or {"all": True})
    if filters.get("q"):
        products = products.filter(pk__in=products_filter(merchant=merchant, q=filters["q"]).values("pk"))
    return products


def campaign_selection_for(*, merchant: Merchant, filters: dict, all_matching: bool, product_ids: list[int]) -> dict:
    """The selection "Make videos" sends: the filters ({"all": true} with none); ticked products by their handles.
    A search is no campaign filter: with one, "all matching" is the products it finds now, by handle.
    ValidationError says what to change."""
    if all_matching:
        if not filters.get("q"):
            return _campaign_filters(filters) or {"all": True}
        cap = settings.CAMPAIGN_MAX_PRODUCTS
        keys = list(catalog_matching(merchant=merchant, filters=filters).values_list("key", flat=True)[: cap + 1])
        if len(keys) > cap:
            raise ValidationError(
                f"The search matches more than {cap:,} products; a campaign takes at most {cap:,}. Narrow it, or "
                "use the type, vendor, stock and photo filters without a search."
            )
        if not keys:
            raise ValidationError("No active product matches these filters; widen them.")
        return {"skus": keys}
    keys = list(
        Product.objects.filter(merchant=merchant, pk__in=product_ids)
        .exclude(status=Product.Status.ARCHIVED)
        .order_by("pk")
        .values_list("key", flat=True)
    )
    if not keys:
        raise ValidationError("None of the ticked products is in this catalog any more; tick them again.")
    return {"skus": keys}


def selection_describe(selection: dict) -> str:
    """A campaign's selection in words: "all active products", "product type Mugs, in stock", "12 products"."""
    if selection.get("all"):
        return "all active products"
    if "skus" in selection:
        count = len(selection["skus"])
        return f"{count:,} chosen product{'s' if count != 1 else ''}"
    words = {
        "product_type": "product type “{}”",
        "vendor": "vendor “{}”",
        "category": "category “{}”",
        "collection": "collection “{}”",
        "tag": "tag “{}”",
        "price_min": "price from {}",
        "price_max": "price up to {}",
        "changed_since": "changed since {}",
    }
    parts = [template.format(selection[name]) for name, template in words.items() if name in selection]
    if selection.get("in_stock"):
        parts.append("in stock")
    if "has_photos" in selection:
        parts.append("with photos" if selection["has_photos"] else "without photos")
    return "active products: " + ", ".join(parts)


def catalog_filter_choices(*, merchant: Merchant) -> dict[str, list[str]]:
    """Suggestions for the type and vendor filters: the merchant's own values, the first CHOICES_MAX of each."""
    products = Product.objects.filter(merchant=merchant).exclude(status=Product.Status.ARCHIVED).order_by()

    def distinct(field: str) -> list[str]:
        values = products.exclude(**{field: ""}).values_list(field, flat=True).distinct().order_by(field)
        return list(values[:CHOICES_MAX])

    return {"types": distinct("product_type"), "vendors": distinct("brand")}


def engines_runnable() -> list[str]:
    """Engines whose shots some worker here takes: the CPU ones always (every install runs a CPU worker), a GPU one
    only where RENDER_FLEET declares workers for its queue (offering it elsewhere would queue renders nobody
    makes)."""
    runnable = []
    for name in sorted(settings.SHOT_ENGINES):
        queue = engine_queue(name)
        if not queue.startswith("gpu.") or settings.RENDER_FLEET.get(queue, 0) > 0:
            runnable.append(name)
    return runnable


# Technical failure reasons (generation's services and workers) in words for the merchant: (pattern, text).
_REASONS = (
    (
        re.compile(r"lost its worker|ran out of memory", re.I),
        "A render worker stopped while making this video (it may have run out of memory). Retrying usually works.",
    ),
    (
        re.compile(r"CELERY_BROKER_URL|queue could not be reached", re.I),
        "The render queue could not be reached at the time. Retry in a few minutes.",
    ),
    (
        re.compile(r"took longer than", re.I),
        "Making this video took too long. Try fewer aspect ratios or a simpler template, then retry.",
    ),
    (re.compile(r"no ready photos?", re.I), "The product has no photo ready. Add a photo, then retry."),
)


def failure_for_merchant(error: str) -> str:
    """Why a render failed, in words for the merchant; the first sentence of the reason when no rule knows it."""
    error = (error or "").strip()
    for pattern, text in _REASONS:
        if pattern.search(error):
            return text
    if not error:
        return "The render failed without a reason. Retry it; if it fails again, contact support."
    first = error.splitlines()[0]
    first = first[0].upper() + first[1:]
    if len(first) > REASON_MAX_CHARS:
        first = first[: REASON_MAX_CHARS - 1].rstrip() + "…"
    return first if first.endswith((".", "…")) else first + "."


def campaign_failures(*, campaign: Campaign, limit: int = 20) -> list[dict]:
    """The campaign's failed renders, newest first: the render, its product and the reason for the merchant."""
    jobs = (
        RenderJob.objects.filter(merchant_id=campaign.merchant_id, campaign=campaign, status=JobStatus.FAILED)
        .select_related("product", "variant")
        .only("pk", "error", "finished_at", "product__title", "product__key", "variant__sku")
        .order_by("-id")[:limit]
    )
    return [{"job": job, "reason": failure_for_merchant(job.error), "detail": job.error} for job in jobs]


def campaign_recent_renders(*, campaign: Campaign, limit: int = 20) -> list[RenderJob]:
    return list(
        RenderJob.objects.filter(merchant_id=campaign.merchant_id, campaign=campaign)
        .select_related("product")
        .only("pk", "status", "progress", "created_at", "product__title")
        .order_by("-id")[:limit]
    )
