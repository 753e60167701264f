"""Campaigns in the admin: read them (they are made and moved by the services: API and dashboard), and set a
merchant's own monthly render quota."""

from django.contrib import admin

from generation.campaigns.models import Campaign, RenderQuota


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "status", "template_slug", "products_total", "created_at"]
    list_filter = ["status", "merchant"]
    search_fields = ["name", "template_slug"]
    readonly_fields = [field.name for field in Campaign._meta.fields]

    def has_add_permission(self, request):
        return False  # campaign_create checks the selection, templates and quota (API, dashboard)

    def has_change_permission(self, request, obj=None):
        return False  # launch, pause, resume, cancel and retry are the services' moves


@admin.register(RenderQuota)
class RenderQuotaAdmin(admin.ModelAdmin):
    list_display = ["merchant", "monthly_render_seconds"]
    search_fields = ["merchant__slug", "merchant__name"]
    autocomplete_fields = ["merchant"]
