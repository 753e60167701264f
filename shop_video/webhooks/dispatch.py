"""Sending delivery tasks (shop_video/queues.py). A broker that cannot be reached changes nothing in the
database: the delivery stays pending and the beat sweep (webhook_deliveries_sweep) sends it once the broker is
back, so a webhook never fails the render or import that triggered it."""

from __future__ import annotations

from shop_video import queues


def delivery_send(*, delivery_id: int, countdown: float | None = None) -> None:
    from shop_video.webhooks.tasks import webhook_deliver

    queues.send(
        webhook_deliver,
        (delivery_id,),
        queue=queues.DEFAULT,
        countdown=countdown,
        on_unreachable=queues.Resend(by="webhook_deliveries_sweep"),
    )
