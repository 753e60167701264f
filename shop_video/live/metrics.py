"""Per-room push metrics: bitrate, dropped frames, reconnects and seconds on air, summed over a room's
destinations (the push keeps them on LiveDestination; shop_video/live/push/). The room's API shows them as its
`push` block; with prometheus_client installed they are also collected, at scrape time and labelled by room id,
into its default registry (the one /metrics serves)."""

from __future__ import annotations

import logging

from shop_video.live.models import LiveRoom

logger = logging.getLogger(__name__)

# The best state wins the room's summary: a room is on air if any destination is.
STATE_ORDER = ("on_air", "retrying", "connecting", "off")
FIGURES = ("bitrate_kbps", "dropped_frames", "reconnects", "seconds_on_air")
FLOAT_FIGURES = ("bitrate_kbps", "seconds_on_air")
PREFIX = "shop_video_live_push"


def _destination_figures(destination) -> dict:
    return {
        "id": destination.pk,
        "name": destination.name,
        "state": destination.state,
        "bitrate_kbps": round(destination.bitrate_kbps, 1),
        "dropped_frames": destination.dropped_frames,
        "reconnects": destination.reconnects,
        "seconds_on_air": round(destination.seconds_on_air, 1),
    }


def room_push_metrics(room: LiveRoom | None, destinations=None) -> dict:
    """{"state", "bitrate_kbps", "dropped_frames", "reconnects", "seconds_on_air", "destinations": [...]}; a room
    never pushed has state "off" and zeros. `destinations`: already fetched ones (prefetch), else queried."""
    rows = [_destination_figures(d) for d in (room.destinations.all() if destinations is None else destinations)]
    states = {row["state"] for row in rows}
    summary = {"state": next((state for state in STATE_ORDER if state in states), "off")}
    for figure in FIGURES:
        total = sum((row[figure] for row in rows), 0.0 if figure in FLOAT_FIGURES else 0)
        summary[figure] = round(total, 1) if figure in FLOAT_FIGURES else total
    return {**summary, "destinations": rows}


def rooms_push_metrics() -> dict[int, dict]:
    """room id -> room_push_metrics, for every room with a destination (one query)."""
    from shop_video.live.push.models import LiveDestination

    by_room: dict[int, list] = {}
    for destination in LiveDestination.objects.order_by("room_id", "id"):
        by_room.setdefault(destination.room_id, []).append(destination)
    return {room_id: room_push_metrics(None, destinations) for room_id, destinations in by_room.items()}


class LivePushCollector:
    """A prometheus_client collector read at scrape time (the figures live in the database, written by whichever
    worker pushes; a per-process counter would only know that worker's rooms)."""

    def _families(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        labels = ["room"]
        return {
            "bitrate_kbps": GaugeMetricFamily(f"{PREFIX}_bitrate_kbps", "Bitrate pushed, kbit/s", labels=labels),
            "on_air": GaugeMetricFamily(f"{PREFIX}_on_air", "1 while a destination is on air", labels=labels),
            "dropped_frames": CounterMetricFamily(f"{PREFIX}_dropped_frames", "Frames dropped", labels=labels),
            "reconnects": CounterMetricFamily(f"{PREFIX}_reconnects", "Reconnections to an ingest", labels=labels),
            "seconds_on_air": CounterMetricFamily(
                f"{PREFIX}_seconds_on_air", "Seconds of stream pushed", labels=labels
            ),
        }

    def describe(self):
        # Registration asks for the names; without describe() it would call collect(), i.e. the database, then.
        return list(self._families().values())

    def collect(self):
        families = self._families()
        try:
            rooms = rooms_push_metrics()
        except Exception:  # a scrape must answer even with the database away
            logger.exception("live push metrics could not be read")
            rooms = {}
        for room_id, figures in sorted(rooms.items()):
            label = [str(room_id)]
            for name, family in families.items():
                value = (1.0 if figures["state"] == "on_air" else 0.0) if name == "on_air" else figures[name]
                family.add_metric(label, value)
        yield from families.values()


_registered: list = []


def metrics_register() -> bool:
    """Register the collector in prometheus_client's default registry once; False without prometheus_client."""
    try:
        from prometheus_client import REGISTRY
    except ImportError:
        return False
    if not _registered:
        collector = LivePushCollector()
        REGISTRY.register(collector)
        _registered.append(collector)
    return True
