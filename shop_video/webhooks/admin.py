from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from shop_video.webhooks.models import MerchantWebhookSecret, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from shop_video.webhooks.services import DeliveryInProgress, webhook_delivery_resend


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "merchant", "events", "is_active", "created_at"]
    list_filter = ["is_active", "merchant"]
    search_fields = ["url", "description"]
    readonly_fields = ["secret", "created_at", "updated_at"]
    autocomplete_fields = ["merchant"]

    def has_add_permission(self, request):
        return False  # made through the API or the dashboard, where the URL is checked and the secret generated


@admin.register(MerchantWebhookSecret)
class MerchantWebhookSecretAdmin(admin.ModelAdmin):
    list_display = ["merchant", "created_at"]
    readonly_fields = ["merchant", "secret", "created_at"]

    def has_add_permission(self, request):
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ["number", "at", "url", "response_code", "error", "duration_ms", "response_body"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only; the one action starts a new round of attempts of the same message."""

    list_display = [
        "event",
        "url",
        "merchant",
        "status",
        "attempts",
        "last_response_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "merchant"]
    search_fields = ["message_id", "url", "last_error"]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Re-send the selected deliveries")
    def resend(self, request, queryset):
        sent = 0
        for delivery in queryset.select_related("merchant"):
            try:
                webhook_delivery_resend(merchant=delivery.merchant, delivery_id=delivery.pk)
                sent += 1
            except (DeliveryInProgress, ValidationError) as exc:
                self.message_user(
                    request,
                    f"Delivery {delivery.pk}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                    messages.WARNING,
                )
        self.message_user(request, f"Re-sending {sent} deliveries.")
