"""manage.py live_push ROOM --merchant acme (--start | --stop | --list | --add NAME --url URL) [--destination NAME]

ROOM is the room's slug or id. --start/--stop act on every destination of the room, or the one named; --add reads
the stream key from the LIVE_STREAM_KEY environment variable (never from the command line, where `ps` shows it)."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shop_video.live.models import LiveRoom
from shop_video.live.push import services
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get


class Command(BaseCommand):
    help = "Start, stop, list or add the push destinations of a live room."

    def add_arguments(self, parser):
        parser.add_argument("room", help="The room's slug or id.")
        parser.add_argument("--merchant", required=True, help="The merchant's slug.")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--start", action="store_true", help="Put the destinations on air (within schedule).")
        action.add_argument("--stop", action="store_true", help="Take them off air.")
        action.add_argument("--list", action="store_true", help="Show each destination's state and figures.")
        action.add_argument("--add", metavar="NAME", help="Add a destination (stream key from $LIVE_STREAM_KEY).")
        parser.add_argument("--destination", default="", help="Only the destination with this name.")
        parser.add_argument("--url", default="", help="With --add: the rtmp:// or rtmps:// ingest URL.")
        parser.add_argument("--from", dest="start_at", default="", help="With --add: on air from HH:MM ...")
        parser.add_argument("--until", dest="end_at", default="", help="... until HH:MM (blank: around the clock).")
        parser.add_argument("--time-zone", default="UTC", help="With --add: the schedule's time zone.")

    def handle(self, *args, room, merchant, destination, **options):
        try:
            merchant_obj = merchant_get(slug=merchant)
        except MerchantNotFound as exc:
            raise CommandError(str(exc)) from None
        rooms = LiveRoom.objects.filter(merchant=merchant_obj)
        found = rooms.filter(pk=int(room)).first() if room.isdigit() else rooms.filter(slug=room).first()
        if found is None:
            raise CommandError(f"{merchant!r} has no live room {room!r}; its rooms are at /app/live/.")
        if options["add"]:
            return self._add(found, options)
        destinations = list(found.destinations.all())
        if destination:
            destinations = [d for d in destinations if d.name == destination]
        if not destinations:
            raise CommandError(
                f"Room {found.name!r} has no destination{f' named {destination!r}' if destination else ''}."
            )
        for item in destinations:
            if options["start"]:
                item = services.live_destination_start(destination=item)
            elif options["stop"]:
                item = services.live_destination_stop(destination=item)
            self.stdout.write(
                f"{item.name}: {'started' if item.started else 'stopped'}, {item.get_state_display().lower()}, "
                f"{item.url}/{item.stream_key_masked}, {item.reconnects} reconnects, {item.seconds_on_air:.0f} s on air"
            )

    def _add(self, room, options):
        from datetime import time

        stream_key = os.environ.get("LIVE_STREAM_KEY", "")
        if not stream_key:
            raise CommandError("Set LIVE_STREAM_KEY to the platform's stream key (it is not taken as an argument).")
        try:
            start = time.fromisoformat(options["start_at"]) if options["start_at"] else None
            end = time.fromisoformat(options["end_at"]) if options["end_at"] else None
        except ValueError:
            raise CommandError("--from and --until take times like 09:00.") from None
        try:
            added = services.live_destination_create(
                room=room,
                name=options["add"],
                url=options["url"],
                stream_key=stream_key,
                schedule_start=start,
                schedule_end=end,
                time_zone=options["time_zone"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"{added.name} added ({added.url}/{added.stream_key_masked}); --start puts it on air.")
