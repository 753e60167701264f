from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html

from catalog.selectors import variant_sku_choices
from generation.models import Presenter, RenderJob, Rendition, Shot, VideoTemplate
from generation.presenter.services import PRESENTER_EDITABLE_FIELDS, presenter_create, presenter_update
from generation.services.job_states import render_job_cancel
from generation.services.scene_prompts import template_prompts_render
from generation.services.video_templates import (
    TEMPLATE_EDITABLE_FIELDS,
    video_template_copy,
    video_template_create,
    video_template_update,
)
from shop_video.tenancy.models import Merchant


class TemplateCopyForm(forms.Form):
    merchant = forms.ModelChoiceField(Merchant.objects.all(), help_text="Who gets the copy.")


class VideoTemplateAdminForm(forms.ModelForm):
    """The admin saves through the template services, so their rules hold here too: the spec is validated with
    messages naming scene and field, and a changed spec bumps the version."""

    class Meta:
        model = VideoTemplate
        fields = ["merchant", "slug", *TEMPLATE_EDITABLE_FIELDS]

    def _post_clean(self):
        pass  # the service validates (and reports per field) in clean

    def clean(self):
        cleaned = super().clean()
        fields = {name: cleaned[name] for name in TEMPLATE_EDITABLE_FIELDS if name in cleaned}
        try:
            if self.instance.pk:
                # _post_clean is skipped, so the instance is still as stored.
                self.instance = video_template_update(template=self.instance, **fields)
            elif cleaned.get("merchant") is None:
                self.add_error(
                    "merchant",
                    "Built-in templates are the files in generation/presets/ (synced on "
                    "every migrate); choose the merchant this template is for.",
                )
            elif "slug" in cleaned:
                self.instance = video_template_create(merchant=cleaned["merchant"], slug=cleaned["slug"], **fields)
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for name, field_errors in errors.items():
                self.add_error(name if name in self.fields else None, field_errors)
        return cleaned


class PromptPreviewForm(forms.Form):
    merchant = forms.ModelChoiceField(Merchant.objects.all(), help_text="Whose product (and brand) to use.")
    sku = forms.CharField(max_length=255, help_text="One of the merchant's SKUs.")


