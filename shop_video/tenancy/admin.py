from django.contrib import admin

from shop_video.tenancy.forms import BrandKitFilesForm, BrandMusicTrackForm
from shop_video.tenancy.models import BrandKit, BrandMusicTrack, Membership, Merchant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "default_currency", "created_at"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "merchant__slug"]
    autocomplete_fields = ["user", "merchant"]


class BrandKitAdminForm(BrandKitFilesForm):
    class Meta:
        model = BrandKit
        fields = "__all__"


class BrandMusicTrackInline(admin.TabularInline):
    model = BrandMusicTrack
    form = BrandMusicTrackForm
    fields = ["name", "mood", "file", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0


@admin.register(BrandKit)
class BrandKitAdmin(admin.ModelAdmin):
    form = BrandKitAdminForm
    inlines = [BrandMusicTrackInline]
    list_display = ["name", "merchant", "is_default", "primary_colour", "accent_colour", "watermark_position"]
    list_filter = ["is_default", "watermark_position"]
    search_fields = ["name", "merchant__slug"]
    autocomplete_fields = ["merchant"]
