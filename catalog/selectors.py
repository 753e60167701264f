"""Reads for the catalog; every one is scoped to a merchant."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from catalog.models import CatalogImport, ImportMapping, Product, ProductImage, Variant
from shop_video.tenancy.models import Merchant


class VariantNotFound(ObjectDoesNotExist):
    pass


def variant_get_by_sku(*, merchant: Merchant, sku: str) -> Variant:
    try:
        return Variant.objects.select_related("product").get(merchant=merchant, sku=sku)
    except Variant.DoesNotExist:
        raise VariantNotFound(
            f"Merchant {merchant.slug!r} has no product with SKU {sku!r}; import it first (manage.py import_catalog)."
        ) from None


def product_images_ready(*, product: Product) -> QuerySet[ProductImage]:
    return product.images.filter(status=ProductImage.Status.READY).order_by("position", "id")


def product_get(*, merchant: Merchant, product_id: int) -> Product:
    """One of the merchant's products; Product.DoesNotExist for another merchant's or a missing one."""
    return Product.objects.get(merchant=merchant, pk=product_id)


def product_images_all(*, product: Product) -> QuerySet[ProductImage]:
    """Every photo of a product, pending and failed ones too, in display order."""
    return product.images.order_by("position", "id")


def product_by_name(*, merchant: Merchant, name: str) -> Product | None:
    """The product a file or folder name refers to: a variant's SKU, else a product key (either case)."""
    variant = Variant.objects.filter(merchant=merchant, sku__iexact=name).select_related("product").first()
    if variant is not None:
        return variant.product
    return Product.objects.filter(merchant=merchant, key__iexact=name).first()


def variant_sku_choices(*, merchant: Merchant, limit: int = 1000) -> list[tuple[str, str]]:
    """(SKU, product title) of the merchant's active products, for the render form's SKU picker."""
    return list(
        Variant.objects.filter(merchant=merchant, product__status=Product.Status.ACTIVE)
        .order_by("sku")
        .values_list("sku", "product__title")[:limit]
    )


class ProductRefAmbiguous(ValidationError):
    pass


def product_get_by_ref(*, merchant: Merchant, ref: str) -> Product:
    """A merchant's product by its id or by the SKU of one of its variants ("id:12" or "sku:12" say which when a
    numeric SKU could also be an id). Product.DoesNotExist for anything outside the merchant's catalog."""
    ref = ref.strip()
    if not ref or "\x00" in ref:
        raise Product.DoesNotExist(f"No product with id or SKU {ref!r} in this catalog.")
    products = Product.objects.filter(merchant=merchant)
    kind, _, value = ref.partition(":")
    if kind in ("id", "sku") and value:
        if kind == "sku":
            return products.get(variants__sku=value)
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise Product.DoesNotExist(f"{ref!r} is not a product id; ids are whole numbers.")
        return products.get(pk=int(value))
    by_sku = products.filter(variants__sku=ref).first()
    by_id = products.filter(pk=int(ref)).first() if ref.isascii() and ref.isdigit() and len(ref) <= 18 else None
    if by_id is not None and by_sku is not None and by_id.pk != by_sku.pk:
        raise ProductRefAmbiguous(
            {"ref": f"{ref!r} is the id of one product and a SKU of another; use id:{ref} or sku:{ref} to say which."}
        )
    product = by_id or by_sku
    if product is None:
        raise Product.DoesNotExist(f"No product with id or SKU {ref!r} in this catalog.")
    return product


def products_filter(*, merchant: Merchant, status: str = "", q: str = "", sku: str = "") -> QuerySet[Product]:
    """The merchant's products by id, with variants and photos loaded. Archived products only when `status`
    asks for them. `q` searches title, brand and SKUs (case-insensitive); `sku` is one exact SKU."""
    if status and status not in Product.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}; use one of {', '.join(Product.Status.values)}."})
    products = Product.objects.filter(merchant=merchant)
    products = products.filter(status=status) if status else products.exclude(status=Product.Status.ARCHIVED)
    q = q.strip()
    if q:
        sku_match = Variant.objects.filter(product=OuterRef("pk"), sku__icontains=q)
        products = products.filter(Q(title__icontains=q) | Q(brand__icontains=q) | Exists(sku_match))
    if sku:
        products = products.filter(Exists(Variant.objects.filter(product=OuterRef("pk"), sku=sku.strip())))
    return products.order_by("id").prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("position", "sku")),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
    )


# --- Imports and the saved column mappings they read with ---------------------------------------------------


def import_mapping_names(*, merchant: Merchant) -> list[str]:
    """Names of the merchant's saved column mappings (the generic importer's)."""
    return list(merchant.import_mappings.order_by("name").values_list("name", flat=True))


def import_mapping_get(*, merchant: Merchant, name: str) -> ImportMapping | None:
    """The merchant's saved column mapping of that name, or None."""
    return ImportMapping.objects.filter(merchant=merchant, name=name).first()


def catalog_import_get(*, merchant: Merchant, import_id: int) -> CatalogImport:
    """One of the merchant's imports; CatalogImport.DoesNotExist for another merchant's or a missing one."""
    return CatalogImport.objects.get(merchant=merchant, pk=import_id)


def catalog_imports_list(*, merchant: Merchant) -> QuerySet[CatalogImport]:
    return CatalogImport.objects.filter(merchant=merchant).order_by("-id")
