"""A campaign (a template, ratios, an engine and a product selection rendered as one group), what it skipped or
has still to re-render, and a merchant's monthly render quota."""

from django.db import models

from catalog.models import Product
from shop_video.tenancy.models import Merchant


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Recurrence(models.TextChoices):
    NONE = "", "Once"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class Campaign(models.Model):
    Status = CampaignStatus

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=200)
    template_slug = models.CharField(max_length=64, help_text="The template for products no rule names.")
    template_rules = models.JSONField(
        default=dict, blank=True, help_text='Template per product type: {"Mugs": "food-fresh"}.'
    )
    aspect_ratios = models.JSONField(default=list)
    engine = models.CharField(max_length=32, blank=True, help_text="Blank: each template scene's own engine.")
    selection = models.JSONField(
        help_text='{"all": true}, filters, or {"skus": [...]} (generation/campaigns/selection.py).'
    )
    keep_current = models.BooleanField(
        default=False, help_text="Re-render a product when what its video shows changes (docs/campaigns.md)."
    )
    recurrence = models.CharField(max_length=8, choices=Recurrence.choices, default=Recurrence.NONE, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    status_reason = models.TextField(blank=True, help_text="Why it paused or failed, in words for the merchant.")
    # Lazy creation: renders are made in chunks in product-id order; `cursor` is the last product id handled.
    cursor = models.BigIntegerField(default=0)
    selection_done = models.BooleanField(default=False, help_text="Every selected product has been handled once.")
    products_total = models.PositiveIntegerField(default=0, help_text="Products selected at launch.")
    template_versions = models.JSONField(default=dict, blank=True, help_text="slug -> version rendered with.")
    idempotency_key = models.CharField(max_length=255, blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="Renders by state, cached at each advance.")
    progress_sent_at = models.DateTimeField(null=True, blank=True, help_text="Last campaign.progress webhook.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "merchant"], name="campaign_status_merchant")]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="campaign_unique_idempotency_key",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.status})"


class CampaignSkip(models.Model):
    """A product the campaign did not render, and why (no ready photo, a text that cannot fit, ...). Only
    refusals are rows: a campaign of 100,000 products keeps no row per product."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="skips")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "product"]
        constraints = [models.UniqueConstraint(fields=["campaign", "product"], name="campaignskip_unique_product")]

    def __str__(self):
        return f"campaign {self.campaign_id} skipped product {self.product_id}: {self.reason}"


class CampaignPending(models.Model):
    """A product to render again ahead of the cursor: a retried failure, or a keep-current re-render."""

    class Reason(models.TextChoices):
        RETRY = "retry", "Retry after a failure"
        CHANGED = "changed", "What the video shows changed"
        TEMPLATE = "template", "The template has a new version"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pending")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "product"], name="campaignpending_unique_product")]

    def __str__(self):
        return f"campaign {self.campaign_id}: product {self.product_id} ({self.reason})"


class RenderQuota(models.Model):
    """A merchant's own monthly render-seconds, overriding settings.RENDER_QUOTA_SECONDS_PER_MONTH."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="render_quota")
    monthly_render_seconds = models.PositiveBigIntegerField(help_text="Worker seconds of shots per calendar month.")

    def __str__(self):
        return f"{self.merchant}: {self.monthly_render_seconds} s/month"
