"""A signed-in member of acme (the `merchant` fixture) with one of everything the dashboard shows, and a member
of globex (`other_merchant`) who must never see any of it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.import_requests import catalog_import_request_create
from generation.models import JobStatus, Presenter, Rendition
from generation.services.render_jobs import render_job_create
from generation.services.video_templates import video_template_create
from shop_video.api.services import api_key_create
from shop_video.webhooks.models import WebhookAttempt, WebhookDelivery
from shop_video.webhooks.services import webhook_endpoint_create, webhook_event_emit

PLAIN_CSV = (
    b"sku,title,description,price,currency,image\nCUP-1,Espresso Cup,Small,12.50,USD,\nBAD-1,Broken,,not-a-price,USD,\n"
)


def client_for(merchant, *, email: str | None = None) -> Client:
    """A client signed in as `email`, or as the merchant's owner."""
    users = get_user_model().objects
    client = Client()
    client.force_login(
        users.get(email=email) if email else users.get(memberships__merchant=merchant, memberships__role="owner")
    )
    return client


@pytest.fixture
def member(merchant):
    """A client signed in as acme's owner."""
    return client_for(merchant)


@pytest.fixture
def outsider(other_merchant):
    """A client signed in as globex's owner."""
    return client_for(other_merchant)


@pytest.fixture
def webhook_sends(monkeypatch):
    """Delivery tasks the webhook services send, recorded instead of sent."""
    from shop_video.webhooks import dispatch

    sent = []
    monkeypatch.setattr(dispatch, "delivery_send", lambda *, delivery_id, countdown=None: sent.append(delivery_id))
    return sent


@pytest.fixture
def import_sends(monkeypatch):
    """Import tasks the import-request service sends, recorded instead of sent."""
    from catalog import dispatch

    sent = []
    monkeypatch.setattr(dispatch, "import_send", lambda *, import_id: sent.append(import_id))
    return sent


@pytest.fixture
def loopback_webhooks(settings):
    """Webhook URLs on 127.0.0.1 pass the SSRF check (as in tests/webhooks), so no test needs DNS."""
    settings.IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]


@pytest.fixture
def acme_objects(
    merchant,
    product_with_photos,
    builtin_templates,
    sent_tasks,
    webhook_sends,
    import_sends,
    loopback_webhooks,
    django_capture_on_commit_callbacks,
):
    """One of each object the dashboard has a page or an action for, all acme's."""
    with django_capture_on_commit_callbacks(execute=True):
        record = catalog_import_request_create(
            merchant=merchant, file=SimpleUploadedFile("feed.csv", PLAIN_CSV, content_type="text/csv")
        )
        job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
        finished_job = render_job_create(
            merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64
        )
        key, _ = api_key_create(merchant=merchant, name="storefront")
        endpoint = webhook_endpoint_create(merchant=merchant, url="http://127.0.0.1:9/hooks")
        delivery = webhook_event_emit(merchant=merchant, event="render.failed", data={"id": job.pk})[0]
        template = video_template_create(
            merchant=merchant,
            slug="acme-only",
            name="Acme only",
            spec={"scenes": [{"type": "product_shots", "duration": 2}]},
        )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED, attempts=1, last_response_code=500
    )
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=1,
        url=endpoint.url,
        at=delivery.created_at,
        response_code=500,
        error="the endpoint answered HTTP 500",
        duration_ms=12,
    )
    # A presenter row without the face check (no page here reads its photo's pixels).
    presenter = Presenter.objects.create(
        merchant=merchant, slug="host", name="Host", avatar=f"{merchant.media_key}/presenters/host.jpg"
    )
    from generation.campaigns.services import campaign_create

    campaign = campaign_create(merchant=merchant, name="Spring", template="product-showcase", selection={"all": True})
    return {
        "campaign": campaign,
        "product": product_with_photos,
        "image": product_with_photos.images.order_by("position").first(),
        "presenter": presenter,
        "import": record,
        "job": job,
        "api_key": key,
        "endpoint": endpoint,
        "delivery": delivery,
        "template": template,
        "rendition": job_rendition_add(finished_job),
    }


def job_rendition_add(job) -> Rendition:
    """A job that failed after its 9:16 rendition was made (as when a later aspect ratio fails): a video to walk
    and download that is no template's preview, so the gallery's counts are untouched."""
    job.status, job.error = JobStatus.FAILED, "assembling the 1:1 rendition failed: test"
    job.save(update_fields=["status", "error"])
    return _rendition_create(job)


def job_succeed(job) -> Rendition:
    """Mark a job done with one 9:16 rendition (no file on disk is needed to render the page)."""
    job.status, job.progress = JobStatus.SUCCEEDED, 100
    job.save(update_fields=["status", "progress"])
    return _rendition_create(job)


def _rendition_create(job) -> Rendition:
    return Rendition.objects.create(
        job=job,
        aspect_ratio="9:16",
        file=f"renders/acme/{job.pk}/9x16.mp4",
        poster=f"renders/acme/{job.pk}/9x16.jpg",
        preview=f"renders/acme/{job.pk}/9x16.webp",
        captions_vtt=f"renders/acme/{job.pk}/9x16.vtt",
        captions_srt=f"renders/acme/{job.pk}/9x16.srt",
        width=64,
        height=114,
        duration=6.0,
        size_bytes=12345,
    )
