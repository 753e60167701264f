"""The request and response shapes of the templates and renders API (generation/api.py holds the views).
Response serializers only document the JSON (the payload functions in generation/services/payloads.py build it),
so their numbers are read_only; request serializers validate the input, with limits whose messages name them
(a writable number needs a range: tests/security/test_input_bounds.py)."""

from __future__ import annotations

import json

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from generation.aspect_ratios import ASPECT_RATIOS
from generation.engines.dit.family import FAMILY_NAMES
from generation.models import JobStage, JobStatus, RenderJob, VideoTemplate
from generation.services.payloads import render_job_payload, video_template_payload
from generation.template_spec import MAX_SPEC_BYTES, PROMPT_FIELDS, SCENE_TYPES, TEMPLATE_DESCRIPTION_MAX_CHARS
from generation.video_freshness import STALE_FIELDS, render_jobs_stale_reasons
from shop_video.api.pagination import ApiCursorPagination
from shop_video.api.serializers import StrictSerializer

MAX_SKUS = 50
METADATA_MAX_KEYS = 20
METADATA_KEY_MAX_CHARS = 40
METADATA_MAX_BYTES = 8 * 1024
TEMPLATE_SPEC_MAX_BYTES = MAX_SPEC_BYTES


class TemplateSceneSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SCENE_TYPES)
    duration = serializers.FloatField(read_only=True, help_text="Seconds (per shot, for product_shots).")
    transition = serializers.CharField(
        help_text="How the scene enters: cut, crossfade, slide_left, slide_up, push, zoom or wipe."
    )
    max_shots = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="product_shots: one shot per photo, at most."
    )
    cameras = serializers.ListField(child=serializers.CharField(), allow_null=True)
    source = serializers.CharField(allow_null=True, help_text="product_shots: photo or text.")


class TemplateSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    version = serializers.IntegerField(read_only=True)
    is_builtin = serializers.BooleanField()
    spec = serializers.JSONField(help_text="The template's scenes as stored (generation/template_spec.py).")
    scenes = TemplateSceneSerializer(many=True, help_text="Empty when the spec is invalid (see spec_error).")
    max_duration = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Seconds when every product_shots scene has its max_shots "
        "photos; a product with fewer photos makes a shorter video.",
    )
    spec_error = serializers.CharField(allow_null=True, help_text="Why the spec cannot render, else null.")
    preview_url = serializers.URLField(
        allow_null=True,
        help_text="Your newest video made with this template, as a looping animated "
        "WebP; null until you render with it.",
    )
    preset_preview_url = serializers.URLField(
        allow_null=True,
        help_text="A built-in's own preview, rendered from the demo shop's products (9:16, as a "
        "looping animated WebP); null for your own templates and until it is made.",
    )

    def to_representation(self, template: VideoTemplate) -> dict:
        return video_template_payload(template)


class TemplateCreateSerializer(StrictSerializer):
    """POST /templates (all but description required) and PATCH /templates/{slug} (partial; no slug)."""

    noun = "template"

    slug = serializers.SlugField(
        max_length=64,
        help_text="Letters, digits, - and _; unique among your templates. "
        "A built-in's slug replaces that built-in for you.",
    )
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=TEMPLATE_DESCRIPTION_MAX_CHARS
    )
    spec = serializers.JSONField(
        help_text="Scenes, durations and music (docs/templates.md). Checked on save: "
        "a 400 names the scene and field to change."
    )

    def validate_spec(self, spec):
        if not isinstance(spec, dict):
            raise ValidationError('spec must be an object with a "scenes" list.')
        text = json.dumps(spec, separators=(",", ":"))
        if len(text.encode()) > TEMPLATE_SPEC_MAX_BYTES:
            raise ValidationError(f"spec is {len(text.encode())} bytes as JSON; keep it to {TEMPLATE_SPEC_MAX_BYTES}.")
        if "\\u0000" in text:  # PostgreSQL's jsonb cannot store it
            raise ValidationError("spec contains a NUL character (\\u0000); remove it.")
        return spec


class TemplateUpdateSerializer(TemplateCreateSerializer):
    slug = None  # the slug is the template's address: copy it to a new slug instead

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class TemplateCopySerializer(StrictSerializer):
    noun = "template copy"

    slug = serializers.SlugField(
        max_length=64,
        required=False,
        help_text="The copy's slug; default the template's own (your copy then replaces "
        "the built-in for you). Needed to copy a template that is already "
        "yours.",
    )


