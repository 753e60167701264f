"""Live-shop cues: which product a room has on air, recorded on the room and announced with the webhook
`live.product_on_air`, so a shop can pin that product's card in its live shop while the presenter shows it.

Called at each product change: by the push (shop_video/live/push/services.py, at each slot it starts) and, for a
room only watched over HLS, by the playlist when its live edge (the newest published chunk) moves onto another
segment (`hls_edge_on_air`). The room row is locked and the announcement is made only when the segment on air
changes, so a worker restarted mid-slot, a duplicate call or two players asking at once never send it twice; a
re-render at a new price is another segment, so a price change is announced at the item's next slot.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from shop_video.live import hls
from shop_video.live.models import LiveRoom, LiveSegment
from shop_video.webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

EVENT = "live.product_on_air"
# Push states in which the push, not the HLS playlist, decides what is on air (LiveDestination.state).
PUSHING_STATES = ("connecting", "on_air", "retrying")


def on_air_payload(*, room: LiveRoom, segment: LiveSegment, since: datetime) -> dict:
    """What the room's API shows under `on_air` and the webhook carries (with the room's id)."""
    item = segment.item
    product = item.product
    return {
        "sku": item.sku,
        "title": product.title,
        "price": segment.price or None,
        "compare_at_price": segment.compare_at_price or None,
        "currency": segment.currency or None,
        "product_url": product.url if product.url.lower().startswith(("https://", "http://")) else None,
        "since": since.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "segment": segment.pk,
        "item": item.pk,
    }


def product_on_air(room: LiveRoom, segment: LiveSegment, *, since: datetime | None = None) -> bool:
    """Record `segment`'s product as the room's product on air since `since` (now by default) and send
    `live.product_on_air`. Does nothing (False) when that segment is already on air: the same slot announced
    again. True when it recorded and sent."""
    since = since or timezone.now()
    segment = LiveSegment.objects.select_related("item__product").get(pk=segment.pk)
    with transaction.atomic():
        locked = LiveRoom.objects.select_for_update().select_related("merchant").get(pk=room.pk)
        if (locked.on_air or {}).get("segment") == segment.pk:
            return False
        on_air = on_air_payload(room=locked, segment=segment, since=since)
        LiveRoom.objects.filter(pk=locked.pk).update(on_air=on_air)
        room.on_air = on_air
        public = {key: value for key, value in on_air.items() if key not in ("segment", "item")}
        webhook_event_emit(
            merchant=locked.merchant, event=EVENT, data={"room": locked.pk, "room_name": locked.name, **public}
        )
    logger.info("live room %s: %s on air", room.pk, on_air["sku"])
    return True


def room_is_pushed(room: LiveRoom) -> bool:
    return room.destinations.filter(state__in=PUSHING_STATES).exists()


def hls_edge_on_air(*, room: LiveRoom, state: hls.WindowState, now: float) -> bool:
    """After the playlist advanced (room row locked by the caller): announce the product of the newest published
    chunk if it is another segment than the one on air. Costs nothing while the edge stays on one segment (the
    comparison is with the row already read); a pushed room is left to its push, whose timeline is its own."""
    published = hls.entries_published(state, now)
    if not published:
        return False
    edge = published[-1]
    if (room.on_air or {}).get("segment") == edge["segment"] or room_is_pushed(room):
        return False
    segment = LiveSegment.objects.filter(pk=edge["segment"]).first()
    if segment is None:
        return False
    slot_start = _slot_start(published, edge)
    return product_on_air(room, segment, since=datetime.fromtimestamp(slot_start, tz=UTC))


def _slot_start(published: list[dict], edge: dict) -> float:
    """When the edge's slot began: its first chunk's start (or, if that left the window, its earliest listed one)."""
    start = edge["start"]
    if edge["discontinuity"]:
        return start
    for entry in reversed(published[:-1]):
        if entry["segment"] != edge["segment"]:
            break
        start = entry["start"]
        if entry["discontinuity"]:
            break
    return start
