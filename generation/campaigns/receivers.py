"""What moves a campaign besides its own API: one of its renders ended (advance it: a slot is free), and the
catalog changed under a keep-current campaign (re-render the products whose video no longer shows them as
they are). Receivers only record work and send an advance; the scheduler makes the renders, within the caps."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from generation.campaigns import dispatch
from generation.campaigns.models import Campaign, CampaignPending, CampaignSkip
from generation.campaigns.selection import selection_products
from generation.campaigns.selectors import campaign_in_flight
from generation.models import JobStatus, RenderJob
from generation.video_freshness import render_jobs_stale_reasons

logger = logging.getLogger(__name__)

KEEP_CURRENT_STATES = (Campaign.Status.RUNNING, Campaign.Status.PAUSED, Campaign.Status.SUCCEEDED)


def receivers_connect() -> None:
    from catalog.signals import products_changed
    from generation.signals import render_job_finished

    render_job_finished.connect(_render_finished, dispatch_uid="campaigns-render-finished")
    products_changed.connect(_products_changed, dispatch_uid="campaigns-products-changed")


def _render_finished(sender, *, job_id: int, event: str, **kwargs) -> None:
    """Refill once half the merchant's slots are free, not at every finish: one advance then makes a chunk of
    renders in one transaction instead of one task per render (bench/campaign.py measures the difference)."""
    row = RenderJob.objects.filter(pk=job_id).values_list("campaign_id", "merchant_id").first()
    if row and row[0]:
        if campaign_in_flight(merchant_id=row[1]) <= settings.CAMPAIGN_MERCHANT_IN_FLIGHT // 2:
            dispatch.campaign_advance_send(campaign_id=row[0])


def _products_changed(sender, *, merchant_id: int, product_ids: list[int], **kwargs) -> None:
    for campaign in Campaign.objects.filter(merchant_id=merchant_id, keep_current=True, status__in=KEEP_CURRENT_STATES):
        if campaign_products_changed(campaign=campaign, product_ids=product_ids):
            dispatch.campaign_advance_send(campaign_id=campaign.pk)


def campaign_products_changed(*, campaign: Campaign, product_ids: list[int]) -> int:
    """Queue a re-render of each changed product the campaign rendered whose latest video is stale (or that it
    skipped: a photo may have arrived). Products the cursor has not reached are rendered as they are anyway.
    Returns how many were queued; a finished campaign runs again for them."""
    selected = set(
        selection_products(merchant=campaign.merchant, selection=campaign.selection)
        .filter(pk__any=list(product_ids), pk__lte=campaign.cursor)
        .values_list("pk", flat=True)
    )
    if not selected:
        return 0
    latest: dict[int, RenderJob] = {}
    jobs = (
        RenderJob.objects.filter(campaign=campaign, product_id__any=list(selected))
        .select_related("product", "variant", "template")
        .order_by("product_id", "id")
    )
    for job in jobs:
        latest[job.product_id] = job
    succeeded = [job for job in latest.values() if job.status == JobStatus.SUCCEEDED]
    reasons = render_jobs_stale_reasons(jobs=succeeded)  # one photo query for them all
    stale = {job.product_id for job in succeeded if reasons[job.pk]}
    stale |= set(
        CampaignSkip.objects.filter(campaign=campaign, product_id__in=selected).values_list("product_id", flat=True)
    )
    if not stale:
        return 0
    with transaction.atomic():
        CampaignPending.objects.bulk_create(
            [
                CampaignPending(campaign=campaign, product_id=pid, reason=CampaignPending.Reason.CHANGED)
                for pid in stale
            ],
            ignore_conflicts=True,
        )
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SUCCEEDED).update(
            status=Campaign.Status.RUNNING, finished_at=None
        )
    logger.info("campaign %s: %d changed products to render again", campaign.pk, len(stale))
    return len(stale)
