"""The public stream of a live room (no sign-in: the room key in the URL is the secret, like a storefront video)
and the dashboard pages that list and show a merchant's rooms."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from generation.selectors import video_templates_visible
from shop_video.dashboard.access import member_view
from shop_video.live import hls, selectors, services
from shop_video.live.models import LiveRoom, LiveRoomItem, LiveSegment
from shop_video.media import media_is_local

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
RETRY_AFTER_SECONDS = 5
PLAYLIST_MAX_AGE_SECONDS = 1


# --- the stream ------------------------------------------------------------------------------------------------


@require_safe
def stream_playlist(request, key: str):
    try:
        text = services.live_playlist_advance(key=key)
    except LiveRoom.DoesNotExist:
        # Not Http404: the answer carries the short cache below (a key is unguessable, and none is reused).
        return _short_cached(
            HttpResponseNotFound("Not found: no live room has this address.\n", content_type="text/plain")
        )
    except services.RoomInactive as exc:
        # Short: a room switched on again must not stay "ended" in a CDN.
        return _short_cached(HttpResponse(f"{exc}; the stream has ended.\n", status=410, content_type="text/plain"))
    except services.NothingReady as exc:
        response = HttpResponse(f"{exc}\n", status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-cache"
        return response
    # It changes every chunk (2 s), and thousands of viewers poll it: a CDN or player cache may keep it one second
    # (half a chunk or less, as HLS asks), which absorbs the polling without a player missing a chunk.
    return _short_cached(HttpResponse(text, content_type=PLAYLIST_TYPE))


def _short_cached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={PLAYLIST_MAX_AGE_SECONDS}"
    return response


@require_safe
def stream_chunk(request, key: str, segment_id: int, index: int):
    try:
        name = selectors.live_chunk_name(key=key, segment_id=segment_id, index=index)
        if not media_is_local(default_storage):  # chunks in a bucket: the playlist points there; so does this
            return HttpResponseRedirect(default_storage.url(name))
        handle = default_storage.open(name, "rb")
    except (LiveSegment.DoesNotExist, FileNotFoundError):
        raise Http404("No such chunk in this live room.") from None
    response = FileResponse(handle, content_type="video/mp2t")
    # A chunk's address names one segment's one chunk, which never changes: caches may keep it.
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- the dashboard ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view
def live_rooms(request):
    form = {"name": "", "skus": "", "template_slug": "", "errors": []}
    if request.method == "POST":
        form.update(
            name=request.POST.get("name", ""),
            skus=request.POST.get("skus", ""),
            template_slug=request.POST.get("template_slug", ""),
        )
        try:
            room = services.live_room_create(
                merchant=request.merchant,
                name=form["name"],
                skus=form["skus"].replace("\n", ",").split(","),
                template_slug=form["template_slug"] or None,
            )
        except ValidationError as exc:
            form["errors"] = exc.messages
        else:
            messages.success(request, f"Live room {room.name} created; its segments are rendering.")
            return redirect("live:live_room", room.pk)
    return render(
        request,
        "live/rooms.html",
        {
            "rooms": selectors.live_rooms_list(merchant=request.merchant).prefetch_related("items"),
            "templates": video_templates_visible(merchant=request.merchant),
            "form": form,
            "default_template": settings.LIVE_TEMPLATE,
        },
        status=400 if form["errors"] else 200,
    )


@require_GET
@member_view
def live_room(request, room_id: int):
    try:
        room = selectors.live_room_get(merchant=request.merchant, room_id=room_id)
    except LiveRoom.DoesNotExist:
        raise Http404("Not found in this shop.") from None
    if request.htmx and request.GET.get("part") == "schedule":  # the schedule polls itself (live/_schedule.html)
        return render(request, "live/_schedule.html", _schedule_context(room))
    if request.htmx:  # the on-air box polls itself (templates/live/_on_air.html)
        return render(request, "live/_on_air.html", {"room": room})
    return render(
        request,
        "live/room.html",
        {"stream_url": request.build_absolute_uri(room.stream_path), **_schedule_context(room)},
    )


def _schedule_context(room: LiveRoom) -> dict:
    now = time.time()
    rows = selectors.live_room_schedule(room=room, now=now)
    return {
        "room": room,
        "rows": rows,
        "playing": next((row for row in rows if row.is_playing_now), None),
        "rotation_seconds": sum(row.playing_segment.duration for row in rows if row.playing_segment),
        "listed": len(hls.entries_published(hls.WindowState(entries=room.window), now)),
    }


# --- the room's controls: every one a POST answered with a redirect to the room (or the list, once deleted) ------

ITEM_MOVES = {"earlier": -1, "later": 1}


def _room(request, room_id: int) -> LiveRoom:
    try:
        return selectors.live_room_get(merchant=request.merchant, room_id=room_id)
    except LiveRoom.DoesNotExist:
        raise Http404("Not found in this shop.") from None


def _item(request, item_id: int) -> LiveRoomItem:
    try:
        return selectors.live_room_item_get(merchant=request.merchant, item_id=item_id)
    except LiveRoomItem.DoesNotExist:
        raise Http404("Not found in this shop.") from None


@require_POST
@member_view
def live_room_active(request, room_id: int):
    room = _room(request, room_id)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        messages.error(request, "Choose whether to start or stop the room.")
    else:
        services.live_room_active_set(room=room, active=active == "1")
        messages.success(
            request,
            f"{room.name} is on again: players that ask get the stream."
            if room.is_active
            else f"{room.name} is stopped: the stream ends for its viewers and pushing stops.",
        )
    return redirect("live:live_room", room.pk)


@require_POST
@member_view
def live_room_delete(request, room_id: int):
    room = _room(request, room_id)
    services.live_room_delete(room=room)
    messages.success(request, f"Live room {room.name} deleted; its stream address no longer works.")
    return redirect("live:live_rooms")


@require_POST
@member_view
def live_room_item_add(request, room_id: int):
    room = _room(request, room_id)
    try:
        item = services.live_room_item_add(room=room, sku=request.POST.get("sku", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        segment = item.segments.order_by("-id").first()
        if segment is not None and segment.status == LiveSegment.Status.FAILED:
            messages.error(request, f"{item.sku} was added, but its video cannot be rendered: {segment.error}")
        else:
            messages.success(request, f"{item.sku} added at the end of the rotation; its segment is rendering.")
    return redirect("live:live_room", room.pk)


@require_POST
@member_view
def live_room_item_move(request, item_id: int):
    item = _item(request, item_id)
    direction = request.POST.get("direction", "")
    if direction not in ITEM_MOVES:
        messages.error(request, "Choose whether to move the product earlier or later.")
    else:
        services.live_room_item_move(item=item, offset=ITEM_MOVES[direction])
        messages.success(request, f"{item.sku} moved {direction}; it plays there from its next turn.")
    return redirect("live:live_room", item.room_id)


@require_POST
@member_view
def live_room_item_remove(request, item_id: int):
    item = _item(request, item_id)
    try:
        services.live_room_item_remove(item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{item.sku} removed from the room.")
    return redirect("live:live_room", item.room_id)
