"""Campaign renders are made lazily, a capped chunk at a time; a refused product never blocks the rest; pause,
resume, cancel and retry; the quota pauses a campaign; merchants share the batch slots; keep-current re-renders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Variant
from catalog.signals import products_changed
from generation.campaigns.models import Campaign, CampaignPending, CampaignSkip, RenderQuota
from generation.campaigns.scheduler import campaign_advance, campaigns_advance_all
from generation.campaigns.services import (
    CampaignError,
    CampaignStateError,
    campaign_cancel,
    campaign_create,
    campaign_launch,
    campaign_pause,
    campaign_resume,
    campaign_retry_failed,
)
from generation.models import JobStatus, RenderJob
from tests import factories
from tests.campaigns.conftest import renders_finish, shot_seconds_used

pytestmark = pytest.mark.django_db


def test_renders_are_made_a_chunk_at_a_time_up_to_the_merchants_cap(campaign, emitted):
    campaign_launch(campaign=campaign)
    assert campaign_advance(campaign_id=campaign.pk) == 2
    assert RenderJob.objects.filter(campaign=campaign).count() == 2  # not five: rows are made as slots free
    assert campaign_advance(campaign_id=campaign.pk) == 0  # both slots taken
    rounds = [2]
    while renders_finish(campaign):
        rounds.append(campaign_advance(campaign_id=campaign.pk))
    assert rounds == [2, 2, 1, 0]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SUCCEEDED
    keys = sorted(RenderJob.objects.filter(campaign=campaign).values_list("product__key", flat=True))
    assert keys == ["p-1", "p-2", "p-3", "p-4", "p-5"]  # each product once, in id order
    finished = [call for call in emitted if call["event"] == "campaign.finished"]
    assert len(finished) == 1 and finished[0]["data"]["counts"]["succeeded"] == 5


def test_a_refused_product_is_skipped_with_its_reason_and_the_rest_render(merchant, shop, campaign, emitted):
    no_photo = factories.product_make(merchant=merchant, sku="BARE-1", photos=0, title="Bare")
    campaign.products_total = 6
    campaign.save()
    campaign_launch(campaign=campaign)
    while campaign_advance(campaign_id=campaign.pk) or renders_finish(campaign):
        pass
    campaign.refresh_from_db()
    skip = CampaignSkip.objects.get(campaign=campaign)
    assert skip.product == no_photo and "has no ready photos" in skip.reason
    assert RenderJob.objects.filter(campaign=campaign, status=JobStatus.SUCCEEDED).count() == 5
    assert campaign.status == Campaign.Status.SUCCEEDED


def test_pause_stops_new_renders_resume_goes_on_cancel_cancels_the_queued(campaign, emitted):
    campaign_launch(campaign=campaign)
    campaign_advance(campaign_id=campaign.pk)
    campaign_pause(campaign=campaign)
    renders_finish(campaign)
    assert campaign_advance(campaign_id=campaign.pk) == 0
    with pytest.raises(CampaignStateError, match="only a running campaign can be paused"):
        campaign_pause(campaign=campaign)
    campaign_resume(campaign=campaign)
    assert campaign_advance(campaign_id=campaign.pk) == 2
    campaign_cancel(campaign=campaign)
    assert RenderJob.objects.filter(campaign=campaign, status=JobStatus.QUEUED).count() == 0
    assert RenderJob.objects.filter(campaign=campaign, status=JobStatus.CANCELLED).count() == 2
    assert campaign_advance(campaign_id=campaign.pk) == 0
    with pytest.raises(CampaignStateError):
        campaign_resume(campaign=campaign)


def test_retry_failed_renders_each_failed_product_again(campaign, emitted):
    campaign_launch(campaign=campaign)
    campaign_advance(campaign_id=campaign.pk)
    failed_product = RenderJob.objects.filter(campaign=campaign).order_by("id").first().product_id
    RenderJob.objects.filter(campaign=campaign, product_id=failed_product).update(status=JobStatus.FAILED)
    renders_finish(campaign)
    while campaign_advance(campaign_id=campaign.pk) or renders_finish(campaign):
        pass
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SUCCEEDED
    assert campaign_retry_failed(campaign=campaign) == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    assert campaign_advance(campaign_id=campaign.pk) == 1
    newest = RenderJob.objects.filter(campaign=campaign).latest("id")
    assert newest.product_id == failed_product and newest.status == JobStatus.QUEUED


def test_a_campaign_that_spends_the_quota_pauses_with_the_reason(merchant, campaign, emitted):
    RenderQuota.objects.create(merchant=merchant, monthly_render_seconds=60)
    campaign_launch(campaign=campaign)
    campaign_advance(campaign_id=campaign.pk)
    shot_seconds_used(merchant, 61)
    renders_finish(campaign)
    assert campaign_advance(campaign_id=campaign.pk) == 0
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "render quota is spent" in campaign.status_reason and "of 60 render-seconds" in campaign.status_reason
    with pytest.raises(CampaignError, match="quota is spent"):
        campaign_resume(campaign=campaign)
    with pytest.raises(CampaignError, match="quota is spent"):  # a new campaign is refused, nothing created
        campaign_create(merchant=merchant, name="More", template="quick-bumper", selection={"all": True})
    assert Campaign.objects.count() == 1


def test_merchants_share_the_batch_slots_and_one_offs_are_not_counted(
    merchant, other_merchant, shop, settings, emitted
):
    settings.CAMPAIGN_BATCH_IN_FLIGHT = 3
    for n in range(3):
        factories.product_make(merchant=other_merchant, sku=f"G-{n}")
    theirs = campaign_create(merchant=other_merchant, name="G", template="quick-bumper", selection={"all": True})
    ours = campaign_create(merchant=merchant, name="A", template="quick-bumper", selection={"all": True})
    campaign_launch(campaign=ours)
    campaign_launch(campaign=theirs)
    assert campaign_advance(campaign_id=ours.pk) == 2  # the merchant's own cap
    assert campaigns_advance_all()["renders"] == 1  # globex gets the last batch slot
    assert RenderJob.objects.filter(campaign=theirs).count() == 1
    from generation.services.render_jobs import render_job_create

    render_job_create(merchant=merchant, template_slug="quick-bumper", sku="P-5")  # a one-off still runs
    renders_finish(theirs)
    assert campaigns_advance_all()["renders"] == 1  # acme is full; globex takes the freed slot


def test_keep_current_renders_again_only_what_changed(merchant, shop, emitted, django_capture_on_commit_callbacks):
    campaign = campaign_create(
        merchant=merchant, name="Live", template="quick-bumper", selection={"all": True}, keep_current=True
    )
    campaign_launch(campaign=campaign)
    while campaign_advance(campaign_id=campaign.pk) or renders_finish(campaign):
        pass
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SUCCEEDED
    changed = shop[2]
    Variant.objects.filter(product=changed).update(price=Decimal("19.00"))
    unchanged = shop[3]
    products_changed.send(sender=None, merchant_id=merchant.pk, product_ids=[changed.pk, unchanged.pk])
    assert list(CampaignPending.objects.values_list("product_id", "reason")) == [(changed.pk, "changed")]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    assert campaign_advance(campaign_id=campaign.pk) == 1
    newest = RenderJob.objects.filter(campaign=campaign).latest("id")
    assert newest.product_id == changed.pk


def test_progress_webhooks_are_throttled_and_a_recurring_campaign_starts_over(merchant, shop, emitted):
    campaign = campaign_create(
        merchant=merchant, name="Daily", template="quick-bumper", selection={"all": True}, recurrence="daily"
    )
    campaign_launch(campaign=campaign)
    while campaign_advance(campaign_id=campaign.pk) or renders_finish(campaign):
        pass
    assert [call["event"] for call in emitted] == ["campaign.progress", "campaign.finished"]  # one a minute
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SUCCEEDED and campaign.next_run_at > timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(next_run_at=timezone.now() - timedelta(seconds=1))
    assert campaigns_advance_all() == {"campaigns": 1, "renders": 2, "relaunched": 1}
    assert RenderJob.objects.filter(campaign=campaign).count() == 7  # the whole selection again, from the start


def test_a_new_template_version_renders_a_keep_current_campaign_again(merchant, shop, emitted):
    from generation.models import VideoTemplate
    from generation.services.video_templates import video_template_copy, video_template_update

    own = video_template_copy(
        template=VideoTemplate.objects.get(slug="quick-bumper", merchant=None), merchant=merchant, slug="mine"
    )
    campaign = campaign_create(
        merchant=merchant, name="Live", template="mine", selection={"all": True}, keep_current=True
    )
    campaign_launch(campaign=campaign)
    while campaign_advance(campaign_id=campaign.pk) or renders_finish(campaign):
        pass
    scenes = [{**own.spec["scenes"][0], "duration": 4.5}, *own.spec["scenes"][1:]]
    video_template_update(template=own, spec={**own.spec, "scenes": scenes})
    campaigns_advance_all()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    assert CampaignPending.objects.filter(campaign=campaign, reason="template").count() == 3  # 2 made at once
    assert RenderJob.objects.filter(campaign=campaign).count() == 7


def test_a_finished_render_refills_its_campaign_once_half_the_slots_are_free(
    campaign, emitted, monkeypatch, django_capture_on_commit_callbacks
):
    from generation.campaigns import tasks
    from generation.services.job_states import render_job_fail

    sent = []
    monkeypatch.setattr(tasks.campaign_advance, "apply_async", lambda args, **options: sent.append(args))
    campaign_launch(campaign=campaign)
    campaign_advance(campaign_id=campaign.pk)  # 2 in flight, the cap
    first, second = RenderJob.objects.filter(campaign=campaign).order_by("id")
    with django_capture_on_commit_callbacks(execute=True):
        render_job_fail(job_id=first.pk, reason="the engine ran out of memory")
    assert sent == [(campaign.pk,)]  # 1 of 2 in flight: refill
    assert campaign_advance(campaign_id=campaign.pk) == 1
    assert RenderJob.objects.filter(campaign=campaign, status=JobStatus.QUEUED).count() == 2
