"""Reads for the catalog; every one is scoped to a merchant."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, When

from catalog.models import CatalogImport, ImportMapping, Product, ProductImage, Variant
from shop_video.tenancy.models import Merchant


class VariantNotFound(ObjectDoesNotExist):
    pass


class SkuAmbiguous(VariantNotFound):
    """A SKU on several products (shops repeat them): the message lists the products' handles or ids."""


def variant_get_by_ref(*, merchant: Merchant, ref: str) -> Variant:
    """The variant a merchant names by reference, wherever a SKU is asked for (renders, the API, live rooms):
    1. a product's key (its Shopify handle, Google item_group_id or id, WooCommerce SKU or woo-<ID>): keys are
       unique, so this always names one product; its variant with that SKU, else its first variant;
    2. a SKU on one product only: that variant;
    3. a variant's own key (WooCommerce woo-<ID> of a variation, Shopify <handle>-<option values>) in one product.
    SkuAmbiguous names the products when the SKU is on several; VariantNotFound when nothing matches."""
    ref = (ref or "").strip()
    # One query: the variants of a product with that key first, then those with that SKU or variant key.
    candidates = (
        list(
            Variant.objects.filter(Q(product__key=ref) | Q(sku=ref) | Q(key=ref), merchant=merchant)
            .select_related("product")
            .order_by(Case(When(product__key=ref, then=0), default=1), "product_id", "position")[:200]
        )
        if ref
        else []
    )
    own = [variant for variant in candidates if variant.product.key == ref]
    if own:
        return next((variant for variant in own if variant.sku == ref), own[0])
    for field in ("sku", "key"):
        matches = [variant for variant in candidates if getattr(variant, field) == ref]
        products = {variant.product_id: variant.product.key for variant in matches}
        if len(products) == 1:
            return matches[0]
        if len(products) > 1:
            raise SkuAmbiguous(sku_ambiguous_message(ref=ref, keys=sorted(products.values())))
    raise VariantNotFound(
        f"Merchant {merchant.slug!r} has no product with SKU {ref!r}, nor with that handle or id; check it, or "
        "import the product first (manage.py import_catalog)."
    )


def sku_ambiguous_message(*, ref: str, keys: list[str]) -> str:
    return f"SKU {ref!r} is on {len(keys)} products: name one by handle or id instead ({', '.join(keys)})."


def variant_get_by_sku(*, merchant: Merchant, sku: str) -> Variant:
    """The variant named by `sku`, which may also be the product's handle or id: see variant_get_by_ref."""
    return variant_get_by_ref(merchant=merchant, ref=sku)


def variant_ref(*, variant: Variant) -> str:
    """A reference that names exactly this variant again (for work queued now and resolved later): its SKU when
    no other product has it, else its product's key when it is the first variant, else its own key."""
    others = Variant.objects.filter(merchant_id=variant.merchant_id, sku=variant.sku).exclude(
        product_id=variant.product_id
    )
    if variant.sku and not others.exists():
        return variant.sku
    first = Variant.objects.filter(product_id=variant.product_id).order_by("position").values_list("pk", flat=True)[:1]
    return variant.product.key if variant.pk in list(first) else variant.key


def product_images_ready(*, product: Product) -> QuerySet[ProductImage]:
    return product.images.filter(status=ProductImage.Status.READY).order_by("position", "id")


def product_get(*, merchant: Merchant, product_id: int) -> Product:
    """One of the merchant's products; Product.DoesNotExist for another merchant's or a missing one."""
    return Product.objects.get(merchant=merchant, pk=product_id)


def product_images_all(*, product: Product) -> QuerySet[ProductImage]:
    """Every photo of a product, pending and failed ones too, in display order."""
    return product.images.order_by("position", "id")


def product_image_get(*, merchant: Merchant, image_id: int) -> ProductImage:
    """One of the merchant's product photos; ProductImage.DoesNotExist for another merchant's or a missing one."""
    return ProductImage.objects.select_related("product").get(merchant=merchant, pk=image_id)


