"""Dashboard actions on a room's push destinations, for owners and admins (a stream key puts the shop on air on a
platform under its account): add, start, stop, delete. Each POST redirects back to the room's page (POST-redirect-GET); a refused form answers 400 with the
form again and every problem named (the stream key is never echoed back)."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shop_video.dashboard.access import member_view
from shop_video.live.models import LiveRoom
from shop_video.live.push import selectors, services
from shop_video.live.push.models import LiveDestination

FIELDS = ("name", "url", "schedule_start", "schedule_end", "time_zone")


def _room(request, room_id: int) -> LiveRoom:
    try:
        return LiveRoom.objects.get(merchant=request.merchant, pk=room_id)
    except LiveRoom.DoesNotExist:
        raise Http404("Not found in this shop.") from None


def _destination(request, room_id: int, destination_id: int) -> LiveDestination:
    try:
        return selectors.live_destination_get(merchant=request.merchant, room_id=room_id, destination_id=destination_id)
    except LiveDestination.DoesNotExist:
        raise Http404("Not found in this shop.") from None


def _time(text: str, label: str, problems: list[str]) -> time | None:
    text = text.strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text[:8])
    except ValueError:
        problems.append(f"The schedule's {label} must be a time like 09:00, not {text[:20]!r}.")
        return None


@require_POST
@member_view(manage=True)
def destination_add(request, room_id: int):
    room = _room(request, room_id)
    form = {field: request.POST.get(field, "")[:600] for field in FIELDS}
    problems: list[str] = []
    start = _time(form["schedule_start"], "start", problems)
    end = _time(form["schedule_end"], "end", problems)
    if not problems:
        try:
            destination = services.live_destination_create(
                room=room,
                name=form["name"],
                url=form["url"],
                stream_key=request.POST.get("stream_key", "")[:1000],
                schedule_start=start,
                schedule_end=end,
                time_zone=form["time_zone"].strip() or "UTC",
            )
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, f"Destination {destination.name} added; start it to go on air.")
            return redirect("live:live_room", room.pk)
    return render(request, "live/destination_form.html", {"room": room, "form": form, "errors": problems}, status=400)


@require_POST
@member_view(manage=True)
def destination_start(request, room_id: int, destination_id: int):
    destination = services.live_destination_start(destination=_destination(request, room_id, destination_id))
    when = "now" if services.destination_on_air_now(destination) else "at the start of its schedule"
    messages.success(request, f"{destination.name} goes on air {when}.")
    return redirect("live:live_room", room_id)


@require_POST
@member_view(manage=True)
def destination_stop(request, room_id: int, destination_id: int):
    destination = services.live_destination_stop(destination=_destination(request, room_id, destination_id))
    messages.success(request, f"{destination.name} stopped.")
    return redirect("live:live_room", room_id)


@require_POST
@member_view(manage=True)
def destination_delete(request, room_id: int, destination_id: int):
    destination = _destination(request, room_id, destination_id)
    services.live_destination_delete(destination=destination)
    messages.success(request, f"{destination.name} deleted.")
    return redirect("live:live_room", room_id)
