from django.contrib import admin, messages
from django.utils.html import format_html

from generation.models import RenderJob, Rendition, Shot, VideoTemplate
from generation.services import render_job_cancel


@admin.register(VideoTemplate)
class VideoTemplateAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "merchant", "version", "is_builtin", "updated_at"]
    list_filter = ["is_builtin"]
    search_fields = ["slug", "name"]


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
    readonly_fields = ["status", "progress", "error", "attempts", "started_at", "assembly_queued_at",
                       "heartbeat_at", "finished_at", "template_spec"]
    inlines = [ShotInline, RenditionInline]
    actions = ["cancel_jobs"]

    @admin.action(description="Cancel the selected jobs")
    def cancel_jobs(self, request, queryset):
        cancelled = sum(render_job_cancel(job=job) for job in queryset)
        self.message_user(request, f"Cancelled {cancelled} job(s); finished jobs were left as they were.",
                          messages.SUCCESS)


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "position", "engine", "camera", "status", "progress", "attempts"]
    list_filter = ["status", "engine"]
    readonly_fields = ["heartbeat_at", "started_at", "finished_at", "error"]


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ["job", "aspect_ratio", "width", "height", "duration", "size_bytes", "created_at"]
    list_filter = ["aspect_ratio"]
