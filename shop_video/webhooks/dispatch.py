"""Sending delivery tasks. A broker that cannot be reached is logged and nothing else: the delivery stays
pending in the database and the beat sweep (webhook_deliveries_sweep) sends it once the broker is back."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

QUEUE = "default"


def delivery_send(*, delivery_id: int, countdown: float | None = None) -> None:
    from shop_video.webhooks.tasks import webhook_deliver

    try:
        webhook_deliver.apply_async((delivery_id,), countdown=countdown, queue=QUEUE)
    except Exception:  # never let a webhook break the caller's commit (a render finishing, an import ending)
        logger.exception("could not queue webhook delivery %s; the sweep will send it later", delivery_id)
