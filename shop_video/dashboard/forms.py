"""Forms check what a person typed and show errors beside the field; the services decide what is valid
(their ValidationError messages are put on the form with `errors_from`)."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from catalog.importers import IMPORTERS, importer_get
from generation.aspect_ratios import ASPECT_RATIOS
from generation.engines.dit.family import FAMILY_NAMES
from generation.library_selectors import LIBRARY_STATUSES
from generation.template_spec import MAX_SPEC_BYTES, TEMPLATE_DESCRIPTION_MAX_CHARS
from shop_video.api.parsers import json_loads_bounded
from shop_video.dashboard.engine_options import engine_options
from shop_video.tenancy.forms import BrandKitFilesForm
from shop_video.tenancy.models import AI_LABEL_LANGUAGES, AI_LABEL_POSITIONS, BrandKit
from shop_video.webhooks.services import EVENTS

SHORT_SIDES = (1080, 720, 540, 360, 180)


def errors_from(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where it names one the form has, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search products",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, brand or SKU"}),
    )


LIBRARY_MAX_PAGE = 1000


class LibraryFilterForm(forms.Form):
    """The video library's filters (GET); every value bounded: a longer search or an unknown choice is a 400."""

    q = forms.CharField(
        label="Product",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, handle or SKU"}),
    )
    template = forms.ChoiceField(label="Template", required=False)
    ratio = forms.ChoiceField(
        label="Aspect ratio", required=False, choices=[("", "Any")] + [(r, r) for r in ASPECT_RATIOS]
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any")] + [(key, label) for key, (label, _) in LIBRARY_STATUSES.items()],
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=LIBRARY_MAX_PAGE,
        widget=forms.HiddenInput,
        error_messages={"invalid": f"Pick a page number from 1 to {LIBRARY_MAX_PAGE}."},
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "Any")] + [(t.slug, t.name) for t in templates]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's FileField takes one)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        files = [f for f in files if f]
        if not files and self.required:
            raise ValidationError("Choose at least one photo (JPEG, PNG, WebP, GIF, BMP or TIFF).", code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class PhotosUploadForm(forms.Form):
    photos = MultipleFileField(
        label="Photos",
        help_text="JPEG, PNG, WebP, GIF, BMP or TIFF; several at once. Drop them here or choose them.",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,image/bmp,image/tiff"}),
    )


class CatalogImportForm(forms.Form):
    file = forms.FileField(
        label="Feed file",
        help_text="A catalog export: Google Merchant Center XML or CSV, "
        "Shopify, WooCommerce or Meta CSV, or a plain CSV.",
    )
    format = forms.ChoiceField(label="Format", required=False)
    mapping = forms.ChoiceField(label="Saved column mapping", required=False)
    archive_missing = forms.BooleanField(
        label="This is my whole catalog: archive products it does not contain", required=False
    )

    def __init__(self, *args, mapping_names: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", "Detect from the file")] + [
            (name, importer_get(name).label) for name in IMPORTERS
        ]
        self.fields["mapping"].choices = [("", "None")] + [(name, name) for name in mapping_names]
        if not mapping_names:
            self.fields["mapping"].help_text = "No saved mappings yet (they are made through the API or the admin)."


class DefaultCurrencyForm(forms.Form):
    default_currency = forms.RegexField(
        label="Default currency",
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": "Write a 3-letter currency code like USD, EUR or GBP."},
        help_text="Prices in feeds that name no currency (Shopify and WooCommerce exports) are read in it.",
    )


class RenderForm(forms.Form):
    sku = forms.CharField(
        label="Product SKU, handle or id",
        max_length=255,
        help_text="Start typing to pick one of your products. A SKU on several products: name it by handle.",
        widget=forms.TextInput(attrs={"list": "sku-options", "autocomplete": "off"}),
    )
    template = forms.ChoiceField(label="Template")
    aspect_ratios = forms.MultipleChoiceField(
        label="Aspect ratios",
        choices=[(r, r) for r in ASPECT_RATIOS],
        initial=["9:16"],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one aspect ratio."},
    )
    engine = forms.ChoiceField(label="Engine")
    family = forms.ChoiceField(
        label="Model family",
        required=False,
        choices=[("", "The template's")] + [(name, name) for name in FAMILY_NAMES],
        help_text="For AI video only: which video model animates the photos.",
    )
    short_side = forms.TypedChoiceField(
        label="Size (short side)", coerce=int, help_text="Smaller renders faster: 180 px is a quick draft."
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [  # whose template it is, in its name
            (t.slug, f"{t.name} ({'yours' if t.merchant_id else 'built-in'})") for t in templates
        ]
        self.fields["engine"].choices, unavailable = engine_options()
        self.fields["engine"].initial = settings.DEFAULT_SHOT_ENGINE
        self.fields["engine"].help_text = " ".join(unavailable)
        sides = sorted(
            {side for side in (settings.RENDITION_SHORT_SIDE, *SHORT_SIDES) if side <= settings.RENDITION_SHORT_SIDE},
            reverse=True,
        )
        self.fields["short_side"].choices = [(side, f"{side} px") for side in sides]
        self.fields["short_side"].initial = settings.RENDITION_SHORT_SIDE


class BrandKitForm(BrandKitFilesForm):
    """Its uploads are checked in clean_<field> (shop_video.tenancy.forms); the view saves through
    tenancy's brand_kit_update."""

    class Meta:
        model = BrandKit
        fields = [
            "name",
            "logo",
            "primary_colour",
            "secondary_colour",
            "accent_colour",
            "font",
            "music",
            "watermark_position",
            "intro_enabled",
            "outro_enabled",
            "ai_label_position",
            "ai_label_language",
        ]
        labels = {
            "primary_colour": "Primary colour",
            "secondary_colour": "Secondary colour",
            "accent_colour": "Accent colour",
            "intro_enabled": "Intro (an opening card)",
            "outro_enabled": "Outro (a closing card)",
        }
        help_texts = {
            "logo": "PNG, JPEG, WebP or SVG; a transparent background works best.",
            "primary_colour": "Card background.",
            "secondary_colour": "Card text.",
            "font": "TTF or OTF with Latin letters; blank uses the bundled font.",
            "music": "MP3, M4A, AAC, WAV, OGG or FLAC, at least a second long; blank means silence.",
        }
        error_messages = {
            "ai_label_position": {
                "invalid_choice": f"%(value)s is not a label position; choose one of {', '.join(AI_LABEL_POSITIONS)}."
            },
            "ai_label_language": {
                "invalid_choice": f"%(value)s is not a label language; choose one of {', '.join(AI_LABEL_LANGUAGES)} "
                "or leave it blank for the video's language."
            },
        }
        widgets = {
            name: forms.TextInput(attrs={"type": "color"})
            for name in ("primary_colour", "secondary_colour", "accent_colour")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = self.Meta.help_texts["logo"]
        # Its select always sends a value; a post without one (an older page, a script) keeps the kit's.
        self.fields["ai_label_position"].required = False

    def changes(self) -> dict:
        """The cleaned values for brand_kit_update: a file field appears only when replaced (the checked
        file) or cleared (False); a kept file is left out."""
        changes = {}
        for name in self.Meta.fields:
            value = self.cleaned_data.get(name)
            if isinstance(self.fields[name], forms.FileField):
                if value is False or (value and name in self.files):
                    changes[name] = value
            elif name == "ai_label_position" and not value:
                continue
            else:
                changes[name] = value
        return changes


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=50, help_text="What uses the key, e.g. storefront.")


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="A public https:// address that accepts POSTs.",
        widget=forms.URLInput(attrs={"placeholder": "https://shop.example.com/hooks/video"}),
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        required=False,
        choices=[(e, e) for e in EVENTS],
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all events.",
    )


class IndentedJSONField(forms.JSONField):
    """JSON shown indented, so a spec is editable in a textarea. Read with the API's limits (nesting, NaN,
    numbers out of range: shop_video/api/parsers.py), each refused with a message that names the limit."""

    def to_python(self, value):
        if not isinstance(value, str) or value in self.empty_values:
            return super().to_python(value)
        try:
            return json_loads_bounded(value)
        except json.JSONDecodeError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        except ValueError as exc:
            raise ValidationError(f"The spec cannot be read: {exc}.", code="out_of_range") from None

    def bound_data(self, data, initial):
        if self.disabled or not isinstance(data, str):
            return super().bound_data(data, initial)
        try:
            return json_loads_bounded(data)
        except ValueError:  # shown again as typed, so it can be fixed
            return forms.fields.InvalidJSONInput(data)

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value  # what was typed, kept so it can be fixed
        return json.dumps(value, ensure_ascii=False, indent=2)


class TemplateEditForm(forms.Form):
    """The merchant's own template; the spec is checked by the service (errors name the scene and field)."""

    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=TEMPLATE_DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    spec = IndentedJSONField(
        label="Spec (JSON)",
        error_messages={"invalid": "The spec is not valid JSON; check the commas, quotes and brackets."},
        help_text="Scenes, durations and music: see docs/templates.md. A changed spec makes a "
        "new version; finished renders keep theirs.",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "mono"}),
    )

    def clean_spec(self):
        spec = self.cleaned_data["spec"]
        if not isinstance(spec, dict):
            raise ValidationError('The spec must be a JSON object with a "scenes" list.')
        size = len(json.dumps(spec, separators=(",", ":")).encode())
        if size > MAX_SPEC_BYTES:
            raise ValidationError(f"The spec is {size:,} bytes as JSON; keep it to {MAX_SPEC_BYTES:,}.")
        return spec
