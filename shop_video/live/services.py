"""A live room's life: created with one render per product, segments cut into HLS chunks when their renders
finish, and the playlist advanced (and prices checked) whenever a player asks for it."""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Variant
from catalog.selectors import SkuAmbiguous, VariantNotFound, variant_get_by_ref, variant_ref
from generation.aspect_ratios import ASPECT_RATIOS
from generation.models import JobStatus, Presenter, RenderJob
from generation.selectors import TemplateNotFound, video_template_get
from generation.services.render_jobs import render_job_create
from shop_video.live import dispatch, hls, on_air, segments
from shop_video.live.models import LiveRoom, LiveRoomItem, LiveSegment
from shop_video.live.selectors import live_chunk_urls, live_playables, live_segment_manifests
from shop_video.media import STORAGE_ERRORS, media_file_publish, media_folder_delete, media_is_local
from shop_video.scratch import scratch_path, scratch_work_dir
from shop_video.tenancy.models import Merchant

logger = logging.getLogger(__name__)

Status = LiveSegment.Status
MAX_ITEMS = 100


class RoomInactive(Exception):
    pass


CUT_STALE = timedelta(minutes=5)


class NothingReady(Exception):
    """No item of the room has a ready segment yet (their renders are still running, or failed)."""


# --- creating a room -----------------------------------------------------------------------------------------


def live_room_create(
    *,
    merchant: Merchant,
    name: str,
    skus: list[str],
    template_slug: str | None = None,
    presenter: Presenter | None = None,
    aspect_ratio: str = "9:16",
    short_side: int | None = None,
) -> LiveRoom:
    """Validate everything, then create the room, its items (in the order of `skus`) and one render per item in
    one transaction. Raises ValidationError saying what to change, and creates nothing, on any problem: every
    unknown SKU is listed."""
    name = (name or "").strip()
    skus = [sku.strip() for sku in skus if sku and sku.strip()]
    template_slug = (template_slug or settings.LIVE_TEMPLATE).strip()
    short_side = short_side or settings.LIVE_SHORT_SIDE
    problems = []
    if not name:
        problems.append("Give the room a name.")
    name_limit = LiveRoom._meta.get_field("name").max_length
    if len(name) > name_limit:
        problems.append(f"The room's name is {len(name)} characters; keep it to {name_limit}.")
    if not skus:
        problems.append("List at least one SKU for the room to play.")
    if len(skus) > MAX_ITEMS:
        problems.append(f"A room plays at most {MAX_ITEMS} products; {len(skus)} were listed.")
    duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
    if duplicates:
        problems.append(f"SKU {', '.join(duplicates)} is listed more than once; list each product once.")
    # Each entry is a SKU, or the product's handle or id (a SKU on several products needs one of those).
    variants, unknown = {}, []
    for sku in dict.fromkeys(skus):
        try:
            variants[sku] = variant_get_by_ref(merchant=merchant, ref=sku)
        except SkuAmbiguous as exc:
            problems.append(str(exc))
        except VariantNotFound:
            unknown.append(sku)
    if unknown:
        problems.append(
            f"{merchant.slug!r} has no product with SKU, handle or id {', '.join(unknown)}; check the spelling or "
            "import them first."
        )
    try:
        video_template_get(merchant=merchant, slug=template_slug)
    except TemplateNotFound as exc:
        problems.append(str(exc))
    if aspect_ratio not in ASPECT_RATIOS:
        problems.append(f"Aspect ratio {aspect_ratio!r} is not one of {', '.join(ASPECT_RATIOS)}.")
    if presenter is not None:
        if presenter.merchant_id != merchant.pk:
            problems.append(f"Presenter {presenter.slug!r} is not one of {merchant.slug!r}'s presenters.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        room = LiveRoom.objects.create(
            merchant=merchant,
            slug=_slug_free(merchant, name),
            name=name,
            template_slug=template_slug,
            presenter=presenter,
            aspect_ratio=aspect_ratio,
            short_side=short_side,
        )
        for position, sku in enumerate(skus):
            variant = variants[sku]
            item = LiveRoomItem.objects.create(
                room=room, position=position, product=variant.product, sku=variant.sku or variant.key
            )
            try:
                live_segment_render(item=item, raise_errors=True)
            except ValidationError as exc:
                # The whole room rolls back (and the renders queued before it are never sent).
                raise ValidationError([f"SKU {sku}: {message}" for message in exc.messages]) from None
    return room


