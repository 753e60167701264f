import random

from celery import shared_task

from catalog import dispatch
from catalog.fetching import product_image_fetch_run
from shop_video.safe_http import FetchFailed


@shared_task(bind=True, max_retries=4, acks_late=True)
def product_image_fetch(self, image_id: int) -> None:
    try:
        product_image_fetch_run(image_id=image_id, final_attempt=self.request.retries >= self.max_retries)
    except FetchFailed as exc:
        # Exponential backoff with jitter: 30 s, 60 s, 120 s, 240 s (+/- up to a few seconds).
        countdown = 30 * 2**self.request.retries + random.uniform(0, 5)
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task
def product_images_fetch_fan_out(image_ids: list[int]) -> None:
    """An import sends one message per batch of new images; each image gets its own retrying task here."""
    for image_id in image_ids:
        dispatch.image_fetch_send(image_id=image_id)


@shared_task(acks_late=True)
def catalog_import_process(import_id: int) -> None:
    """Run an import the API or the dashboard queued (the service tells the merchant's webhooks how it went)."""
    from catalog.import_requests import catalog_import_request_run

    catalog_import_request_run(import_id=import_id)
