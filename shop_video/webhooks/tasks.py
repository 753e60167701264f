"""Thin Celery tasks: ids in, a service call, nothing else.

Retries are not Celery's (autoretry/self.retry keep the count in the message): the service records every
attempt, stores next_attempt_at and sends the next message itself with a countdown, so the state survives a lost
message, a re-send restarts the count, and the sweep can find anything overdue.
"""

from celery import shared_task

from shop_video.webhooks.services import webhook_deliveries_send_overdue, webhook_delivery_attempt


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: int) -> None:
    webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> int:
    return webhook_deliveries_send_overdue()
