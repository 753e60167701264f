"""Writes for the catalog: upserting products and variants, adding photos."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from catalog.images import image_normalise
from catalog.models import Product, ProductImage, Variant
from catalog.signals import products_changed_on_commit
from shop_video.tenancy.models import Merchant

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class VariantFields:
    sku: str
    price: Decimal
    currency: str
    title: str = ""
    compare_at_price: Decimal | None = None
    availability: str = Variant.Availability.IN_STOCK
    key: str = ""  # the variant's identity within its product; the SKU when empty


def product_upsert(
    *,
    merchant: Merchant,
    key: str,
    title: str,
    description: str = "",
    brand: str = "",
    product_type: str = "",
    url: str = "",
    variants: list[VariantFields],
) -> tuple[Product, Outcome]:
    """Create or update a product and its variants by (merchant, key) / (product, variant key or SKU). Re-running
    with the same values writes nothing and reports "unchanged"."""
    with transaction.atomic():
        fields = {"title": title, "description": description, "brand": brand, "product_type": product_type, "url": url}
        product, created = Product.objects.select_for_update().get_or_create(
            merchant=merchant, key=key, defaults=fields
        )
        changed = created or fields_assign(product, fields)
        if changed and not created:
            product.save()
        for position, variant_fields in enumerate(variants):
            changed |= _variant_upsert(merchant=merchant, product=product, fields=variant_fields, position=position)
        if changed:
            products_changed_on_commit(merchant_id=merchant.pk, product_ids=[product.pk])
    return product, "created" if created else ("updated" if changed else "unchanged")


def _variant_upsert(*, merchant: Merchant, product: Product, fields: VariantFields, position: int) -> bool:
    values = {
        "merchant": merchant,
        "sku": fields.sku,
        "title": fields.title,
        "price": fields.price,
        "currency": fields.currency,
        "compare_at_price": fields.compare_at_price,
        "availability": fields.availability,
        "position": position,
    }
    variant, created = Variant.objects.get_or_create(product=product, key=fields.key or fields.sku, defaults=values)
    if created:
        return True
    if fields_assign(variant, values):
        variant.save()
        return True
    return False


def fields_assign(instance, values: dict) -> bool:
    """Set the values that differ on a model instance (not saved); True if any did. Upserts write only then."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def product_image_add(
    *, product: Product, data: bytes, source_url: str = "", position: int | None = None
) -> ProductImage:
    """Validate and store a photo. The same bytes added twice to one product give back the first image.
    Raises catalog.images.ImageRejected with the reason when the bytes are not an acceptable photo."""
    normalised = image_normalise(data)
    existing = product.images.filter(sha256=normalised.sha256).first()
    if existing is not None:
        return existing
    if position is None:
        position = product.images.count()
    image = ProductImage(
        merchant_id=product.merchant_id,
        product=product,
        sha256=normalised.sha256,
        size_bytes=len(normalised.content),
        source_url=source_url,
        position=position,
        status=ProductImage.Status.READY,
    )
    image.file.save(
        "photo.jpg",  # only the extension counts: upload_to names it <merchant key>/images/<random>.jpg
        ContentFile(normalised.content),
        save=False,
    )
    # Known already: recorded, so loading the row never reads the photo back from storage to measure it.
    image.width, image.height = normalised.width, normalised.height
    image.save()
    products_changed_on_commit(merchant_id=product.merchant_id, product_ids=[product.pk])  # the photos changed
    return image


# --- Products after import (the API and the dashboard): edits, archiving, photo uploads ------------------------

PRODUCT_EDITABLE_FIELDS = ("title", "description", "brand", "product_type", "status")