@admin.register(VideoTemplate)
class VideoTemplateAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "merchant", "version", "is_builtin", "updated_at"]
    list_filter = ["is_builtin"]
    search_fields = ["slug", "name"]
    actions = ["preview_prompts", "copy_to_merchant"]
    form = VideoTemplateAdminForm

    def get_readonly_fields(self, request, obj=None):
        # A template's merchant and slug are fixed once made (renders and copies refer to them).
        return ["version", "is_builtin", *(["merchant", "slug"] if obj is not None else [])]

    def has_change_permission(self, request, obj=None):
        # Built-ins are synced from generation/presets/ on every migrate: copy one to a merchant to edit it.
        return super().has_change_permission(request, obj) and not (obj is not None and obj.merchant_id is None)

    def save_model(self, request, obj, form, change):
        pass  # VideoTemplateAdminForm.clean already saved it through the service

    @admin.action(description="Copy to a merchant (an editable copy that replaces the built-in for them)")
    def copy_to_merchant(self, request, queryset):
        if "copy" in request.POST:
            form = TemplateCopyForm(request.POST)
            if form.is_valid():
                for template in queryset:
                    copy = video_template_copy(template=template, merchant=form.cleaned_data["merchant"])
                    self.message_user(
                        request, f"Copied {template.slug} to {copy.merchant.slug} (v{copy.version}).", messages.SUCCESS
                    )
                return None
        else:
            form = TemplateCopyForm()
        return TemplateResponse(
            request,
            "admin/generation/videotemplate/copy_to_merchant.html",
            {
                **self.admin_site.each_context(request),
                "title": "Copy templates to a merchant",
                "opts": self.model._meta,
                "form": form,
                "templates": list(queryset),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Preview prompts for a product")
    def preview_prompts(self, request, queryset):
        """An intermediate page: pick a merchant and SKU (first product of the template's merchant by default),
        then see each scene's prompt as the model would read it, or why the template cannot render."""
        templates = list(queryset.select_related("merchant").order_by("slug"))
        if "preview" in request.POST:
            form = PromptPreviewForm(request.POST)
        else:
            merchant = next((t.merchant for t in templates if t.merchant), None)
            first = variant_sku_choices(merchant=merchant, limit=1) if merchant else []
            form = PromptPreviewForm(initial={"merchant": merchant, "sku": first[0][0] if first else ""})
        results = []
        if form.is_bound and form.is_valid():
            for template in templates:
                try:
                    scenes = template_prompts_render(
                        template=template, merchant=form.cleaned_data["merchant"], sku=form.cleaned_data["sku"]
                    )
                    results.append({"template": template, "scenes": scenes, "error": None})
                except (ValidationError, ObjectDoesNotExist) as exc:
                    error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    results.append({"template": template, "scenes": [], "error": error})
        return TemplateResponse(
            request,
            "admin/generation/videotemplate/preview_prompts.html",
            {
                **self.admin_site.each_context(request),
                "title": "Preview prompts",
                "opts": self.model._meta,
                "form": form,
                "templates": templates,
                "results": results,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ShotInline(admin.TabularInline):
    model = Shot
    extra = 0
    can_delete = False
    fields = ["position", "engine", "camera", "seed", "status", "progress", "attempts", "error", "file"]
    readonly_fields = fields


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = ["aspect_ratio", "width", "height", "duration", "video", "poster"]
    readonly_fields = fields

    @admin.display(description="Video")
    def video(self, obj):
        return format_html('<a href="{}">{}</a>', obj.file.url, obj.file.name) if obj.file else "-"


@admin.register(RenderJob)
class RenderJobAdmin(admin.ModelAdmin):
    list_display = ["id", "product", "template", "engine", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status", "engine", "merchant"]
    search_fields = ["product__title", "variant__sku"]
    readonly_fields = [
        "status",
        "progress",
        "error",
        "attempts",
        "started_at",
        "assembly_queued_at",
        "heartbeat_at",
        "finished_at",
        "template_spec",
    ]
    inlines = [ShotInline, RenditionInline]
    actions = ["cancel_jobs"]

    @admin.action(description="Cancel the selected jobs")
    def cancel_jobs(self, request, queryset):
        cancelled = sum(render_job_cancel(job=job) for job in queryset)
        self.message_user(
            request, f"Cancelled {cancelled} job(s); finished jobs were left as they were.", messages.SUCCESS
        )


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "position", "engine", "camera", "status", "progress", "attempts"]
    list_filter = ["status", "engine"]
    readonly_fields = ["heartbeat_at", "started_at", "finished_at", "error"]


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ["job", "aspect_ratio", "width", "height", "duration", "size_bytes", "created_at"]
    list_filter = ["aspect_ratio"]


class PresenterAdminForm(forms.ModelForm):
    """The admin saves through the presenter service: the photo is normalised and must show exactly one face,
    the voice is checked against its TTS engine; a refusal shows on the field."""

    speed = forms.FloatField(
        min_value=0.5,
        max_value=2.0,
        initial=1.0,
        help_text="Speaking rate, 0.5 to 2.0 (1.0 is normal).",
        error_messages={"invalid": "Enter a number from 0.5 to 2.0."},
    )

    class Meta:
        model = Presenter
        fields = ["merchant", *PRESENTER_EDITABLE_FIELDS]

    def _post_clean(self):
        pass  # the service validates (and reports per field) in save_model

    def clean(self):
        cleaned = super().clean()
        fields = {name: cleaned[name] for name in PRESENTER_EDITABLE_FIELDS if name in cleaned}
        upload = self.files.get("avatar")
        fields["avatar"] = upload  # None keeps the stored photo
        try:
            if self.instance.pk:
                self.instance = presenter_update(presenter=Presenter.objects.get(pk=self.instance.pk), **fields)
            elif cleaned.get("merchant") is not None:
                self.instance = presenter_create(merchant=cleaned["merchant"], **fields)
        except ValidationError as exc:
            for name, messages_ in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages_)
        return cleaned


@admin.register(Presenter)
class PresenterAdmin(admin.ModelAdmin):
    form = PresenterAdminForm
    list_display = ["name", "merchant", "slug", "language", "tts_engine", "voice", "framing", "is_default"]
    list_filter = ["merchant", "language", "tts_engine"]
    readonly_fields = ["face", "photo_preview"]

    @admin.display(description="Photo")
    def photo_preview(self, presenter):
        return format_html('<img src="{}" height="160" alt="">', presenter.avatar.url) if presenter.avatar else "-"

    def save_model(self, request, obj, form, change):
        pass  # PresenterAdminForm.clean already saved it through the service
