"""A campaign's product selection: checked once (selection_clean, the edge's rules with messages that say what
to change) and turned into a QuerySet of the merchant's products (selection_products), iterated in product-id
order so a campaign can resume from a cursor (keyset) instead of holding every id.

    {"all": true}
    {"skus": ["MUG-1", "tee-shirt", ...]}            SKUs or product handles/ids, up to CAMPAIGN_MAX_PRODUCTS
    {"category": "Kitchen", "product_type": "Mugs", "tag": "summer", "vendor": "Acme", "collection": "Sale",
     "price_min": "5", "price_max": "50", "in_stock": true, "has_photos": true,
     "changed_since": "2026-11-01T00:00:00Z"}       filters, all of them together (AND)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.dateparse import parse_datetime

import catalog.lookups  # noqa: F401  (registers __any)
from catalog import limits
from catalog.models import Product, ProductImage, Variant
from shop_video.tenancy.models import Merchant

TEXT_FILTERS = ("category", "collection", "product_type", "tag", "vendor")
FILTERS = (*TEXT_FILTERS, "price_min", "price_max", "in_stock", "has_photos", "changed_since")
TEXT_MAX_CHARS = 200
SKU_MAX_CHARS = 255


def selection_clean(selection) -> dict:
    """The selection in its one stored shape, or a ValidationError saying what to change."""
    if not isinstance(selection, dict) or not selection:
        raise ValidationError(
            'selection must be an object: {"all": true}, filters such as {"product_type": "Mugs"}, or {"skus": [...]}.'
        )
    if "all" in selection:
        if selection != {"all": True}:
            raise ValidationError('selection {"all": true} takes nothing else; send filters or skus instead of "all".')
        return {"all": True}
    if "skus" in selection:
        return {"skus": _skus_clean(selection)}
    unknown = sorted(set(selection) - set(FILTERS))
    if unknown:
        raise ValidationError(
            f"selection has unknown field(s) {', '.join(map(repr, unknown))}; use all, skus, or filters from "
            f"{', '.join(FILTERS)}."
        )
    cleaned: dict = {}
    for name in TEXT_FILTERS:
        if name in selection:
            value = selection[name]
            if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX_CHARS:
                raise ValidationError(f"selection.{name} must be text of 1 to {TEXT_MAX_CHARS} characters.")
            cleaned[name] = value.strip()
    for name in ("price_min", "price_max"):
        if name in selection:
            cleaned[name] = str(_price_clean(name, selection[name]))
    if (
        "price_min" in cleaned
        and "price_max" in cleaned
        and Decimal(cleaned["price_min"]) > Decimal(cleaned["price_max"])
    ):
        raise ValidationError("selection.price_min is above price_max; swap them.")
    for name in ("in_stock", "has_photos"):
        if name in selection:
            if not isinstance(selection[name], bool):
                raise ValidationError(f"selection.{name} must be true or false.")
            cleaned[name] = selection[name]
    if "changed_since" in selection:
        value = selection["changed_since"]
        moment = parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None
        if moment is None or moment.tzinfo is None:
            raise ValidationError(
                'selection.changed_since must be a date and time with its zone, e.g. "2026-11-01T00:00:00Z".'
            )
        cleaned["changed_since"] = moment.isoformat()
    if not cleaned:
        raise ValidationError('selection names no products: send {"all": true}, filters, or skus.')
    return cleaned


def _skus_clean(selection: dict) -> list[str]:
    if set(selection) != {"skus"}:
        raise ValidationError("selection.skus takes no filters beside it; send either skus or filters.")
    skus = selection["skus"]
    cap = settings.CAMPAIGN_MAX_PRODUCTS
    if not isinstance(skus, list) or not skus:
        raise ValidationError("selection.skus must be a list of 1 or more SKUs or product handles.")
    if len(skus) > cap:
        raise ValidationError(
            f"selection.skus lists {len(skus):,} products; a campaign takes at most {cap:,}. Split it into "
            "several campaigns, or select by filters."
        )
    cleaned, seen = [], set()
    for sku in skus:
        if not isinstance(sku, str) or not sku.strip() or len(sku) > SKU_MAX_CHARS:
            raise ValidationError(f"selection.skus: each must be text of 1 to {SKU_MAX_CHARS} characters.")
        sku = sku.strip()
        if sku not in seen:
            seen.add(sku)
            cleaned.append(sku)
    return cleaned


def _price_clean(name: str, value) -> Decimal:
    try:
        amount = Decimal(str(value)) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    except InvalidOperation:
        amount = None
    largest = limits.PRICE.largest
    if amount is None or not amount.is_finite() or not 0 <= amount <= largest:
        raise ValidationError(f'selection.{name} must be a price from 0 to {largest}, e.g. "19.99".')
    return amount


def selection_products(*, merchant: Merchant, selection: dict) -> QuerySet[Product]:
    """The merchant's products the selection names, in id order (a cursor resumes with pk__gt). Archived products
    are never selected; filters and "all" take active products only."""
    products = Product.objects.filter(merchant=merchant).exclude(status=Product.Status.ARCHIVED).order_by("pk")
    if "skus" in selection:
        refs = selection["skus"]
        by_sku = Variant.objects.filter(merchant=merchant, sku__any=refs).values("product_id")
        return products.filter(Q(key__any=refs) | Q(pk__in=by_sku))
    products = products.filter(status=Product.Status.ACTIVE)
    if selection.get("all"):
        return products
    for name in ("category", "collection"):
        if name in selection:
            products = products.filter(_category_matches(selection[name]))
    if "product_type" in selection:
        products = products.filter(product_type__iexact=selection["product_type"])
    if "vendor" in selection:
        products = products.filter(brand__iexact=selection["vendor"])
    if "tag" in selection:
        products = products.filter(_tag_matches(selection["tag"]))
    variants = Variant.objects.filter(product=OuterRef("pk"))
    if "price_min" in selection:
        variants = variants.filter(price__gte=Decimal(selection["price_min"]))
    if "price_max" in selection:
        variants = variants.filter(price__lte=Decimal(selection["price_max"]))
    if selection.get("in_stock"):
        variants = variants.filter(availability=Variant.Availability.IN_STOCK)
    if {"price_min", "price_max"} & set(selection) or selection.get("in_stock"):
        products = products.filter(Exists(variants))
    if "has_photos" in selection:
        ready = Exists(ProductImage.objects.filter(product=OuterRef("pk"), status=ProductImage.Status.READY))
        products = products.filter(ready if selection["has_photos"] else ~ready)
    if "changed_since" in selection:
        products = products.filter(updated_at__gte=datetime.fromisoformat(selection["changed_since"]))
    return products


def _category_matches(name: str) -> Q:
    """A category path ("Home > Kitchen > Mugs") matches any of its levels."""
    return (
        Q(category__iexact=name)
        | Q(category__istartswith=f"{name} > ")
        | Q(category__iendswith=f" > {name}")
        | Q(category__icontains=f" > {name} > ")
    )


def _tag_matches(tag: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    return Q(tags__icontains=f'"{tag}"')  # the stored JSON text; SQLite has no JSON containment
