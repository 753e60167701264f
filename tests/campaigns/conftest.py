"""Fixtures the campaign tests share: a small catalog, a campaign over it, and helpers that finish renders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from generation.campaigns.services import campaign_create
from generation.models import JobStatus, RenderJob, Shot
from tests import factories


@pytest.fixture
def shop(merchant, builtin_templates, sent_tasks, settings):
    """acme with five products with a photo (P-1..P-5), cheap renders (a 64-pixel short side is not a campaign
    option, so the motion engine's planning is what costs), and small caps."""
    settings.CAMPAIGN_MERCHANT_IN_FLIGHT = 2
    settings.CAMPAIGN_BATCH_IN_FLIGHT = 10
    settings.RENDER_QUOTA_SECONDS_PER_MONTH = 0
    return [factories.product_make(merchant=merchant, sku=f"P-{n}", title=f"Product {n}") for n in range(1, 6)]


@pytest.fixture
def one_product(merchant, builtin_templates, settings):
    """acme with a single product: enough for a request to be refused for what it says, not for the catalog."""
    settings.RENDER_QUOTA_SECONDS_PER_MONTH = 0
    return factories.product_make(merchant=merchant, sku="P-1", title="Product 1")


@pytest.fixture
def campaign(merchant, shop):
    return campaign_create(merchant=merchant, name="Summer", template="quick-bumper", selection={"all": True})


@pytest.fixture
def emitted(monkeypatch):
    """Webhook events the scheduler emits, instead of queued deliveries."""
    from generation.campaigns import scheduler

    calls = []
    monkeypatch.setattr(scheduler, "webhook_event_emit", lambda **kwargs: calls.append(kwargs))
    return calls


def renders_finish(campaign, status=JobStatus.SUCCEEDED) -> int:
    """Finish every queued render of the campaign, as workers would."""
    return RenderJob.objects.filter(campaign=campaign, status=JobStatus.QUEUED).update(
        status=status, finished_at=timezone.now(), progress=100
    )


def shot_seconds_used(merchant, seconds: int) -> None:
    """A finished shot of `seconds` worker time this month (what the quota counts)."""
    job = RenderJob.objects.filter(merchant=merchant).first()
    now = timezone.now()
    Shot.objects.filter(job=job).update(
        status=JobStatus.SUCCEEDED, started_at=now - timedelta(seconds=seconds), finished_at=now
    )