def _item_variant(item: LiveRoomItem) -> Variant | None:
    """The item's variant: its SKU within its product (another product may have the same SKU)."""
    return Variant.objects.filter(product_id=item.product_id).filter(Q(sku=item.sku) | Q(key=item.sku)).first()


def _slug_free(merchant: Merchant, name: str) -> str:
    base = slugify(name)[:56] or "room"
    slug, number = base, 1
    while LiveRoom.objects.filter(merchant=merchant, slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


# --- the merchant's controls: stop and start, the products and their order, deleting -------------------------


def live_room_active_set(*, room: LiveRoom, active: bool) -> LiveRoom:
    """Stop a room (its stream answers 410 and its push destinations stop) or start it again; a restarted room
    picks up its rotation at the item it stopped on (hls.window_advance restarts a schedule left idle)."""
    LiveRoom.objects.filter(pk=room.pk).update(is_active=active)
    room.is_active = active
    return room


def live_room_delete(*, room: LiveRoom) -> None:
    """Delete a room with its items and segments; each segment's chunk folder follows once this commits
    (live_segment_files_delete). Renders already queued for it finish as ordinary renders."""
    with transaction.atomic():
        room.delete()


def live_room_item_add(*, room: LiveRoom, sku: str) -> LiveRoomItem:
    """A product (SKU, handle or id) added at the end of the rotation, and its segment's render queued.
    ValidationError says what to change (unknown, ambiguous, already there, the room full)."""
    sku = (sku or "").strip()
    if not sku:
        raise ValidationError("Give the SKU (or the product's handle) to add.")
    if len(sku) > LiveRoomItem._meta.get_field("sku").max_length:
        raise ValidationError("That SKU is longer than any SKU can be; check it.")
    try:
        variant = variant_get_by_ref(merchant=room.merchant, ref=sku)
    except SkuAmbiguous as exc:
        raise ValidationError(str(exc)) from None
    except VariantNotFound:
        raise ValidationError(f"No product with SKU, handle or id {sku!r}; check the spelling or import it.") from None
    with transaction.atomic():
        items = list(LiveRoom.objects.select_for_update().get(pk=room.pk).items.all())
        if len(items) >= MAX_ITEMS:
            raise ValidationError(f"A room plays at most {MAX_ITEMS} products; remove one first.")
        ref = variant.sku or variant.key
        if any(item.product_id == variant.product_id and item.sku == ref for item in items):
            raise ValidationError(f"{sku} is already in this room.")
        position = max((item.position for item in items), default=-1) + 1
        item = LiveRoomItem.objects.create(room=room, position=position, product=variant.product, sku=ref)
        live_segment_render(item=item)  # a refused render is a failed segment with the reason, shown on the page
    return item


def live_room_item_remove(*, item: LiveRoomItem) -> None:
    """Take a product out of the rotation at once (its segments and their files go with it; a player that had
    already listed its chunks skips them). A room keeps at least one product: delete the room instead."""
    with transaction.atomic():
        room = LiveRoom.objects.select_for_update().get(pk=item.room_id)
        if room.items.count() <= 1:
            raise ValidationError("This is the room's only product; add another first, or delete the room.")
        item.delete()
        _items_renumber(room=room, order=list(room.items.order_by("position")))


def live_room_item_move(*, item: LiveRoomItem, offset: int) -> None:
    """Move a product `offset` places earlier (negative) or later in the rotation; it plays there from its next
    turn (the schedule already listed stays as it is)."""
    with transaction.atomic():
        room = LiveRoom.objects.select_for_update().get(pk=item.room_id)
        order = list(room.items.order_by("position"))
        index = next(i for i, other in enumerate(order) if other.pk == item.pk)
        order.insert(max(0, min(len(order) - 1, index + offset)), order.pop(index))
        _items_renumber(room=room, order=order)


def _items_renumber(*, room: LiveRoom, order: list[LiveRoomItem]) -> None:
    """Positions 0..n-1 in `order`. Positions are unique per room: the moved rows step aside past the end first."""
    moved = [(position, item) for position, item in enumerate(order) if item.position != position]
    if not moved:
        return
    aside = max(item.position for item in order) + 1
    for offset, (_, item) in enumerate(moved):
        LiveRoomItem.objects.filter(pk=item.pk).update(position=aside + offset)
    for position, item in moved:
        LiveRoomItem.objects.filter(pk=item.pk).update(position=position)
        item.position = position


# --- rendering and cutting segments ----------------------------------------------------------------------------


def live_segment_render(*, item: LiveRoomItem, raise_errors: bool = False) -> LiveSegment:
    """Queue a render of the item's product for its room and record it as a new segment. The prices are taken now,
    before the render reads them, so a change during the render shows as a difference at the next check.
    A refused render is a failed segment with the reason (or, with `raise_errors`, the ValidationError)."""
    room = item.room
    variant = _item_variant(item)
    segment = LiveSegment(
        item=item,
        price=_price_text(variant.price) if variant else "",
        compare_at_price=_price_text(variant.compare_at_price) if variant else "",
        currency=variant.currency if variant else "",
    )
    options = {"presenter": room.presenter} if room.presenter_id else {}
    try:
        with transaction.atomic():
            job = render_job_create(
                merchant=room.merchant,
                template_slug=room.template_slug,
                # The item's product and SKU, named so no other product with the same SKU is taken instead.
                sku=variant_ref(variant=variant) if variant else item.sku,
                aspect_ratios=[room.aspect_ratio],
                short_side=room.short_side,
                metadata={"live_room": room.pk, "live_item": item.pk},
                **options,
            )
    except ValidationError as exc:
        if raise_errors:
            raise
        segment.status, segment.error = Status.FAILED, " ".join(exc.messages)
        logger.warning("live room %s: the render of %s was refused: %s", room.pk, item.sku, segment.error)
    else:
        segment.render_job = job
    segment.save()
    return segment


def _price_text(value: Decimal | None) -> str:
    """As the shop wrote it, without the database's trailing zeros: 24.0000 -> "24.00", 0.1250 -> "0.125"."""
    if value is None:
        return ""
    return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else f"{value.normalize():f}"


def live_render_finished(sender, *, job_id: int, event: str, **kwargs) -> None:
    """render_job_finished receiver: a live segment's render ended. Success sends the cut to a worker (never done
    here: the sender is the assembly, which should not wait on ffmpeg); failure fails the segment with the reason.
    The room keeps playing its other items and the older segment of this one, if any."""
    segment_id = LiveSegment.objects.filter(render_job_id=job_id).values_list("pk", flat=True).first()
    if segment_id is None:
        return  # not a live room's render
    if event == "render.succeeded":
        transaction.on_commit(lambda: dispatch.segment_cut_send(segment_id=segment_id))
        return
    error = RenderJob.objects.filter(pk=job_id).values_list("error", flat=True).first() or "the render failed"
    LiveSegment.objects.filter(pk=segment_id, status=Status.QUEUED).update(
        status=Status.FAILED, error=f"render {job_id}: {error}"
    )


def live_segment_media_dir(segment: LiveSegment) -> str:
    room = segment.item.room
    return f"live/{room.merchant.slug}/{room.key}/{segment.pk}"


def live_segment_cut(*, segment_id: int) -> None:
    """Cut the segment's rendition into HLS chunks. Claimed with a conditional UPDATE (zero rows: another worker
    has it, or it is done); any error fails the segment with the reason."""
    if not LiveSegment.objects.filter(pk=segment_id, status=Status.QUEUED).update(status=Status.RENDERING):
        return
    segment = LiveSegment.objects.select_related("item__room__merchant", "render_job").get(pk=segment_id)
    room = segment.item.room
    try:
        job = segment.render_job
        if job is None or job.status != JobStatus.SUCCEEDED:
            raise segments.SegmentCutError("its render job did not succeed")
        rendition = job.renditions.filter(aspect_ratio=room.aspect_ratio).first()
        if rendition is None:
            raise segments.SegmentCutError(f"render {job.pk} has no {room.aspect_ratio} rendition")
        media_dir = live_segment_media_dir(segment)
        with tempfile.TemporaryDirectory(prefix="live-cut-", dir=scratch_work_dir()) as work:
            chunks = segments.hls_chunks_cut(
                source=scratch_path(rendition.file),
                dest=Path(work) / "chunks",
                chunk_seconds=settings.LIVE_CHUNK_SECONDS,
                fps=job.fps,
                x264_preset=settings.RENDER_X264_PRESET,
            )
            # Each chunk is published whole under its final name; the segment is READY (listed) only after all.
            for name, _ in chunks:
                media_file_publish(Path(work) / "chunks" / name, name=f"{media_dir}/{name}", storage=default_storage)
    except (segments.SegmentCutError, OSError, *STORAGE_ERRORS) as exc:
        LiveSegment.objects.filter(pk=segment_id, status=Status.RENDERING).update(
            status=Status.FAILED, error=f"cutting into chunks failed: {exc}"
        )
        return
    LiveSegment.objects.filter(pk=segment_id, status=Status.RENDERING).update(
        status=Status.READY,
        chunks=[[name, seconds] for name, seconds in chunks],
        media_dir=media_dir,
        ready_at=timezone.now(),
    )


# --- the playlist ----------------------------------------------------------------------------------------------


def live_playlist_advance(*, key: str, now: float | None = None) -> str:
    """The room's playlist at `now` (wall clock by default). A read: the room row as committed, without a lock;
    only when the schedule is due (a chunk to schedule or drop, a slot start to announce: at most a few times per
    chunk) does the request advance it, and only the one that gets the row (`_playlist_edge_advance`). Raises
    LiveRoom.DoesNotExist, RoomInactive or NothingReady."""
    now = time.time() if now is None else now
    room = LiveRoom.objects.get(key=key)
    if not room.is_active:
        raise RoomInactive(f"live room {room.name!r} is switched off")
    now = max(now, room.playlist_advanced_at or now)  # another server's clock ahead: never older than the schedule
    state = _window_state(room)
    advance_due = hls.advance_due(
        state,
        now,
        advanced_at=room.playlist_advanced_at,
        window_seconds=settings.LIVE_WINDOW_SECONDS,
        lookahead_seconds=settings.LIVE_LOOKAHEAD_SECONDS,
    )
    if advance_due:
        # Another request advancing it, or holding the row: the stored schedule still lists everything published
        # at `now`, so serve it rather than wait; wait only when it does not (first request, after an idle spell).
        advanced = _playlist_edge_advance(key=key, now=now, wait=not hls.window_covers(state, now))
        if advanced is None and not hls.window_covers(state, now):
            advanced = LiveRoom.objects.get(key=key)  # another request advanced it first (its UPDATE won)
        if advanced is not None:
            room, state = advanced, _window_state(advanced)
            # Advanced by a request that took its time after ours (we waited on the row): show what it published.
            now = max(now, room.playlist_advanced_at or now)
            if not room.is_active:
                raise RoomInactive(f"live room {room.name!r} is switched off")
    published = hls.entries_published(state, now)
    if not published:
        if LiveSegment.objects.filter(item__room__key=key, status__in=(Status.QUEUED, Status.RENDERING)).exists():
            raise NothingReady("This live room's segments are still rendering; try again in a few seconds.")
        raise NothingReady(
            "None of this live room's products could be rendered; the room's dashboard page says "
            "why. Fix them and create the room again."
        )
    # Looked up when the schedule was advanced, for every segment it lists (JSON keys are strings).
    manifests = {int(segment): (url, ai) for segment, (url, ai) in (room.playlist_manifests or {}).items()}
    return hls.playlist_render(
        state,
        now,
        min_target_duration=settings.LIVE_CHUNK_SECONDS,
        manifests=manifests,
        chunk_urls=None if media_is_local(default_storage) else live_chunk_urls(published),
    )


def _window_state(room: LiveRoom) -> hls.WindowState:
    return hls.WindowState(
        media_sequence=room.media_sequence,
        discontinuity_sequence=room.discontinuity_sequence,
        entries=room.window,
        cursor=room.cursor,
    )


def _playlist_edge_advance(*, key: str, now: float, wait: bool) -> LiveRoom | None:
    """The write path: schedule up to `now`, check the prices of the slots it starts, prune, announce the edge's
    product. The row is locked, skipping it when another transaction holds it (None: serve what was read) unless
    `wait`; the UPDATE is conditional on `playlist_advanced_at` as read, so of two requests that read the same
    schedule only one writes its advance (None for the other), also where FOR UPDATE is a no-op (SQLite).
    Returns the room as advanced (or as found, if no longer due or switched off)."""
    with transaction.atomic():
        room = LiveRoom.objects.select_for_update(skip_locked=not wait).filter(key=key).first()
        if room is None or not room.is_active:
            return room
        before = _window_state(room)
        if not hls.advance_due(
            before,
            now,
            advanced_at=room.playlist_advanced_at,
            window_seconds=settings.LIVE_WINDOW_SECONDS,
            lookahead_seconds=settings.LIVE_LOOKAHEAD_SECONDS,
        ):
            return room  # advanced by the request that held the row
        advance = hls.window_advance(
            before,
            live_playables(room=room),
            now,
            window_seconds=settings.LIVE_WINDOW_SECONDS,
            lookahead_seconds=settings.LIVE_LOOKAHEAD_SECONDS,
        )
        state = advance.state
        manifests = {
            str(segment): list(manifest)
            for segment, manifest in live_segment_manifests(
                segment_ids={entry["segment"] for entry in state.entries}, aspect_ratio=room.aspect_ratio
            ).items()
        }
        claimed = LiveRoom.objects.filter(pk=room.pk, playlist_advanced_at=room.playlist_advanced_at).update(
            media_sequence=state.media_sequence,
            discontinuity_sequence=state.discontinuity_sequence,
            window=state.entries,
            cursor=state.cursor,
            playlist_advanced_at=now,
            playlist_manifests=manifests,
        )
        if not claimed:
            return None
        room.media_sequence, room.discontinuity_sequence = state.media_sequence, state.discontinuity_sequence
        room.window, room.cursor, room.playlist_advanced_at = state.entries, state.cursor, now
        room.playlist_manifests = manifests
        if state != before:
            _segments_prune(room=room, referenced=hls.segments_referenced(state))
        for playable in advance.slots_started:
            _price_check(room=room, item_id=playable.item_id, playing_segment_id=playable.segment_id)
        # Live-shop cue: announced when the newest published chunk is another product's (shop_video/live/on_air.py).
        on_air.hls_edge_on_air(room=room, state=state, now=now)
        _stale_cuts_resend(room=room)
    return room


def _price_check(*, room: LiveRoom, item_id: int, playing_segment_id: int) -> None:
    """At the start of an item's slot: if the catalog's price is no longer the one rendered, render again (unless
    a render is already on its way, or the newest attempt at this very price failed). The new segment plays from
    the item's next slot."""
    item = LiveRoomItem.objects.select_related("room__merchant").get(pk=item_id)
    newest = item.segments.select_related("render_job").order_by("-id").first()
    if (
        newest is not None
        and newest.status == Status.QUEUED
        and newest.render_job is not None
        and newest.render_job.status in (JobStatus.FAILED, JobStatus.CANCELLED)
    ):
        # Its end was never heard of (a cancelled render sends no event): without this it would block re-renders.
        LiveSegment.objects.filter(pk=newest.pk, status=Status.QUEUED).update(
            status=Status.FAILED,
            error=f"render {newest.render_job_id} {newest.render_job.status}: "
            f"{newest.render_job.error or 'no reason given'}",
        )
        newest.refresh_from_db()
    if newest is None or newest.status in (Status.QUEUED, Status.RENDERING):
        return
    variant = _item_variant(item)
    if variant is None:
        return  # the SKU left the catalog: keep playing what was rendered (the dashboard shows it)
    current = (_price_text(variant.price), _price_text(variant.compare_at_price))
    if _prices_equal((newest.price, newest.compare_at_price), current):
        return
    segment = live_segment_render(item=item)
    logger.info(
        "live room %s: %s's price changed (%s -> %s); segment %s queued",
        room.pk,
        item.sku,
        newest.price,
        current[0],
        segment.pk,
    )


def _prices_equal(a: tuple[str, str], b: tuple[str, str]) -> bool:
    def parse(text: str) -> Decimal | None:
        return Decimal(text) if text else None

    return all(parse(x) == parse(y) for x, y in zip(a, b, strict=True))


def _segments_prune(*, room: LiveRoom, referenced: set[int]) -> None:
    """Delete segments (and their chunk files) that can never play again: not the newest ready one of their item,
    not the newest attempt (kept to show its status), and not in the schedule."""
    keep: set[int] = set(referenced)
    seen_newest, seen_ready = set(), set()
    candidates = []
    for segment in (
        LiveSegment.objects.filter(item__room=room).order_by("-id").only("id", "item_id", "status", "media_dir")
    ):
        if segment.item_id not in seen_newest:
            seen_newest.add(segment.item_id)
            keep.add(segment.pk)
        if segment.status == Status.READY and segment.item_id not in seen_ready:
            seen_ready.add(segment.item_id)
            keep.add(segment.pk)
        if segment.pk not in keep and segment.status in (Status.READY, Status.FAILED):
            candidates.append(segment)
    for segment in candidates:
        segment.delete()  # its files follow (live_segment_files_delete)


def live_segment_files_delete(sender, *, instance: LiveSegment, **kwargs) -> None:
    """post_delete of a segment: its chunk folder is removed once the deletion commits."""
    if instance.media_dir:
        folder = instance.media_dir
        transaction.on_commit(lambda: media_folder_delete(folder, storage=default_storage))


def _stale_cuts_resend(*, room: LiveRoom) -> None:
    """A cut takes about a second; one still "rendering" CUT_STALE after its render finished lost its worker:
    queue it again (the conditional UPDATE lets one request do it)."""
    stale = LiveSegment.objects.filter(
        item__room=room, status=Status.RENDERING, render_job__finished_at__lt=timezone.now() - CUT_STALE
    )
    for segment_id in stale.values_list("pk", flat=True):
        if LiveSegment.objects.filter(pk=segment_id, status=Status.RENDERING).update(status=Status.QUEUED):
            logger.warning("live segment %s was still being cut after %s; sending it again", segment_id, CUT_STALE)
            transaction.on_commit(lambda segment_id=segment_id: dispatch.segment_cut_send(segment_id=segment_id))
