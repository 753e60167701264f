"""Webhook routes under /api/v1/ (shop_video/webhooks/api.py)."""

from django.urls import path

from shop_video.webhooks import api

urlpatterns = [
    path("webhooks", api.WebhookEndpointListView.as_view(), name="api-webhooks"),
    path("webhooks/default/secret", api.WebhookDefaultSecretView.as_view(), name="api-webhook-default-secret"),
    path("webhooks/deliveries", api.WebhookDeliveryListView.as_view(), name="api-webhook-deliveries"),
    path(
        "webhooks/deliveries/<int:delivery_id>/resend",
        api.WebhookDeliveryResendView.as_view(),
        name="api-webhook-delivery-resend",
    ),
    path("webhooks/<int:endpoint_id>", api.WebhookEndpointDetailView.as_view(), name="api-webhook"),
    path("webhooks/<int:endpoint_id>/secret", api.WebhookEndpointSecretView.as_view(), name="api-webhook-secret"),
    path(
        "webhooks/<int:endpoint_id>/deliveries",
        api.WebhookEndpointDeliveryListView.as_view(),
        name="api-webhook-endpoint-deliveries",
    ),
]
