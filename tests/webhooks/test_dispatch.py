"""Sending deliveries: a broker that cannot be reached leaves the delivery pending (shop_video/queues.py) and
fails nothing else; the sweep sends it once the broker is back."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from shop_video.webhooks.models import WebhookDelivery
from shop_video.webhooks.services import webhook_deliveries_send_overdue, webhook_endpoint_create, webhook_event_emit
from shop_video.webhooks.tasks import webhook_deliver

pytestmark = pytest.mark.django_db


def test_a_delivery_that_cannot_be_sent_stays_pending_and_the_sweep_sends_it_later(
    merchant, receiver, allow_loopback, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(merchant=merchant, url=receiver.url)

    def broker_down(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(webhook_deliver, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):  # the caller's commit is not broken by it
        (delivery,) = webhook_event_emit(merchant=merchant, event="render.succeeded", data={"id": 1})
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 0
    assert "the task queue could not be reached" in caplog.text and "webhook_deliveries_sweep" in caplog.text

    sent = []
    monkeypatch.setattr(webhook_deliver, "apply_async", lambda args, **options: sent.append((args, options["queue"])))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert webhook_deliveries_send_overdue() == 1 and sent == [((delivery.pk,), "default")]
