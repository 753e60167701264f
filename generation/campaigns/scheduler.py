"""Renders made lazily: each advance fills a running campaign up to its caps, in product-id order from its
cursor (retries and keep-current re-renders first), and no further.

    room = min(CAMPAIGN_MERCHANT_IN_FLIGHT - the merchant's campaign renders queued or running,
               CAMPAIGN_BATCH_IN_FLIGHT - every campaign's)
    quota spent -> paused with the reason
    each product: render_job_create (every check a one-off render gets), in its own savepoint;
                  a refusal is a CampaignSkip with the reason, and the next product is tried
    nothing left, nothing in flight -> succeeded (failed when no product rendered) + campaign.finished

An advance runs when one of the campaign's renders ends (render_job_finished -> a campaign_advance task) and
from the beat sweep (campaigns_advance), which also covers a lost message and a cancelled render. The caps are
the fair scheduling: the queues only ever hold a bounded batch, so a one-off render (or another merchant's)
waits behind at most CAMPAIGN_BATCH_IN_FLIGHT renders on any broker, Redis, RabbitMQ or the embedded one."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from generation.campaigns.models import Campaign, CampaignPending, CampaignSkip, Recurrence
from generation.campaigns.quota import render_quota_left, render_quota_message, render_quota_seconds
from generation.campaigns.selection import selection_products
from generation.campaigns.selectors import IN_FLIGHT, campaign_counts, campaign_in_flight
from generation.campaigns.services import campaign_payload, campaign_template_for
from generation.models import JobStatus, RenderJob
from generation.services.render_jobs import render_job_create
from shop_video.webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

SCAN_MAX = 500  # products examined per advance at most (all skipped: the next advance goes on)
REASON_MAX_CHARS = 2000
RECURRENCE_PERIOD = {
    Recurrence.DAILY: timedelta(days=1),
    Recurrence.WEEKLY: timedelta(weeks=1),
    Recurrence.MONTHLY: timedelta(days=30),
}


def campaign_advance(*, campaign_id: int) -> int:
    """Make the renders a running campaign has room for; finish it when all is done. Returns renders made.
    Safe to run concurrently: the campaign row is locked (a second advance skips it)."""
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(skip_locked=True)
            .select_related("merchant")
            .filter(pk=campaign_id, status=Campaign.Status.RUNNING)
            .first()
        )
        if campaign is None:
            return 0
        made = _chunk_make(campaign)
        if not made:
            _finish_if_done(campaign)
        _progress_maybe_send(campaign)
    return made


def _room(campaign: Campaign) -> int:
    merchant_room = settings.CAMPAIGN_MERCHANT_IN_FLIGHT - campaign_in_flight(merchant_id=campaign.merchant_id)
    if merchant_room <= 0:
        return 0
    return min(merchant_room, settings.CAMPAIGN_BATCH_IN_FLIGHT - campaign_in_flight())


def _chunk_make(campaign: Campaign) -> int:
    room = _room(campaign)
    if room <= 0:
        return 0
    left = render_quota_left(merchant=campaign.merchant)
    if left is not None and left <= 0:
        quota = render_quota_seconds(merchant=campaign.merchant)
        reason = render_quota_message(used=quota - left, quota=quota)
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.RUNNING).update(
            status=Campaign.Status.PAUSED, status_reason=reason
        )
        campaign.status, campaign.status_reason = Campaign.Status.PAUSED, reason
        logger.info("campaign %s paused: %s", campaign.pk, reason)
        return 0
    made = examined = 0
    for pending in list(campaign.pending.select_related("product")[:room]):
        made += _render_one(campaign, pending.product, retried=True)
        pending.delete()
        examined += 1
    products = selection_products(merchant=campaign.merchant, selection=campaign.selection).only(
        "pk", "key", "product_type"
    )
    while made < room and not campaign.selection_done and examined < SCAN_MAX:
        batch = list(products.filter(pk__gt=campaign.cursor)[: room - made])
        if not batch:
            campaign.selection_done = True
            break
        for product in batch:
            made += _render_one(campaign, product)
            campaign.cursor = product.pk
            examined += 1
    if examined:
        Campaign.objects.filter(pk=campaign.pk).update(
            cursor=campaign.cursor, selection_done=campaign.selection_done, updated_at=timezone.now()
        )
    return made


def _render_one(campaign: Campaign, product, *, retried: bool = False) -> int:
    """1 when a render was made; 0 when refused, kept as a skip with the reason. Never raises a refusal: one
    product never blocks the rest."""
    try:
        with transaction.atomic():
            job = render_job_create(
                merchant=campaign.merchant,
                template_slug=campaign_template_for(campaign=campaign, product_type=product.product_type),
                sku=product.key,
                aspect_ratios=campaign.aspect_ratios,
                engine=campaign.engine or None,
            )
            RenderJob.objects.filter(pk=job.pk).update(campaign=campaign)
    except ValidationError as exc:
        reason = " ".join(exc.messages)[:REASON_MAX_CHARS]
        CampaignSkip.objects.update_or_create(campaign=campaign, product=product, defaults={"reason": reason})
        return 0
    if retried:
        CampaignSkip.objects.filter(campaign=campaign, product=product).delete()
    return 1


def _finish_if_done(campaign: Campaign) -> None:
    if campaign.status != Campaign.Status.RUNNING or not campaign.selection_done:
        return
    if campaign.pending.exists() or RenderJob.objects.filter(campaign=campaign, status__in=IN_FLIGHT).exists():
        return
    rendered = RenderJob.objects.filter(campaign=campaign, status=JobStatus.SUCCEEDED).exists()
    status = Campaign.Status.SUCCEEDED if rendered else Campaign.Status.FAILED
    reason = "" if rendered else "no product could be rendered: see the skipped products and failed renders"
    now = timezone.now()
    period = RECURRENCE_PERIOD.get(campaign.recurrence)
    next_run = now + period if period else None
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.RUNNING).update(
        status=status, status_reason=reason, finished_at=now, next_run_at=next_run
    )
    campaign.status, campaign.status_reason, campaign.finished_at = status, reason, now
    counts = campaign_counts(campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(counts=counts)
    _emit(campaign, "campaign.finished", counts)


def _progress_maybe_send(campaign: Campaign) -> None:
    """campaign.progress at most every CAMPAIGN_PROGRESS_WEBHOOK_SECONDS per campaign (and the cached counts)."""
    if campaign.status != Campaign.Status.RUNNING:
        return
    now = timezone.now()
    due = now - timedelta(seconds=settings.CAMPAIGN_PROGRESS_WEBHOOK_SECONDS)
    if not Campaign.objects.filter(pk=campaign.pk).exclude(progress_sent_at__gt=due).update(progress_sent_at=now):
        return
    counts = campaign_counts(campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(counts=counts)
    _emit(campaign, "campaign.progress", counts)


def _emit(campaign: Campaign, event: str, counts: dict) -> None:
    try:
        with transaction.atomic():
            webhook_event_emit(merchant=campaign.merchant, event=event, data=campaign_payload(campaign, counts=counts))
    except Exception:  # a webhook that cannot be queued never stops the campaign
        logger.exception("could not queue the %s webhook of campaign %s", event, campaign.pk)


def campaigns_advance_all() -> dict[str, int]:
    """The beat sweep: relaunch recurring campaigns that are due, then advance every running campaign, the
    merchants with the fewest renders in flight first (so no merchant's campaigns take every free slot)."""
    relaunched = campaigns_recur()
    campaigns_template_versions_check()
    running = list(Campaign.objects.filter(status=Campaign.Status.RUNNING).values_list("pk", "merchant_id"))
    in_flight = dict(
        RenderJob.objects.filter(status__in=IN_FLIGHT, campaign__isnull=False)
        .values_list("merchant_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    running.sort(key=lambda row: (in_flight.get(row[1], 0), row[0]))
    made = sum(campaign_advance(campaign_id=pk) for pk, _ in running)
    return {"campaigns": len(running), "renders": made, "relaunched": relaunched}


def campaigns_recur() -> int:
    """A recurring campaign whose next run is due starts over: the whole selection again, from the start."""
    now = timezone.now()
    return Campaign.objects.filter(
        next_run_at__lte=now, status__in=(Campaign.Status.SUCCEEDED, Campaign.Status.FAILED)
    ).update(
        status=Campaign.Status.RUNNING,
        cursor=0,
        selection_done=False,
        next_run_at=None,
        finished_at=None,
        launched_at=now,
        status_reason="",
    )


def campaigns_template_versions_check() -> int:
    """A keep-current campaign whose template has a new version renders its products again with it."""
    from generation.models import VideoTemplate

    queued = 0
    for campaign in Campaign.objects.filter(
        keep_current=True, status__in=(Campaign.Status.RUNNING, Campaign.Status.SUCCEEDED)
    ).exclude(template_versions={}):
        slugs = list(campaign.template_versions)
        current = {
            template.slug: template.version
            for template in VideoTemplate.objects.filter(
                slug__in=slugs, merchant_id__in=[campaign.merchant_id, None]
            ).order_by(F("merchant_id").asc(nulls_first=True))  # the merchant's own copy, last, wins
        }
        changed = [
            slug
            for slug in slugs
            if current.get(slug, campaign.template_versions[slug]) != campaign.template_versions[slug]
        ]
        if not changed:
            continue
        product_ids = (
            RenderJob.objects.filter(campaign=campaign, status=JobStatus.SUCCEEDED, template__slug__in=changed)
            .values_list("product_id", flat=True)
            .distinct()
        )
        with transaction.atomic():
            rows = [
                CampaignPending(campaign=campaign, product_id=pid, reason=CampaignPending.Reason.TEMPLATE)
                for pid in product_ids
            ]
            CampaignPending.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
            Campaign.objects.filter(pk=campaign.pk).update(template_versions={**campaign.template_versions, **current})
            Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SUCCEEDED).update(
                status=Campaign.Status.RUNNING, finished_at=None
            )
        queued += len(rows)
    return queued
