"""Sending catalog work: imports and photo fetches on the default queue; a broker that cannot be reached fails
the work with the reason where the merchant sees it (shop_video/queues.py), never leaves it queued for ever."""

import pytest
from kombu.exceptions import OperationalError

from catalog import dispatch, tasks
from catalog.models import CatalogImport, ProductImage
from tests import factories

pytestmark = pytest.mark.django_db

UNREACHABLE = "the task queue could not be reached ([Errno 111] Connection refused)"


def _broker_down(*args, **kwargs):
    raise OperationalError("[Errno 111] Connection refused")


@pytest.fixture
def pending(merchant):
    product = factories.product_make(merchant=merchant, sku="MUG-1", photos=0)
    return [
        ProductImage.objects.create(
            merchant=merchant, product=product, position=index, source_url=f"https://cdn.test/{index}.jpg"
        )
        for index in range(3)
    ]


def test_an_import_that_cannot_be_sent_is_failed_with_the_reason(merchant, monkeypatch):
    record = CatalogImport.objects.create(merchant=merchant, source="feed.csv")
    monkeypatch.setattr(tasks.catalog_import_process, "apply_async", _broker_down)
    dispatch.import_send(import_id=record.pk)
    record.refresh_from_db()
    assert record.status == CatalogImport.Status.FAILED and record.finished_at is not None
    assert record.error == f"The import could not be queued: {UNREACHABLE}. Send it again in a few minutes."


def test_photos_go_to_the_default_queue_in_one_message_then_one_task_each(pending, monkeypatch):
    batches, singles = [], []
    monkeypatch.setattr(
        tasks.product_images_fetch_fan_out,
        "apply_async",
        lambda args, queue, countdown=None: batches.append((args, queue)),
    )
    monkeypatch.setattr(
        tasks.product_image_fetch, "apply_async", lambda args, queue, countdown=None: singles.append((args, queue))
    )
    ids = [image.pk for image in pending]
    dispatch.images_fetch_send(image_ids=ids)
    tasks.product_images_fetch_fan_out.apply(args=(ids,))
    assert batches == [((ids,), "default")] and singles == [((pk,), "default") for pk in ids]


def test_photos_that_cannot_be_sent_fail_with_the_reason(pending, monkeypatch):
    done = pending[0]
    ProductImage.objects.filter(pk=done.pk).update(status=ProductImage.Status.READY)
    monkeypatch.setattr(tasks.product_images_fetch_fan_out, "apply_async", _broker_down)
    dispatch.images_fetch_send(image_ids=[image.pk for image in pending])
    assert [(image.status, image.error) for image in ProductImage.objects.order_by("position")] == [
        ("ready", ""),
        *[("failed", f"{UNREACHABLE}; re-import to try again")] * 2,
    ]


def test_the_fan_out_fails_only_the_photos_it_could_not_send(pending, monkeypatch):
    sent = []

    def flaky(args, queue, countdown=None):
        if args[0] == pending[1].pk:
            raise OperationalError("[Errno 111] Connection refused")
        sent.append(args[0])

    monkeypatch.setattr(tasks.product_image_fetch, "apply_async", flaky)
    tasks.product_images_fetch_fan_out.apply(args=([image.pk for image in pending],))
    assert sent == [pending[0].pk, pending[2].pk]
    assert list(ProductImage.objects.order_by("position").values_list("status", flat=True)) == [
        "pending",
        "failed",
        "pending",
    ]
