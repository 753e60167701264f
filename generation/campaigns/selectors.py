"""Reads for campaigns, every one scoped to a merchant (another merchant's campaign is a DoesNotExist: a 404)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from generation.campaigns.models import Campaign, CampaignSkip
from generation.models import JobStatus, RenderJob
from shop_video.tenancy.models import Merchant

IN_FLIGHT = (JobStatus.QUEUED, JobStatus.RUNNING)


def campaign_get(*, merchant: Merchant, campaign_id: int) -> Campaign:
    return Campaign.objects.get(merchant=merchant, pk=campaign_id)


def campaigns_list(*, merchant: Merchant, status: str | None = None) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.filter(merchant=merchant).order_by("-created_at", "-id")
    return campaigns.filter(status=status) if status else campaigns


def campaign_renders(*, campaign: Campaign, status: str | None = None, sku: str | None = None) -> QuerySet[RenderJob]:
    jobs = (
        RenderJob.objects.filter(merchant_id=campaign.merchant_id, campaign=campaign)
        .select_related("template", "variant")
        .prefetch_related("renditions")
    )
    if status:
        jobs = jobs.filter(status=status)
    if sku:
        jobs = jobs.filter(variant__sku=sku)
    return jobs


def campaign_skips(*, campaign: Campaign, limit: int = 100) -> list[dict]:
    skips = CampaignSkip.objects.filter(campaign=campaign).select_related("product").order_by("product_id")[:limit]
    return [{"product": skip.product.key, "title": skip.product.title, "reason": skip.reason} for skip in skips]


def campaign_counts(*, campaign: Campaign) -> dict[str, int]:
    """Renders by state (a product rendered again counts each time), skipped and pending products, and products
    the cursor has not reached yet."""
    by_state = dict(
        RenderJob.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id")).order_by()
    )
    counts = {state: by_state.get(state, 0) for state in JobStatus.values}
    counts["skipped"] = campaign.skips.count()
    counts["pending"] = campaign.pending.count()
    handled = sum(by_state.values()) + counts["skipped"]
    counts["not_started"] = 0 if campaign.selection_done else max(0, campaign.products_total - handled)
    counts["products"] = campaign.products_total
    return counts


def campaign_eta(*, campaign: Campaign, counts: dict[str, int]):
    """When the campaign should finish at the pace it has kept so far; None before its first render finished or
    once it is not running."""
    if campaign.status != Campaign.Status.RUNNING or not campaign.launched_at:
        return None
    finished = counts["succeeded"] + counts["failed"] + counts["cancelled"]
    left = counts["not_started"] + counts["pending"] + counts["queued"] + counts["running"]
    elapsed = (timezone.now() - campaign.launched_at).total_seconds()
    if not finished or elapsed <= 0:
        return None
    return timezone.now() + timedelta(seconds=left * elapsed / finished)


def campaign_in_flight(*, merchant_id: int | None = None) -> int:
    """Campaign renders queued or running: one merchant's, or everyone's."""
    jobs = RenderJob.objects.filter(status__in=IN_FLIGHT, campaign__isnull=False)
    if merchant_id is not None:
        jobs = jobs.filter(merchant_id=merchant_id)
    return jobs.count()
