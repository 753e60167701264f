"""When a destination is on air: within [start, end) in its time zone (an end before the start runs past
midnight), or always when it has no times. Pure."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time


def on_air_at(*, start: time | None, end: time | None, time_zone: str, now: datetime) -> bool:
    if start is None or end is None:
        return True
    local = now.astimezone(zoneinfo.ZoneInfo(time_zone)).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end  # e.g. 20:00 -> 02:00
