"""Reads of live rooms. Dashboard reads are merchant-scoped (another merchant's room is simply not found);
stream reads go by the room's unguessable key."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from catalog.models import Variant
from shop_video.live import hls
from shop_video.live.models import LiveRoom, LiveRoomItem, LiveSegment
from shop_video.tenancy.models import Merchant


def live_rooms_list(*, merchant: Merchant) -> QuerySet[LiveRoom]:
    return LiveRoom.objects.filter(merchant=merchant).order_by("-created_at", "-id")


def live_room_get(*, merchant: Merchant, room_id: int) -> LiveRoom:
    """Raises LiveRoom.DoesNotExist for another merchant's room, exactly as for a missing one."""
    return LiveRoom.objects.get(merchant=merchant, pk=room_id)


def live_room_item_get(*, merchant: Merchant, item_id: int) -> LiveRoomItem:
    """One product of one of the merchant's rooms; LiveRoomItem.DoesNotExist for another merchant's."""
    return LiveRoomItem.objects.select_related("room").get(room__merchant=merchant, pk=item_id)


def live_playables(*, room: LiveRoom) -> list[hls.Playable]:
    """Each item's newest ready segment, in rotation order; items with none ready are left out."""
    positions = dict(room.items.values_list("id", "position"))
    newest: dict[int, LiveSegment] = {}
    for segment in LiveSegment.objects.filter(item__room=room, status=LiveSegment.Status.READY).order_by("-id"):
        newest.setdefault(segment.item_id, segment)
    return [
        hls.Playable(
            item_id=item_id,
            position=positions[item_id],
            segment_id=segment.pk,
            chunks=tuple((name, float(seconds)) for name, seconds in segment.chunks),
        )
        for item_id, segment in newest.items()
    ]


def live_segment_manifests(*, segment_ids: set[int], aspect_ratio: str) -> dict[int, tuple[str, bool]]:
    """Segment id -> (the URL of the C2PA manifest of the signed rendition its chunks were cut from, whether it is
    AI-generated), for segments whose rendition was signed (generation/provenance)."""
    from generation.models import Rendition
    from generation.provenance.publishing import manifest_sidecar_name

    renditions = Rendition.objects.filter(
        job__in=LiveSegment.objects.filter(pk__in=segment_ids).values("render_job"), aspect_ratio=aspect_ratio
    ).exclude(provenance={})
    by_job = {rendition.job_id: rendition for rendition in renditions}
    return {
        segment_id: (default_storage.url(manifest_sidecar_name(by_job[job_id].file.name)), by_job[job_id].ai_generated)
        for segment_id, job_id in LiveSegment.objects.filter(pk__in=segment_ids).values_list("pk", "render_job")
        if job_id in by_job
    }


def live_chunk_name(*, key: str, segment_id: int, index: int) -> str:
    """The stored name (default storage) of chunk `index` of a ready segment of the active room `key`;
    LiveSegment.DoesNotExist if any of that does not hold (a segment of another room included)."""
    segment = LiveSegment.objects.get(
        pk=segment_id, item__room__key=key, item__room__is_active=True, status=LiveSegment.Status.READY
    )
    if not 0 <= index < len(segment.chunks):
        raise LiveSegment.DoesNotExist(f"segment {segment_id} has no chunk {index}")
    return f"{segment.media_dir}/{segment.chunks[index][0]}"


def live_chunk_urls(entries: list[dict]) -> dict[tuple[int, int], str]:
    """(segment id, chunk) -> the chunk's URL in storage, for the playlist's entries (chunks in a bucket)."""
    segments = LiveSegment.objects.in_bulk({entry["segment"] for entry in entries})
    urls = {}
    for entry in entries:
        segment = segments.get(entry["segment"])
        if segment is not None and 0 <= entry["chunk"] < len(segment.chunks or []):
            name = f"{segment.media_dir}/{segment.chunks[entry['chunk']][0]}"
            urls[(entry["segment"], entry["chunk"])] = default_storage.url(name)
    return urls


@dataclass(frozen=True)
class ScheduleRow:
    item: LiveRoomItem
    title: str
    current_price: Decimal | None  # None: the SKU is gone from the catalog
    current_compare_at: Decimal | None
    currency: str
    playing_segment: LiveSegment | None  # the newest ready one: what the item's next slot plays
    newest_segment: LiveSegment | None  # may be a re-render still in progress, or a failed one
    is_playing_now: bool

    @property
    def price_changed(self) -> bool:
        segment = self.playing_segment
        if segment is None or self.current_price is None:
            return False
        return (
            Decimal(segment.price) != self.current_price
            or (Decimal(segment.compare_at_price) if segment.compare_at_price else None) != self.current_compare_at
        )


def live_room_schedule(*, room: LiveRoom, now: float) -> list[ScheduleRow]:
    """The room's items in rotation order with what each plays, its price as rendered and as it is now."""
    items = list(room.items.select_related("product"))
    variants = {  # by product and SKU: another product may have the same SKU
        (variant.product_id, variant.sku): variant
        for variant in Variant.objects.filter(merchant_id=room.merchant_id, sku__in=[item.sku for item in items])
    }
    segments: dict[int, list[LiveSegment]] = {}
    for segment in LiveSegment.objects.filter(item__room=room).select_related("render_job").order_by("-id"):
        segments.setdefault(segment.item_id, []).append(segment)
    playing = hls.entry_playing(hls.WindowState(entries=room.window), now)
    rows = []
    for item in items:
        item_segments = segments.get(item.pk, [])
        variant = variants.get((item.product_id, item.sku))
        rows.append(
            ScheduleRow(
                item=item,
                title=item.product.title,
                current_price=variant.price if variant else None,
                current_compare_at=variant.compare_at_price if variant else None,
                currency=variant.currency if variant else "",
                playing_segment=next((s for s in item_segments if s.status == LiveSegment.Status.READY), None),
                newest_segment=item_segments[0] if item_segments else None,
                is_playing_now=bool(playing and playing["item"] == item.pk),
            )
        )
    return rows
