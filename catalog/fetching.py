"""Product photos given as URLs: recorded as pending at import, fetched by a task, failed with a reason."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from catalog.images import ImageRejected, image_normalise
from catalog.models import Product, ProductImage
from catalog.safe_http import FetchFailed, FetchRefused, fetch_url


def product_image_queue_fetch(*, product: Product, url: str) -> bool:
    """Record a pending image for `url` (once per product) and fetch it after commit. True if it is new."""
    image, created = ProductImage.objects.get_or_create(
        product=product, source_url=url,
        defaults={"merchant_id": product.merchant_id, "position": product.images.count()},
    )
    if created or image.status == ProductImage.Status.FAILED:
        from catalog.tasks import product_image_fetch

        transaction.on_commit(lambda: product_image_fetch.delay(image.pk))
    return created


def product_image_fetch_run(*, image_id: int, final_attempt: bool) -> None:
    """Fetch one pending image. Transient failures raise FetchFailed (the task retries) until the final
    attempt, which records the reason; permanent ones are recorded at once."""
    image = ProductImage.objects.select_related("product__merchant").filter(pk=image_id).first()
    if image is None or image.status == ProductImage.Status.READY:
        return
    try:
        data = fetch_url(image.source_url, max_bytes=settings.IMAGE_MAX_BYTES)
        normalised = image_normalise(data)
    except (FetchRefused, ImageRejected) as exc:
        _mark_failed(image, str(exc))
        return
    except FetchFailed as exc:
        if final_attempt:
            _mark_failed(image, f"{exc} (gave up after retries; re-import to try again)")
            return
        raise
    if image.product.images.filter(sha256=normalised.sha256).exclude(pk=image.pk).exists():
        image.delete()  # the same photo is already on this product under another URL
        return
    image.file.save(f"{image.product.merchant.slug}/{normalised.sha256[:2]}/{normalised.sha256}.jpg",
                    ContentFile(normalised.content), save=False)
    image.sha256, image.size_bytes = normalised.sha256, len(normalised.content)
    image.status, image.error = ProductImage.Status.READY, ""
    image.save()


def _mark_failed(image: ProductImage, reason: str) -> None:
    image.status, image.error = ProductImage.Status.FAILED, reason
    image.save(update_fields=["status", "error", "updated_at"])
