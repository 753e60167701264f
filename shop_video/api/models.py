"""What the REST API keeps: per-merchant API keys (hashed at rest) and idempotency records."""

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from shop_video.tenancy.models import Merchant


class MerchantApiKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self):
        return super().get_usable_keys().select_related("merchant")  # every request needs it: one query


class MerchantApiKey(AbstractAPIKey):
    """`Authorization: Api-Key <prefix>.<secret>`. Only the prefix and a SHA-512 hash are stored; the key is shown
    once, when it is made. Revoking is permanent."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = MerchantApiKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"


class IdempotencyRecord(models.Model):
    """The first response to a request with an Idempotency-Key, replayed for the same key and body."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64, help_text="sha256 of the method, path and canonical JSON body.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_unique_key_per_merchant")]

    def __str__(self):
        return f"{self.key} ({self.state})"
