"""A job's final state and its render.* event are one transaction (a database lost between them left a succeeded
job with no event; the PostgreSQL restart test caught it), yet an event that cannot be recorded is logged and never
keeps the job from finishing: the event has its own savepoint."""

import pytest

from generation.models import JobStatus, RenderJob
from generation.services.job_states import render_job_fail
from shop_video.webhooks import services as webhook_services
from shop_video.webhooks.models import WebhookDelivery
from tests.faults.jobs import jobs_submit

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_a_job_fails_with_its_event_in_the_same_commit(tiny_shop, sent_tasks):
    [job_id] = jobs_submit(tiny_shop, 1)
    assert render_job_fail(job_id=job_id, reason="test reason")
    assert RenderJob.objects.get(pk=job_id).status == JobStatus.FAILED
    assert WebhookDelivery.objects.filter(event="render.failed").count() == 1


def test_an_event_the_database_refuses_never_keeps_the_job_from_failing(tiny_shop, sent_tasks, monkeypatch):
    def refused(**kwargs):
        WebhookDelivery.objects.create(merchant=kwargs["merchant"], event=None)  # NOT NULL: refused at once

    monkeypatch.setattr(webhook_services, "webhook_event_emit", refused)
    [job_id] = jobs_submit(tiny_shop, 1)
    assert render_job_fail(job_id=job_id, reason="test reason")
    job = RenderJob.objects.get(pk=job_id)
    assert (job.status, job.error) == (JobStatus.FAILED, "test reason")
    assert not WebhookDelivery.objects.exists()
