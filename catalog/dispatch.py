"""Sending catalog work to the queues (shop_video/queues.py). A broker that cannot be reached fails the work
with that reason, where the merchant sees it: the import ("send it again"), or the photos ("re-import")."""

from __future__ import annotations

from django.utils import timezone

from shop_video import queues


def import_send(*, import_id: int) -> None:
    """A queued import to a worker (catalog_import_process)."""
    from catalog.tasks import catalog_import_process

    queues.send(
        catalog_import_process,
        (import_id,),
        queue=queues.DEFAULT,
        on_unreachable=lambda reason: _import_fail(import_id, reason),
    )


def images_fetch_send(*, image_ids: list[int]) -> None:
    """One message for a batch of pending photos: the worker fans it out with image_fetch_send."""
    from catalog.tasks import product_images_fetch_fan_out

    queues.send(
        product_images_fetch_fan_out,
        (list(image_ids),),
        queue=queues.DEFAULT,
        on_unreachable=lambda reason: _images_fail(image_ids, reason),
    )


def image_fetch_send(*, image_id: int) -> None:
    """One pending photo's retrying fetch task."""
    from catalog.tasks import product_image_fetch

    queues.send(
        product_image_fetch,
        (image_id,),
        queue=queues.DEFAULT,
        on_unreachable=lambda reason: _images_fail([image_id], reason),
    )


def _import_fail(import_id: int, reason: str) -> None:
    from catalog.models import CatalogImport

    CatalogImport.objects.filter(pk=import_id, status=CatalogImport.Status.QUEUED).update(
        status=CatalogImport.Status.FAILED,
        finished_at=timezone.now(),
        error=f"The import could not be queued: {reason}. Send it again in a few minutes.",
    )


def _images_fail(image_ids: list[int], reason: str) -> None:
    # A re-import sends failed photos again (importing.py), so the reason says that is the way back.
    from catalog.models import ProductImage

    ProductImage.objects.filter(pk__in=image_ids, status=ProductImage.Status.PENDING).update(
        status=ProductImage.Status.FAILED, error=f"{reason}; re-import to try again", updated_at=timezone.now()
    )