def product_photo_counts(*, images: list[ProductImage]) -> dict[str, int]:
    """How many of a product's photos are ready, still being fetched, and failed (a failed one is not "0 photos")."""
    counts = {status: 0 for status in ProductImage.Status.values}
    for image in images:
        counts[image.status] += 1
    return counts


def product_by_name(*, merchant: Merchant, name: str) -> Product | None:
    """The product a file or folder name refers to: a product key (handle or id), else a SKU on one product only
    (either case). None otherwise: a SKU on several products names none of them."""
    product = Product.objects.filter(merchant=merchant, key__iexact=name).first()
    if product is not None:
        return product
    by_sku = list(Product.objects.filter(merchant=merchant, variants__sku__iexact=name).distinct()[:2])
    return by_sku[0] if len(by_sku) == 1 else None


def variant_sku_choices(*, merchant: Merchant, limit: int = 1000) -> list[tuple[str, str]]:
    """(reference, product title) of the merchant's active products, for the render form's picker: the SKU, or
    the product's handle where the SKU is on several products (which a SKU could not name)."""
    rows = list(
        Variant.objects.filter(merchant=merchant, product__status=Product.Status.ACTIVE)
        .order_by("sku")
        .values_list("sku", "product__key", "product__title")[:limit]
    )
    products_per_sku: dict[str, set[str]] = {}
    for sku, key, _ in rows:
        products_per_sku.setdefault(sku, set()).add(key)
    choices = [(sku if sku and len(products_per_sku[sku]) == 1 else key, title) for sku, key, title in rows]
    return list(dict.fromkeys(choices))


class ProductRefAmbiguous(ValidationError):
    pass


def product_get_by_ref(*, merchant: Merchant, ref: str) -> Product:
    """A merchant's product by our id, its handle (key) or the SKU of one of its variants ("id:12", "key:mug"
    or "sku:12" say which when a value could be more than one). Product.DoesNotExist for anything outside the
    merchant's catalog; ProductRefAmbiguous (a 400 saying what to send) for a SKU on several products."""
    ref = ref.strip()
    if not ref or "\x00" in ref:
        raise Product.DoesNotExist(f"No product with id, handle or SKU {ref!r} in this catalog.")
    products = Product.objects.filter(merchant=merchant)
    kind, _, value = ref.partition(":")
    if kind in ("id", "sku", "key") and value:
        if kind == "sku":
            return _product_by_sku(products, value)
        if kind == "key":
            return products.get(key=value)
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise Product.DoesNotExist(f"{ref!r} is not a product id; ids are whole numbers.")
        return products.get(pk=int(value))
    by_id = products.filter(pk=int(ref)).first() if ref.isascii() and ref.isdigit() and len(ref) <= 18 else None
    by_key = products.filter(key=ref).first()
    by_sku = None if by_key else _product_by_sku(products, ref, missing_ok=True)
    by_name = by_key or by_sku
    if by_id is not None and by_name is not None and by_id.pk != by_name.pk:
        raise ProductRefAmbiguous(
            {
                "ref": f"{ref!r} is the id of one product and a handle or SKU of another; use id:{ref}, "
                f"key:{ref} or sku:{ref} to say which."
            }
        )
    product = by_id or by_name
    if product is None:
        raise Product.DoesNotExist(f"No product with id, handle or SKU {ref!r} in this catalog.")
    return product


def _product_by_sku(products: QuerySet[Product], sku: str, *, missing_ok: bool = False) -> Product | None:
    found = list(products.filter(variants__sku=sku).distinct().order_by("key")[:50])
    if len(found) > 1:
        keys = [f"key:{product.key}" for product in found]
        raise ProductRefAmbiguous({"ref": sku_ambiguous_message(ref=sku, keys=keys)})
    if not found and not missing_ok:
        raise Product.DoesNotExist(f"No product with SKU {sku!r} in this catalog.")
    return found[0] if found else None


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
