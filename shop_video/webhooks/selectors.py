"""Reads, always scoped to one merchant: another merchant's ids raise DoesNotExist (the API answers 404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from shop_video.tenancy.models import Merchant
from shop_video.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list(*, merchant: Merchant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(merchant=merchant).order_by("created_at", "id")


def webhook_endpoint_get(*, merchant: Merchant, endpoint_id: int) -> WebhookEndpoint:
    return WebhookEndpoint.objects.get(pk=endpoint_id, merchant=merchant)


def webhook_delivery_list(
    *, merchant: Merchant, endpoint_id: int | None = None, status: str | None = None
) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its attempts (newest first). With endpoint_id, that endpoint must be the
    merchant's (DoesNotExist otherwise)."""
    deliveries = WebhookDelivery.objects.filter(merchant=merchant)
    if endpoint_id is not None:
        webhook_endpoint_get(merchant=merchant, endpoint_id=endpoint_id)
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-number"))
    )


def webhook_delivery_get(*, merchant: Merchant, delivery_id: int) -> WebhookDelivery:
    return WebhookDelivery.objects.get(pk=delivery_id, merchant=merchant)
