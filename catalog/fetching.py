"""Product photos given as URLs: recorded as pending by an import (importing.py), fetched here by a task,
stored when they are acceptable photos, failed with the reason when not."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile

from catalog.images import ImageRejected, image_normalise
from catalog.models import ProductImage
from catalog.signals import products_changed_on_commit
from shop_video.safe_http import FetchFailed, FetchRefused, fetch_url


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
    image.file.save(
        "photo.jpg",  # only the extension counts: upload_to names it <merchant key>/images/<random>.jpg
        ContentFile(normalised.content),
        save=False,
    )
    image.sha256, image.size_bytes = normalised.sha256, len(normalised.content)
    image.status, image.error = ProductImage.Status.READY, ""
    image.save()
    products_changed_on_commit(merchant_id=image.merchant_id, product_ids=[image.product_id])  # a photo arrived


def _mark_failed(image: ProductImage, reason: str) -> None:
    image.status, image.error = ProductImage.Status.FAILED, reason
    image.save(update_fields=["status", "error", "updated_at"])
