"""Sending campaign work to the queues (shop_video/queues.py). A campaign's state is its row: a message that
cannot be sent is made good by the beat sweep (campaigns_advance), so nothing is lost."""

from __future__ import annotations

from django.db import transaction

from shop_video import queues

_SWEPT = queues.Resend(by="campaigns_advance")


def campaign_advance_send(*, campaign_id: int) -> None:
    """Advance the campaign once the current transaction commits (its new state is then visible)."""
    from generation.campaigns.tasks import campaign_advance

    transaction.on_commit(
        lambda: queues.send(campaign_advance, (campaign_id,), queue=queues.DEFAULT, on_unreachable=_SWEPT)
    )
