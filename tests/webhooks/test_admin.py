"""The admin: the delivery log is read-only, with its attempts inline; its one action re-sends."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from shop_video.webhooks.models import WebhookDelivery
from shop_video.webhooks.services import webhook_endpoint_create, webhook_event_emit
from shop_video.webhooks.tasks import webhook_deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password")
    client.force_login(user)
    return client


def test_delivery_log_pages_are_read_only_and_resend_works(
    admin_client, merchant, receiver, allow_loopback, sent, django_capture_on_commit_callbacks
):
    endpoint = webhook_endpoint_create(merchant=merchant, url=receiver.url + "/hook")
    (delivery,) = webhook_event_emit(merchant=merchant, event="render.succeeded", data={"id": 1})
    webhook_deliver.apply(args=(delivery.pk,))
    for name in ("webhookendpoint", "webhookdelivery", "merchantwebhooksecret"):
        assert admin_client.get(reverse(f"admin:webhooks_{name}_changelist") + "?q=a").status_code == 200
        assert admin_client.get(reverse(f"admin:webhooks_{name}_add")).status_code == 403
    page = admin_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and delivery.message_id in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # nothing to save: read-only
    assert admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "resend", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert "Re-sending 1 deliveries." in response.content.decode()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING
    assert sent[-1] == (delivery.pk, None, "default")
