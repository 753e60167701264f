"""What the catalog tells the rest of the platform: `products_changed`, sent after the change commits.

Imports write in bulk (COPY and bulk_update send no model signals), so the catalog's own writes announce what
they changed: each import batch, product edits, photos added, uploaded or fetched. Listeners (campaigns that keep
videos current) compare what a video shows with the product now (generation/video_freshness.py) and re-render.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

import django.dispatch
from django.db import transaction

from catalog.models import Product

logger = logging.getLogger(__name__)

products_changed = django.dispatch.Signal()  # kwargs: merchant_id, product_ids

# Ids per send: a 50,000-product import announces itself in bounded messages, never one list of every id.
PRODUCTS_CHANGED_BATCH = 1000


def products_changed_on_commit(*, merchant_id: int, product_ids: Iterable[int]) -> None:
    """Send products_changed for these products once the current transaction commits (at once outside one);
    nothing is sent if it rolls back. A listener's error is logged and never undoes the change."""
    ids = sorted(set(product_ids))
    if ids:
        transaction.on_commit(partial(_products_changed_send, merchant_id=merchant_id, product_ids=ids))


def _products_changed_send(*, merchant_id: int, product_ids: list[int]) -> None:
    for start in range(0, len(product_ids), PRODUCTS_CHANGED_BATCH):
        batch = product_ids[start : start + PRODUCTS_CHANGED_BATCH]
        for receiver, result in products_changed.send_robust(
            sender=Product, merchant_id=merchant_id, product_ids=batch
        ):
            if isinstance(result, Exception):
                logger.error(
                    "%s failed on products_changed of merchant %s: %s",
                    receiver,
                    merchant_id,
                    result,
                    exc_info=result,
                )
