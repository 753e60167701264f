"""The room as the API shows it (one dict, built here): its stream, the product on air and the push figures."""

from __future__ import annotations

from shop_video.live.metrics import room_push_metrics
from shop_video.live.models import LiveRoom

ON_AIR_PUBLIC = ("sku", "title", "price", "compare_at_price", "currency", "product_url", "since")


def live_room_payload(*, room: LiveRoom, stream_url: str) -> dict:
    on_air = {key: room.on_air.get(key) for key in ON_AIR_PUBLIC} if room.on_air else None
    return {
        "id": room.pk,
        "name": room.name,
        "slug": room.slug,
        "is_active": room.is_active,
        "aspect_ratio": room.aspect_ratio,
        "stream_url": stream_url,
        "on_air": on_air,
        "push": room_push_metrics(room, list(room.destinations.all())),
    }
