from django.contrib import admin
from django.utils.html import format_html

from catalog.models import CatalogImport, ImportMapping, Product, ProductImage, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "title", "price", "compare_at_price", "currency", "availability", "position"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["thumbnail", "file", "position", "status", "error", "source_url"]
    readonly_fields = ["thumbnail", "file", "status", "error", "source_url"]

    def has_add_permission(self, request, obj=None):
        return False  # photos are checked and normalised by catalog.services (API, dashboard, upload_photos, feeds)

    @admin.display(description="Preview")
    def thumbnail(self, obj):
        return format_html('<img src="{}" height="64" alt="">', obj.file.url) if obj.file else "-"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "merchant", "status", "updated_at"]
    list_filter = ["status", "merchant"]
    search_fields = ["title", "key", "variants__sku"]
    autocomplete_fields = ["merchant"]
    inlines = [VariantInline, ProductImageInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "product", "price", "currency", "availability", "merchant"]
    list_filter = ["availability", "currency", "merchant"]
    search_fields = ["sku", "product__title"]
    autocomplete_fields = ["merchant", "product"]


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ["product", "position", "status", "width", "height", "size_bytes", "sha256"]
    list_filter = ["status", "merchant"]
    search_fields = ["product__title", "sha256", "source_url"]
    readonly_fields = ["file", "sha256", "size_bytes", "width", "height", "error", "source_url"]
    autocomplete_fields = ["merchant", "product"]

    def has_add_permission(self, request):
        return False  # see ProductImageInline


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "merchant",
        "format",
        "status",
        "created_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "archived_count",
        "created_at",
    ]
    list_filter = ["status", "format", "merchant"]
    readonly_fields = ["errors", "error", "started_at", "finished_at"]

    def has_add_permission(self, request):
        return False  # an import is asked for through catalog.import_requests or run by manage.py import_catalog


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "default_currency", "created_at"]
    search_fields = ["name", "merchant__slug"]
    autocomplete_fields = ["merchant"]