def product_update(*, product: Product, changes: dict) -> Product:
    """Change a product's own fields (not its key, variants or photos); ValidationError says what to fix."""
    unknown = sorted(set(changes) - set(PRODUCT_EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            {
                name: f"{name} cannot be changed here; editable fields are {', '.join(PRODUCT_EDITABLE_FIELDS)}."
                for name in unknown
            }
        )
    if fields_assign(product, changes):
        others = [f.name for f in Product._meta.fields if f.name not in changes]
        product.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
        product.save(update_fields=[*changes, "updated_at"])
        products_changed_on_commit(merchant_id=product.merchant_id, product_ids=[product.pk])
    return product


def product_archive(*, product: Product) -> Product:
    """Archive, never delete: renders and feeds that point at the product keep working."""
    if product.status != Product.Status.ARCHIVED:
        product.status = Product.Status.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
    return product


@dataclass
class PhotosUploadReport:
    added: list[tuple[str, ProductImage]] = field(default_factory=list)  # (file name, the new image)
    duplicates: list[str] = field(default_factory=list)  # file names whose photo the product already had
    rejected: list[dict] = field(default_factory=list)  # {"file": name, "message": what to change}


def product_photos_upload(*, product: Product, files: list[tuple[str, bytes]]) -> PhotosUploadReport:
    """Many photos for one product through catalog.uploads.product_images_upload, one file at a time so that
    each is reported as added, a duplicate of a photo the product already has, or rejected with the reason."""
    from catalog.uploads import product_images_upload

    report = PhotosUploadReport()
    for name, data in files:
        known = set(product.images.values_list("pk", flat=True))
        outcome = product_images_upload(product=product, files=[(name, data)])
        if outcome.errors:
            report.rejected.extend(outcome.errors)
            continue
        added = product.images.exclude(pk__in=known).order_by("-pk").first()
        if added is None:
            report.duplicates.append(name)
        else:
            report.added.append((name, added))
    return report


# --- A product's photos after they were added: delete, reorder, choose the cover, fetch a failed one again ------


class PhotoRefused(ValidationError):
    """A photo change that cannot be made as asked; the message says why and what to do instead."""


def product_image_delete(*, image: ProductImage) -> None:
    """Delete a photo and its stored file (once the deletion commits); the others close the gap. Refused while an
    unfinished render still has a shot to make from it (the shot would lose its source)."""
    from generation.models import FINISHED_STATUSES, Shot

    busy = Shot.objects.filter(source_image=image).exclude(job__status__in=FINISHED_STATUSES).values("job_id").first()
    if busy is not None:
        raise PhotoRefused(
            f"Render {busy['job_id']} is still using this photo; delete it once that render has finished."
        )
    with transaction.atomic():
        product = image.product
        stored, storage = image.file.name, image.file.storage
        image.delete()
        _positions_renumber(product=product, order=list(product.images.order_by("position", "id")))
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))
        _products_changed(product=product)


def product_images_reorder(*, product: Product, image_ids: list[int]) -> None:
    """Put the product's photos in the order of `image_ids`, which must name each of them exactly once. The first
    ready photo is the cover: the one a render starts from (generation.services.render_jobs._photos_get)."""
    with transaction.atomic():
        images = {image.pk: image for image in product.images.select_for_update()}
        if len(image_ids) != len(set(image_ids)) or set(image_ids) != set(images):
            raise PhotoRefused("The photos changed while you were arranging them; reload the page and try again.")
        _positions_renumber(product=product, order=[images[pk] for pk in image_ids])
        _products_changed(product=product)


def product_image_move(*, image: ProductImage, offset: int) -> None:
    """Move a photo `offset` places earlier (negative) or later (positive); past either end it stops there."""
    order = list(image.product.images.order_by("position", "id").values_list("pk", flat=True))
    index = order.index(image.pk)
    order.insert(max(0, min(len(order) - 1, index + offset)), order.pop(index))
    product_images_reorder(product=image.product, image_ids=order)


def product_image_cover_set(*, image: ProductImage) -> None:
    """Make a ready photo the product's first, so videos start from it; a pending or failed one cannot be."""
    if image.status != ProductImage.Status.READY or not image.file:
        raise PhotoRefused("Only a ready photo can be the cover; this one has not been fetched.")
    order = list(image.product.images.order_by("position", "id").values_list("pk", flat=True))
    order.remove(image.pk)
    product_images_reorder(product=image.product, image_ids=[image.pk, *order])


def product_image_fetch_retry(*, image: ProductImage) -> ProductImage:
    """Fetch a failed photo from its URL again (the same SSRF-safe, validated fetch an import does)."""
    from catalog import dispatch

    if image.status != ProductImage.Status.FAILED:
        raise PhotoRefused("Only a photo whose fetch failed can be fetched again.")
    if not image.source_url:
        raise PhotoRefused("This photo has no address to fetch it from; upload the photo instead.")
    with transaction.atomic():
        claimed = ProductImage.objects.filter(pk=image.pk, status=ProductImage.Status.FAILED).update(
            status=ProductImage.Status.PENDING, error=""
        )
        if claimed:
            transaction.on_commit(lambda: dispatch.image_fetch_send(image_id=image.pk))
    image.refresh_from_db()
    return image


def _positions_renumber(*, product: Product, order: list[ProductImage]) -> None:
    """Positions 0..n-1 in `order`, writing only the rows whose position changes."""
    changed = []
    for position, image in enumerate(order):
        if image.position != position:
            image.position = position
            changed.append(image)
    ProductImage.objects.bulk_update(changed, ["position"])


def _products_changed(*, product: Product) -> None:
    # The photos a video shows changed: keep-current campaigns re-render it (generation/campaigns/receivers.py).
    products_changed_on_commit(merchant_id=product.merchant_id, product_ids=[product.pk])
