"""Webhooks: where a merchant wants events (WebhookEndpoint), each message to one destination (WebhookDelivery)
and every try at posting it (WebhookAttempt). Signing secrets follow Standard Webhooks: "whsec_" + base64 of
random bytes; the HMAC key is the decoded part after the prefix."""

from __future__ import annotations

from django.db import models

from shop_video.tenancy.models import Merchant


class WebhookEndpoint(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=100, help_text="whsec_<base64>; signs every message to this endpoint.")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, blank=True, help_text="Event types to send; empty means all of them.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url

    def listens_to(self, event: str) -> bool:
        return not self.events or event in self.events


class MerchantWebhookSecret(models.Model):
    """The secret that signs one-off deliveries (a URL given with a single request, e.g. a render's own
    webhook_url), which have no endpoint of their own. Like Replicate's "default webhook secret"."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="webhook_default_secret")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"default webhook secret of {self.merchant}"


class WebhookDelivery(models.Model):
    """One message (one event) to one destination. The body is stored as the exact text that is signed and
    posted, so every attempt and every re-send carries byte-identical content under the same message id."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        help_text="Empty for a one-off URL.",
    )
    url = models.URLField(max_length=2000, help_text="Where the last attempt went (the endpoint's URL then).")
    event = models.CharField(max_length=64)
    message_id = models.CharField(max_length=40, db_index=True, help_text="webhook-id: msg_<random>")
    body = models.TextField(help_text="The exact JSON text posted and signed.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts ever made (numbers the attempts).")
    cycle_attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts since the delivery was created or last re-sent (counted against the limit)."
    )
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When pending: when the next attempt may start (a claimed attempt pushes it out by a lease).",
    )
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event} {self.message_id} -> {self.url} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    url = models.URLField(max_length=2000)
    at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_body = models.TextField(blank=True, help_text="The first ~1 KB of the answer.")

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique_number")]

    def __str__(self):
        return f"attempt {self.number} of {self.delivery_id}: {self.response_code or self.error[:40]}"

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300
