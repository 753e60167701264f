from django.contrib import admin

from shop_video.live.models import LiveRoom, LiveRoomItem, LiveSegment


class LiveRoomItemInline(admin.TabularInline):
    model = LiveRoomItem
    extra = 0
    raw_id_fields = ["product"]

    def has_add_permission(self, request, obj=None):
        return False  # an item needs its segment rendered: live_room_create does that


@admin.register(LiveRoom)
class LiveRoomAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "template_slug", "aspect_ratio", "is_active", "created_at"]
    list_filter = ["is_active", "merchant"]
    search_fields = ["name", "slug", "key"]
    readonly_fields = ["key", "created_at", "media_sequence", "discontinuity_sequence", "window", "cursor"]
    raw_id_fields = ["presenter"]
    inlines = [LiveRoomItemInline]

    def has_add_permission(self, request):
        # Made by live_room_create (the dashboard, manage.py create_live_room): SKUs checked, renders queued.
        return False


@admin.register(LiveSegment)
class LiveSegmentAdmin(admin.ModelAdmin):
    """Segments are made by renders and the cutting task; the admin only shows them."""

    list_display = ["id", "item", "status", "price", "compare_at_price", "render_job", "created_at", "ready_at"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