class RenderOutputSerializer(serializers.Serializer):
    aspect_ratio = serializers.CharField(help_text=f"One of {', '.join(ASPECT_RATIOS)}.")
    url = serializers.URLField(help_text="The MP4 (H.264 + AAC, faststart).")
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    duration = serializers.FloatField(read_only=True, help_text="Seconds.")
    poster_url = serializers.URLField(allow_null=True, help_text="A JPEG frame for the player's poster.")
    preview_url = serializers.URLField(allow_null=True, help_text="A few looping seconds as an animated WebP.")
    captions = serializers.URLField(
        allow_null=True, help_text="The captions as WebVTT (for a <track>); null when the template has none."
    )
    captions_srt_url = serializers.URLField(allow_null=True, help_text="The same captions as SRT.")
    quality = serializers.JSONField(
        allow_null=True,
        help_text="The quality report: product_coverage (the smallest product box over the product shots, as "
        "fractions of the frame), cards_share, time_to_first_product (s), smallest_text_height and "
        "cta_text_height (fractions of the frame height), texts_outside_safe_zone, integrated_lufs, "
        "true_peak_dbtp, and checks (each true when it meets its threshold; docs/api.md). Null for "
        "renditions made before reports existed.",
    )
    ai_generated = serializers.BooleanField(
        help_text="True when any part was made by a trained model (DiT shots, the GPU presenter, a neural voice): the "
        "video shows an AI-generated label and its C2PA manifest says so. Show your own label when it is true."
    )
    provenance = serializers.JSONField(
        allow_null=True,
        help_text="ai_generated, content_id, digital_source_type, models, parts (what made each part) and manifests: "
        "per file (video, poster, preview) the embedded C2PA manifest as read back: valid, validation_state, "
        "signer, issuer, ai_generated, digital_source_type (docs/provenance.md). Null for renditions made before "
        "signing existed.",
    )


STALE_HELP = (
    "True when the product changed since this render was made (a newer render replaces it once it succeeds; "
    "until then this one is still served)."
)
STALE_BECAUSE_HELP = (
    "What changed: title, price, compare_at_price, currency, photos, template (its version), variant (the variant "
    "it was made for is gone). Empty when current, and for renders made before this was recorded."
)


class RenderListSerializer(serializers.ListSerializer):
    """A page of renders: what changed since each was made is read for the page at once (a few queries), not
    per render."""

    def to_representation(self, data):
        jobs = list(data.all() if hasattr(data, "all") else data)
        self.context["stale_because"] = render_jobs_stale_reasons(jobs=jobs)
        return super().to_representation(jobs)


class RenderSerializer(serializers.Serializer):
    """A render: poll it (GET /renders/{id}) or wait for the render.succeeded / render.failed webhook, which
    carries this same object."""

    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=JobStatus.values)
    progress = serializers.IntegerField(read_only=True, help_text="0 to 100.")
    stage = serializers.ChoiceField(
        choices=JobStage.values,
        read_only=True,
        help_text="Where it is: queued, shots, assembling, encoding, finishing, done (a failed or cancelled "
        "render keeps the stage it stopped in).",
    )
    error = serializers.CharField(allow_null=True, help_text="Why it failed or was cancelled, else null.")
    template = serializers.CharField(help_text="Template slug.")
    sku = serializers.CharField(allow_null=True)
    engine = serializers.CharField()
    family = serializers.CharField(allow_null=True, help_text="DiT model family asked for, else null.")
    aspect_ratios = serializers.ListField(child=serializers.CharField(), help_text='As asked for, e.g. ["9:16"].')
    webhook_url = serializers.URLField(allow_null=True)
    metadata = serializers.DictField(help_text="Yours, as sent.")
    campaign = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The campaign that made it (GET /campaigns/{id})."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(help_text=STALE_HELP)
    stale_because = serializers.ListField(
        child=serializers.ChoiceField(choices=STALE_FIELDS), help_text=STALE_BECAUSE_HELP
    )
    outputs = RenderOutputSerializer(many=True, help_text="One per aspect ratio once the render succeeded.")

    class Meta:
        list_serializer_class = RenderListSerializer

    def to_representation(self, job: RenderJob) -> dict:
        renditions = job.renditions.all()  # prefetched by the list; one query for a single render
        return render_job_payload(
            job,
            renditions=renditions,
            absolute_url=self.context["request"].build_absolute_uri,
            stale_because=self.context.get("stale_because", {}).get(job.pk),  # the list's, else read for this one
        )


