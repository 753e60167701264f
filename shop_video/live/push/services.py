"""Destinations of a live room (created, started, stopped, deleted) and the push itself: a lease in the database,
renewed by the worker that pushes, which the supervisor (beat) checks to send a lost push again within seconds."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from generation.aspect_ratios import ASPECT_SHAPES
from shop_video.live.models import LiveRoom
from shop_video.live.push import encoder, pusher, schedule, validation
from shop_video.live.push.models import LiveDestination, PushState
from shop_video.live.push.secrets import (
    StreamKeyUnreadable,
    stream_key_decrypt,
    stream_key_encrypt,
    stream_key_hint,
)
from shop_video.live.selectors import live_playables
from shop_video.media import STORAGE_ERRORS
from shop_video.scratch import scratch_path

logger = logging.getLogger(__name__)

MAX_DESTINATIONS = 5
QUEUED_PREFIX = "queued:"


# --- destinations ---------------------------------------------------------------------------------------------


def live_destination_create(
    *,
    room: LiveRoom,
    name: str,
    url: str,
    stream_key: str,
    schedule_start=None,
    schedule_end=None,
    time_zone: str = "UTC",
) -> LiveDestination:
    """Raises ValidationError naming every problem; the stream key is stored encrypted."""
    name, url, stream_key = (name or "").strip(), (url or "").strip(), (stream_key or "").strip()
    problems = validation.destination_check(name=name, url=url, stream_key=stream_key)
    problems += validation.schedule_check(start=schedule_start, end=schedule_end, time_zone=time_zone or "")
    if room.destinations.count() >= MAX_DESTINATIONS:
        problems.append(f"A room pushes to at most {MAX_DESTINATIONS} destinations; delete one first.")
    if name and room.destinations.filter(name=name).exists():
        problems.append(f"This room already has a destination named {name!r}.")
    if problems:
        raise ValidationError(problems)
    return LiveDestination.objects.create(
        room=room,
        name=name,
        url=url.rstrip("/"),
        stream_key_encrypted=stream_key_encrypt(stream_key),
        stream_key_hint=stream_key_hint(stream_key),
        schedule_start=schedule_start,
        schedule_end=schedule_end,
        time_zone=time_zone,
    )


def live_destination_start(*, destination: LiveDestination) -> LiveDestination:
    """Wanted on air (within its schedule); the push is sent now if it is due (else by the supervisor)."""
    LiveDestination.objects.filter(pk=destination.pk).update(started=True)
    destination.refresh_from_db()
    transaction.on_commit(live_pushes_supervise)
    return destination


def live_destination_stop(*, destination: LiveDestination) -> LiveDestination:
    """The pushing worker sees it within a second, ends the stream cleanly and releases its lease."""
    LiveDestination.objects.filter(pk=destination.pk).update(started=False)
    destination.refresh_from_db()
    return destination


def live_destination_delete(*, destination: LiveDestination) -> None:
    destination.delete()  # a pushing worker loses its lease row and stops


def destination_on_air_now(destination: LiveDestination, now: datetime | None = None) -> bool:
    return destination.started and schedule.on_air_at(
        start=destination.schedule_start,
        end=destination.schedule_end,
        time_zone=destination.time_zone,
        now=now or timezone.now(),
    )


# --- the supervisor ---------------------------------------------------------------------------------------------


def live_pushes_supervise(*, now: datetime | None = None) -> list[int]:
    """Beat, every few seconds: send the push of every started destination within its schedule whose lease has
    lapsed (never pushed, worker restarted or killed, message lost). Marking the lease "queued" first, with a
    conditional UPDATE, keeps one message per destination in flight. Returns the ids sent."""
    from shop_video.live.push import dispatch

    now = now or timezone.now()
    lapsed = LiveDestination.objects.filter(started=True).filter(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    )
    sent = []
    for destination in lapsed.select_related("room"):
        if not destination.room.is_active or not destination_on_air_now(destination, now):
            continue
        token = QUEUED_PREFIX + secrets.token_hex(8)
        claimed = (
            LiveDestination.objects.filter(pk=destination.pk, lease_owner=destination.lease_owner)
            .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
            .update(lease_owner=token, lease_expires_at=now + _lease())
        )
        if claimed:
            dispatch.push_send(destination_id=destination.pk, token=token)
            sent.append(destination.pk)
    return sent


def _lease() -> timedelta:
    return timedelta(seconds=settings.LIVE_PUSH_LEASE_SECONDS)


# --- the push ---------------------------------------------------------------------------------------------------


def stream_format(room: LiveRoom) -> encoder.StreamFormat:
    across, down = ASPECT_SHAPES.get(room.aspect_ratio, (9, 16))
    short = room.short_side
    width, height = (short, short * down / across) if across <= down else (short * across / down, short)
    return encoder.StreamFormat(
        width=int(round(width / 2)) * 2,
        height=int(round(height / 2)) * 2,
        fps=settings.LIVE_PUSH_FPS,
        sample_rate=settings.LIVE_PUSH_AUDIO_RATE,
        x264_preset=settings.LIVE_PUSH_X264_PRESET,
    )


def next_slot_after(*, room: LiveRoom, position: int | None) -> tuple[pusher.Slot, int] | None:
    """The item after `position` in rotation order that has a ready segment whose files are all there, and its
    position. A failed re-render leaves the item's older ready segment in place (it plays on); an item without any
    is skipped."""
    positions = dict(room.items.values_list("id", "position"))
    playables = sorted(live_playables(room=room), key=lambda playable: playable.position)
    if position is not None:
        playables = [p for p in playables if p.position > position] + [p for p in playables if p.position <= position]
    from shop_video.live.models import LiveSegment

    media_dirs = dict(
        LiveSegment.objects.filter(pk__in=[p.segment_id for p in playables]).values_list("pk", "media_dir")
    )
    for playable in playables:
        try:  # local copies (a bucket's chunks are fetched into this worker's scratch; local storage: the files)
            chunks = tuple(
                scratch_path(f"{media_dirs[playable.segment_id]}/{name}", storage=default_storage)
                for name, seconds in playable.chunks
                if seconds > 0
            )
        except (OSError, *STORAGE_ERRORS) as exc:  # a chunk gone or unreadable: the item is skipped
            logger.warning("live room %s: segment %s chunks not readable (%s)", room.pk, playable.segment_id, exc)
            chunks = ()
        if chunks and all(path.is_file() for path in chunks):
            seconds = sum(seconds for _, seconds in playable.chunks)
            slot = pusher.Slot(playable.item_id, playable.segment_id, chunks, seconds)
            return slot, positions[playable.item_id]
        logger.warning("live room %s: segment %s has missing chunks; skipped", room.pk, playable.segment_id)
    return None


def _on_air_hook() -> Callable | None:
    """live.product_on_air (shop_video/live/on_air.py): guarded, so a push runs on a branch without it."""
    try:
        from shop_video.live.on_air import product_on_air
    except ImportError:
        return None
    return product_on_air


def live_push_run(
    *,
    destination_id: int,
    token: str | None = None,
    realtime: bool = True,
    max_slots: int | None = None,
    on_slot: Callable[[pusher.Slot], None] | None = None,
    worker: str = "",
) -> pusher.PushStats | None:
    """Push the destination for as long as it is started, in its schedule and this worker holds its lease. Takes
    the lease from the supervisor's `token` (or a lapsed one); None when another worker has it."""
    from shop_video.live import services as live_services
    from shop_video.live.models import LiveSegment

    owner = f"{_owner_prefix(worker)}{secrets.token_hex(8)}"
    now = timezone.now()
    claim = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    if token:
        claim |= Q(lease_owner=token)
    if not LiveDestination.objects.filter(claim, pk=destination_id).update(
        lease_owner=owner, lease_expires_at=now + _lease(), state=PushState.CONNECTING
    ):
        return None
    destination = LiveDestination.objects.select_related("room").get(pk=destination_id)
    room = destination.room
    try:
        stream_key = stream_key_decrypt(destination.stream_key_encrypted)
    except StreamKeyUnreadable as exc:
        refused = [str(exc)]
    else:
        refused = validation.url_problems(destination.url)
    # The host is checked again when connecting: it may have moved onto a private address since it was added
    # (ffmpeg resolves it itself, so the window between this check and its connection remains).
    if refused:
        LiveDestination.objects.filter(pk=destination_id, lease_owner=owner).update(
            lease_owner="",
            lease_expires_at=timezone.now() + timedelta(seconds=settings.LIVE_PUSH_BACKOFF_MAX_SECONDS),
            state=PushState.RETRYING,
            last_error=refused[0][:500],
        )
        return None
    target = f"{destination.url}/{stream_key}"
    base = {"reconnects": destination.reconnects, "seconds": destination.seconds_on_air}
    cursor = {"position": None}
    checked = {"at": 0.0, "go": True}
    on_air = {"since": None}
    hook = _on_air_hook()

    def next_slot():
        found = next_slot_after(room=room, position=cursor["position"])
        if found is None:
            return None
        slot, cursor["position"] = found
        return slot

    def on_slot_started(slot: pusher.Slot) -> None:
        # The same check as the HLS playlist's at a slot start: a changed price queues a re-render that plays
        # from the item's next slot.
        live_services._price_check(room=room, item_id=slot.item_id, playing_segment_id=slot.segment_id)
        if hook is not None:
            segment = LiveSegment.objects.filter(pk=slot.segment_id).select_related("item").first()
            if segment is not None:
                try:
                    hook(room, segment)
                except Exception:  # a cue must never take the stream down
                    logger.exception("live room %s: the on-air hook failed", room.pk)
        if on_slot is not None:
            on_slot(slot)

    def keep_going(stats: pusher.PushStats) -> bool:
        if max_slots is not None and stats.slots_played >= max_slots:
            return False
        if time.monotonic() - checked["at"] >= 1.0:
            checked["at"] = time.monotonic()
            current = (
                LiveDestination.objects.filter(pk=destination_id, lease_owner=owner).select_related("room").first()
            )
            checked["go"] = bool(current and current.room.is_active and destination_on_air_now(current))
        return checked["go"]

    def heartbeat(stats: pusher.PushStats, state: str) -> None:
        if state != PushState.ON_AIR:
            on_air["since"] = None
        elif on_air["since"] is None:
            on_air["since"] = timezone.now()
        updated = LiveDestination.objects.filter(pk=destination_id, lease_owner=owner).update(
            lease_expires_at=timezone.now() + _lease(),
            state=state if state in PushState.values else PushState.OFF,
            bitrate_kbps=stats.bitrate_kbps,
            dropped_frames=stats.dropped_frames,
            reconnects=base["reconnects"] + stats.reconnects,
            seconds_on_air=base["seconds"] + stats.seconds_on_air,
            last_error=stats.last_error.replace(stream_key, "••••")[:500],
            on_air_since=on_air["since"],
        )
        if not updated:
            checked["go"], checked["at"] = False, time.monotonic() + 3600  # lease lost: another worker pushes

    try:
        stats = pusher.push_loop(
            fmt=stream_format(room),
            target=target,
            next_slot=next_slot,
            on_slot_started=on_slot_started,
            keep_going=keep_going,
            heartbeat=heartbeat,
            heartbeat_seconds=settings.LIVE_PUSH_LEASE_SECONDS / 3,
            backoff=pusher.Backoff(maximum=settings.LIVE_PUSH_BACKOFF_MAX_SECONDS),
            realtime=realtime,
            ca_file=settings.LIVE_PUSH_CA_FILE,
        )
    finally:
        LiveDestination.objects.filter(pk=destination_id, lease_owner=owner).update(
            lease_owner="", lease_expires_at=None, state=PushState.OFF, on_air_since=None, bitrate_kbps=0.0
        )
    return stats


def _owner_prefix(worker: str) -> str:
    return f"worker:{worker[:40]}:"


def live_push_leases_release(*, worker: str) -> int:
    """A worker shutting down (worker_shutting_down, in its main process) gives up the leases its pushes hold: each
    push sees it within a second and ends its stream, and the supervisor sends it again at once."""
    if not worker:
        return 0
    return LiveDestination.objects.filter(lease_owner__startswith=_owner_prefix(worker)).update(
        lease_owner="", lease_expires_at=None
    )


def live_push_stats(*, room: LiveRoom) -> list[dict]:
    """Per destination: state, bitrate, dropped frames, reconnects, seconds on air (for the room's API/metrics)."""
    return [
        {
            "destination": destination.pk,
            "name": destination.name,
            "state": destination.state,
            "bitrate_kbps": round(destination.bitrate_kbps, 1),
            "dropped_frames": destination.dropped_frames,
            "reconnects": destination.reconnects,
            "seconds_on_air": round(destination.seconds_on_air, 1),
        }
        for destination in room.destinations.all()
    ]
