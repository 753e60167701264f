"""Reads of push destinations, always through the merchant: another merchant's room or destination is not found."""

from __future__ import annotations

from django.db.models import QuerySet

from shop_video.live.push.models import LiveDestination
from shop_video.tenancy.models import Merchant


def live_destinations_list(*, merchant: Merchant, room_id: int) -> QuerySet[LiveDestination]:
    """Raises LiveRoom.DoesNotExist for a room that is not the merchant's."""
    from shop_video.live.models import LiveRoom

    room = LiveRoom.objects.get(merchant=merchant, pk=room_id)
    return room.destinations.order_by("id")


def live_destination_get(*, merchant: Merchant, room_id: int, destination_id: int) -> LiveDestination:
    """Raises LiveDestination.DoesNotExist for another merchant's (or room's) destination, as for a missing one."""
    return LiveDestination.objects.select_related("room").get(
        pk=destination_id, room_id=room_id, room__merchant=merchant
    )
