"""The forms of the catalog's filters and of "Make videos": what a person typed, bounded and checked; what it
selects is campaign_selectors.py's, and whether a campaign may be made is generation.campaigns' to decide."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings

from generation.aspect_ratios import ASPECT_RATIOS
from generation.campaigns.services import NAME_MAX_CHARS

FILTER_MAX_CHARS = 200
# Products ticked one by one: a page holds 24; anything near this is not a person ticking boxes.
TICKED_MAX = 500


class CatalogFilterForm(forms.Form):
    """The catalog list's filters; the same ones choose a campaign's products when "all matching" is selected."""

    q = forms.CharField(
        label="Search products",
        required=False,
        max_length=FILTER_MAX_CHARS,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, brand or SKU"}),
    )
    type = forms.CharField(
        label="Product type",
        required=False,
        max_length=FILTER_MAX_CHARS,
        widget=forms.TextInput(attrs={"list": "product-type-options", "autocomplete": "off"}),
    )
    vendor = forms.CharField(
        label="Vendor (brand)",
        required=False,
        max_length=FILTER_MAX_CHARS,
        widget=forms.TextInput(attrs={"list": "vendor-options", "autocomplete": "off"}),
    )
    in_stock = forms.BooleanField(label="In stock", required=False)
    has_photos = forms.BooleanField(label="Has photos", required=False)

    def filters(self) -> dict:
        """The filters given, stripped ({} when none or when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        given = {name: data[name].strip() for name in ("q", "type", "vendor") if data[name].strip()}
        given.update({name: True for name in ("in_stock", "has_photos") if data[name]})
        return given


class ProductIdsField(forms.Field):
    """Product ids sent as repeated hidden inputs (product=1&product=7): whole numbers, at most TICKED_MAX."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        if len(values) > TICKED_MAX:
            raise forms.ValidationError(
                f"{len(values):,} products were ticked; tick at most {TICKED_MAX}, or use “Select all matching”."
            )
        if not all(isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 18 for v in values):
            raise forms.ValidationError("Product ids are whole numbers; tick the products in the catalog list.")
        return list(dict.fromkeys(int(v) for v in values))


class ProductPickForm(forms.Form):
    """Which products "Make videos" is for: the ticked ones, or every product matching the filters."""

    product = ProductIdsField(required=False)
    all_matching = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("product") and not data.get("all_matching"):
            raise forms.ValidationError("Tick the products to make videos of, or “Select all matching”, first.")
        return data


class CampaignForm(forms.Form):
    name = forms.CharField(label="Campaign name", max_length=NAME_MAX_CHARS)
    template = forms.ChoiceField(label="Template")
    aspect_ratios = forms.MultipleChoiceField(
        label="Aspect ratios",
        choices=[(ratio, ratio) for ratio in ASPECT_RATIOS],
        initial=["9:16"],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one aspect ratio."},
    )
    engine = forms.ChoiceField(label="Engine", help_text="Only engines with workers in this installation are offered.")
    keep_current = forms.BooleanField(
        label="Keep videos current",
        required=False,
        help_text="Make a product's video again when its title, price, photos or the template change.",
    )
    # Sent back with the form: the same form posted twice makes one campaign, not two. Hidden, so never an error
    # the person could not see: anything odd is dropped (the post then simply is not deduplicated).
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        return token if re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token) else ""

    def __init__(self, *args, templates=(), engines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.slug, t.name) for t in templates]
        self.fields["engine"].choices = [(name, name) for name in engines]
        if settings.DEFAULT_SHOT_ENGINE in engines:
            self.fields["engine"].initial = settings.DEFAULT_SHOT_ENGINE
