"""Request and response shapes of the campaign API (generation/campaigns/api.py). Every number and length is
bounded here; what a value means is checked by the services, whose refusals say what to change."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from catalog.models import Variant
from generation.aspect_ratios import ASPECT_RATIOS
from generation.campaigns.models import CampaignStatus, Recurrence
from generation.campaigns.selection import SKU_MAX_CHARS, TEXT_MAX_CHARS
from generation.campaigns.services import NAME_MAX_CHARS, RULES_MAX
from generation.models import JobStatus
from shop_video.api.pagination import ApiCursorPagination
from shop_video.api.serializers import BoundedDecimalField, StrictSerializer


class CampaignSelectionSerializer(StrictSerializer):
    noun = "selection"

    all = serializers.BooleanField(required=False, help_text="true: every active product.")
    skus = serializers.ListField(
        child=serializers.CharField(max_length=SKU_MAX_CHARS),
        min_length=1,
        max_length=settings.CAMPAIGN_MAX_PRODUCTS,
        required=False,
        help_text=f"SKUs or product handles, 1 to {settings.CAMPAIGN_MAX_PRODUCTS:,}.",
    )
    category = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, help_text="Any level of the path.")
    collection = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, help_text="As category.")
    product_type = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False)
    tag = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False)
    vendor = serializers.CharField(max_length=TEXT_MAX_CHARS, required=False, help_text="The brand.")
    price_min = BoundedDecimalField.for_model_field(Variant._meta.get_field("price"), min_value=0, required=False)
    price_max = BoundedDecimalField.for_model_field(Variant._meta.get_field("price"), min_value=0, required=False)
    in_stock = serializers.BooleanField(required=False, help_text="A variant in stock.")
    has_photos = serializers.BooleanField(required=False, help_text="A ready photo (false: none).")
    changed_since = serializers.DateTimeField(required=False, help_text="Products changed since then.")


def selection_as_given(validated: dict) -> dict:
    """The validated selection as the service takes it (amounts and times as text, as stored)."""
    return {
        name: (value.isoformat() if name == "changed_since" else str(value) if name.startswith("price") else value)
        for name, value in validated.items()
    }


class CampaignCreateSerializer(StrictSerializer):
    noun = "campaign"

    name = serializers.CharField(max_length=NAME_MAX_CHARS)
    template = serializers.CharField(max_length=64, help_text="A template slug (GET /templates).")
    template_rules = serializers.DictField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text=f'A template per product type, at most {RULES_MAX}: {{"Mugs": "food-fresh"}}; others use template.',
    )
    aspect_ratios = serializers.ListField(
        child=serializers.ChoiceField(
            choices=ASPECT_RATIOS,
            error_messages={
                "invalid_choice": f'"{{input}}" is not an aspect ratio we make; use {", ".join(ASPECT_RATIOS)}.'
            },
        ),
        min_length=1,
        max_length=len(ASPECT_RATIOS),
        required=False,
    )
    engine = serializers.CharField(max_length=32, required=False, help_text="Blank: each scene's own engine.")
    selection = CampaignSelectionSerializer()
    keep_current = serializers.BooleanField(
        required=False, default=False, help_text="Re-render a product when what its video shows changes."
    )
    recurrence = serializers.ChoiceField(choices=Recurrence.values, required=False, default="", allow_blank=True)

    def validate_template_rules(self, rules: dict) -> dict:
        # The keys are not a field's values, so no CharField checked them: a NUL byte would reach the JSON column
        # (PostgreSQL refuses \u0000, a 500).
        if any("\x00" in product_type for product_type in rules):
            raise serializers.ValidationError("Null characters are not allowed in a product type.")
        return rules


class _ResponseSerializer(serializers.Serializer):
    # A response shape for the schema: every field is read-only (nothing here is ever sent by a client).
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class CampaignCountsSerializer(_ResponseSerializer):
    products = serializers.IntegerField(help_text="Selected at launch (at creation for a draft).")
    queued = serializers.IntegerField()
    running = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Refused before rendering (GET .../skipped for the reasons).")
    pending = serializers.IntegerField(help_text="Retries and re-renders waiting for a slot.")
    not_started = serializers.IntegerField()


class CampaignSerializer(_ResponseSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=CampaignStatus.values)
    status_reason = serializers.CharField(allow_null=True, help_text="Why it paused or failed.")
    template = serializers.CharField()
    template_rules = serializers.DictField(child=serializers.CharField())
    aspect_ratios = serializers.ListField(child=serializers.CharField())
    engine = serializers.CharField(allow_null=True)
    selection = serializers.DictField(help_text="As sent; a SKU list shows its first 100 and skus_total.")
    keep_current = serializers.BooleanField()
    recurrence = serializers.CharField(allow_null=True)
    counts = CampaignCountsSerializer()
    eta = serializers.DateTimeField(allow_null=True, help_text="At the pace so far; null until a render finished.")
    created_at = serializers.DateTimeField()
    launched_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    skipped = serializers.ListField(child=serializers.DictField(), required=False, help_text="The first 100.")


class CampaignEngineCostSerializer(_ResponseSerializer):
    engine = serializers.CharField()
    queue = serializers.CharField()
    hardware = serializers.ChoiceField(choices=["gpu", "cpu"])
    shots = serializers.IntegerField()
    worker_seconds = serializers.FloatField()
    seconds_per_video_second = serializers.FloatField()
    rate_source = serializers.CharField(help_text="measured (N recent shots), or docs/capacity.md.")


class CampaignEstimateSerializer(_ResponseSerializer):
    products = serializers.IntegerField()
    products_by_template = serializers.DictField(child=serializers.IntegerField())
    shots = serializers.IntegerField()
    renditions = serializers.IntegerField()
    engines = CampaignEngineCostSerializer(many=True)
    assembly_cpu_seconds = serializers.FloatField()
    gpu_seconds = serializers.FloatField()
    cpu_seconds = serializers.FloatField()
    storage_bytes = serializers.DictField(child=serializers.IntegerField(), help_text="public and private.")
    fleet = serializers.DictField(child=serializers.IntegerField(), help_text="Workers per queue (RENDER_FLEET).")
    duration_seconds = serializers.FloatField()
    finishes_at = serializers.DateTimeField()


class CampaignDryRunSerializer(_ResponseSerializer):
    products = serializers.IntegerField()
    checked_in_full = serializers.IntegerField(help_text="Products given every check of a real render.")
    would_skip = serializers.DictField(child=serializers.IntegerField(), help_text="Products per reason.")
    skipped = serializers.ListField(child=serializers.DictField(), help_text="Up to 100, each with its reason.")
    unknown_skus = serializers.DictField(required=False)


class CampaignCursorPagination(ApiCursorPagination):
    ordering = "-id"
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


RENDER_STATUSES = JobStatus.values
