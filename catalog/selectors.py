"""Reads for the catalog; every one is scoped to a merchant."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from catalog.models import Product, ProductImage, Variant
from shop_video.tenancy.models import Merchant


class VariantNotFound(ObjectDoesNotExist):
    pass


def variant_get_by_sku(*, merchant: Merchant, sku: str) -> Variant:
    try:
        return Variant.objects.select_related("product").get(merchant=merchant, sku=sku)
    except Variant.DoesNotExist:
        raise VariantNotFound(f"Merchant {merchant.slug!r} has no product with SKU {sku!r}; "
                              "import it first (manage.py import_catalog).") from None


def product_images_ready(*, product: Product) -> QuerySet[ProductImage]:
    return product.images.filter(status=ProductImage.Status.READY).order_by("position", "id")

