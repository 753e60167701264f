"""Sending a push (shop_video/queues.py, queue live.push). An unreachable broker leaves the lease to lapse: the
supervisor sends the push again once the broker is back."""

from __future__ import annotations

from shop_video import queues


def push_send(*, destination_id: int, token: str) -> None:
    from shop_video.live.push.tasks import live_push

    queues.send(
        live_push,
        (destination_id, token),
        queue=queues.LIVE_PUSH,
        on_unreachable=queues.Resend(by="live_push_supervise"),
    )
