"""A merchant's catalog: products, their variants (SKUs), their photos, and the imports that brought them."""

from django.db import models

from catalog.fields import AmountField
from shop_video.media import IMAGE_EXTENSIONS, PrivateUploadTo, private_storage_get
from shop_video.tenancy.models import Merchant


class Product(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DRAFT = "draft", "Draft"
        ARCHIVED = "archived", "Archived"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="products")
    # The feed's stable product identifier (Shopify handle, item_group_id, or the SKU of a simple product).
    key = models.CharField(max_length=255)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    brand = models.CharField(max_length=200, blank=True)
    product_type = models.CharField(max_length=200, blank=True)
    # The feed's category path ("Home > Kitchen > Mugs") and tags, for choosing products (campaign selections).
    category = models.CharField(max_length=500, blank=True)
    tags = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant", "title"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="product_unique_key_per_merchant")]

    def __str__(self):
        return self.title


class Variant(models.Model):
    class Availability(models.TextChoices):
        IN_STOCK = "in_stock", "In stock"
        OUT_OF_STOCK = "out_of_stock", "Out of stock"
        PREORDER = "preorder", "Preorder"
        BACKORDER = "backorder", "Backorder"

    # The merchant needs no index of its own: (merchant, sku) below leads with it, and every index is paid for on
    # each imported row. The product keeps its own: without it PostgreSQL plans a batch's product_id = ANY(...)
    # over (product, key) badly (measured: a 50,000-row Shopify import 4x slower).
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="variants", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # The feed's own identity of the variant within its product (Shopify handle + option values, WooCommerce
    # variation id, Google/Meta id). SKUs are data: shops repeat them across products, and some leave them out.
    key = models.CharField(max_length=255)
    sku = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=500, blank=True)
    price = AmountField(max_digits=14, decimal_places=4)
    compare_at_price = AmountField(max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3)
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.IN_STOCK)
    options = models.JSONField(default=dict, blank=True)  # {"Size": "M", "Colour": "Blue"}
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "position", "sku"]
        constraints = [models.UniqueConstraint(fields=["product", "key"], name="variant_unique_key_per_product")]
        indexes = [models.Index(fields=["merchant", "sku"], name="variant_sku_per_merchant")]

    def __str__(self):
        return self.sku


class ProductImage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="product_images")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    file = models.ImageField(
        storage=private_storage_get,
        upload_to=PrivateUploadTo("images", IMAGE_EXTENSIONS),
        blank=True,
        max_length=200,
        width_field="width",
        height_field="height",
    )
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    source_url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "sha256"],
                condition=~models.Q(sha256=""),
                name="productimage_unique_content_per_product",
            ),
        ]

    def __str__(self):
        return f"{self.product} #{self.position} ({self.status})"


class CatalogImport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="catalog_imports")
    source = models.CharField(max_length=2000, help_text="File name or URL the rows came from.")
    format = models.CharField(
        max_length=32,
        default="plain_csv",
        blank=True,
        help_text="The importer's name; empty while a URL's format is still to be detected.",
    )
    # A feed keeps no extension of the client's: it is data for the importer, never a page.
    file = models.FileField(
        storage=private_storage_get, upload_to=PrivateUploadTo("imports"), blank=True, max_length=200
    )
    # What an API request asked for, kept so the worker (and anyone reading the record) knows how it was read.
    mapping_name = models.CharField(max_length=100, blank=True, help_text="The saved ImportMapping used, if any.")
    archive_missing = models.BooleanField(default=False, help_text="A full feed: archive products it lacks.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0, help_text="Rows with at least one error.")
    archived_count = models.PositiveIntegerField(default=0, help_text="Products archived as missing from a full feed.")
    # [{"row": 7, "field": "price", "message": "...", "ref": "mug", "line": 9}]: every bad row, numbered as a
    # spreadsheet shows it (header = row 1), with the product's handle or id, and the file line where it differs.
    errors = models.JSONField(default=list, blank=True)
    # ["Skipped 2 blank lines before the header.", ...]: what the import did that the merchant should know about
    # (warnings such as a SKU on several products, a default currency assumed) without refusing any row.
    notes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, help_text="Why the whole import failed, if it did.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.merchant.slug}: {self.source} ({self.status})"


class ImportMapping(models.Model):
    """A merchant's saved column mapping for the generic CSV/JSON importer: our field -> their column."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="import_mappings")
    name = models.CharField(max_length=100)
    mapping = models.JSONField(help_text='e.g. {"sku": "Article No.", "title": "Name", "price": "Price (EUR)"}')
    default_currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["merchant", "name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "name"], name="importmapping_unique_name")]

    def __str__(self):
        return f"{self.merchant.slug}: {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from catalog.importers.base import FeedRejected
        from catalog.importers.generic import mapping_check

        try:
            mapping_check(self.mapping)
        except FeedRejected as exc:
            raise ValidationError({"mapping": str(exc)}) from None