class RenderCreateSerializer(StrictSerializer):
    noun = "render"

    template = serializers.CharField(max_length=64, help_text="A template slug from GET /templates.")
    sku = serializers.CharField(max_length=255, required=False, help_text="One product variant's SKU; or skus.")
    skus = serializers.ListField(
        child=serializers.CharField(max_length=255),
        min_length=1,
        max_length=MAX_SKUS,
        required=False,
        help_text=f"1 to {MAX_SKUS} SKUs: one render each, all or none.",
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
        help_text='Default ["9:16"]. One video per ratio.',
    )
    engine = serializers.CharField(
        max_length=32, required=False, help_text="motion (CPU camera moves, the default) or dit (generative, GPU)."
    )
    family = serializers.ChoiceField(
        choices=FAMILY_NAMES,
        required=False,
        error_messages={"invalid_choice": f'"{{input}}" is not a model family; use {", ".join(FAMILY_NAMES)}.'},
        help_text="dit engine only: the model family; default the template's.",
    )
    merge_fields = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000),
        required=False,
        help_text=f"Override the product's prompt fields ({', '.join(PROMPT_FIELDS)}) for this render.",
    )
    webhook_url = serializers.URLField(
        max_length=2000,
        required=False,
        help_text="https URL also sent render.succeeded / render.failed for these "
        "renders, besides your webhook endpoints.",
    )
    metadata = serializers.DictField(
        required=False,
        help_text=f"Yours, returned as sent: at most {METADATA_MAX_KEYS} keys of "
        f"{METADATA_KEY_MAX_CHARS} characters, {METADATA_MAX_BYTES} bytes "
        "as JSON.",
    )

    def validate_metadata(self, metadata: dict) -> dict:
        if len(metadata) > METADATA_MAX_KEYS:
            raise ValidationError(f"metadata has {len(metadata)} keys; keep it to {METADATA_MAX_KEYS}.")
        long_keys = [key for key in metadata if len(key) > METADATA_KEY_MAX_CHARS]
        if long_keys:
            raise ValidationError(
                f"metadata key {long_keys[0][:50]!r} is longer than {METADATA_KEY_MAX_CHARS} characters."
            )
        size = len(json.dumps(metadata, separators=(",", ":")).encode())
        if size > METADATA_MAX_BYTES:
            raise ValidationError(f"metadata is {size} bytes as JSON; keep it to {METADATA_MAX_BYTES}.")
        return metadata

    def validate(self, attrs: dict) -> dict:
        if ("sku" in attrs) == ("skus" in attrs):
            raise ValidationError(
                "Send either sku (one product) or skus (a list of 1 to "
                f"{MAX_SKUS}), not {'both' if 'sku' in attrs else 'neither'}."
            )
        return attrs


class RenderListResponseSerializer(serializers.Serializer):
    renders = RenderSerializer(many=True, help_text="One per SKU, in the order sent.")


class ProductVideoSerializer(RenderOutputSerializer):
    render_id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(help_text="When this video was made.")
    stale = serializers.BooleanField(help_text=STALE_HELP)
    stale_because = serializers.ListField(
        child=serializers.ChoiceField(choices=STALE_FIELDS), help_text=STALE_BECAUSE_HELP
    )


class ProductVideosSerializer(serializers.Serializer):
    sku = serializers.CharField()
    videos = ProductVideoSerializer(many=True, help_text="Empty until a render of the product has succeeded.")


class RenderCursorPagination(ApiCursorPagination):
    ordering = "-id"  # newest first; ids only grow, and a unique key keeps cursors stable
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


class ScenePromptSerializer(serializers.Serializer):
    scene = serializers.IntegerField(read_only=True, help_text="The scene's number in the template, from 1.")
    prompt = serializers.CharField()
    negative_prompt = serializers.CharField(allow_blank=True, help_text="Empty when the scene has none.")


class TemplatePromptsSerializer(serializers.Serializer):
    sku = serializers.CharField()
    scenes = ScenePromptSerializer(many=True, help_text="One per product_shots scene.")
