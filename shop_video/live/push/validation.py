"""A destination checked at the edge: rtmp/rtmps only, a public ingest host (the SSRF rules of safe_http), bounded
lengths, a stream key without characters that would change the URL it is appended to."""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from urllib.parse import urlsplit

from django.conf import settings

from shop_video.safe_http import FetchFailed, FetchRefused, checked_address

SCHEMES = {"rtmp": 1935, "rtmps": 443}
MAX_URL = 500
MAX_NAME = 100
MAX_STREAM_KEY = 300
# Platforms' keys are letters, digits and -_.=?&%+ (a query string after the key on some): nothing that starts a
# new path segment, a fragment, credentials or whitespace.
STREAM_KEY_PATTERN = re.compile(r"^[A-Za-z0-9\-_.=?&%+~!$*]+$")


def destination_check(*, name: str, url: str, stream_key: str | None, resolve: bool = True) -> list[str]:
    """Problems with a destination, each saying what to change ([] when it is fine). `stream_key` None: kept."""
    problems = []
    if not name.strip():
        problems.append("Give the destination a name (e.g. the platform's).")
    elif len(name) > MAX_NAME:
        problems.append(f"The name is {len(name)} characters; keep it to {MAX_NAME}.")
    problems += url_problems(url, resolve=resolve)
    if stream_key is not None:
        if not stream_key:
            problems.append("Paste the stream key the platform gave you.")
        elif len(stream_key) > MAX_STREAM_KEY:
            problems.append(f"The stream key is {len(stream_key)} characters; the limit is {MAX_STREAM_KEY}.")
        elif not STREAM_KEY_PATTERN.match(stream_key):
            problems.append("The stream key has characters no ingest uses (spaces, '/', '#', '@'); paste it again.")
    return problems


def url_problems(url: str, *, resolve: bool = True) -> list[str]:
    if not url:
        return ["Give the ingest URL (rtmp://... or rtmps://...)."]
    if len(url) > MAX_URL:
        return [f"The ingest URL is {len(url)} characters; keep it to {MAX_URL}."]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ["The ingest URL is not a valid URL."]
    if parts.scheme not in SCHEMES:
        return [f"The ingest URL must start with rtmp:// or rtmps://, not {parts.scheme or 'nothing'!r}."]
    if not parts.hostname or parts.username or parts.password or parts.fragment or any(c.isspace() for c in url):
        return ["The ingest URL needs a host, and no credentials, spaces or '#'."]
    if not resolve:
        return []
    try:
        if not (getattr(settings, "LIVE_PUSH_ALLOW_LOOPBACK", False) and _is_loopback(parts.hostname)):
            checked_address(parts.hostname, port or SCHEMES[parts.scheme])
    except FetchRefused as exc:
        return [f"The ingest host is refused: {exc}; ingests are public hosts."]
    except FetchFailed as exc:
        return [f"The ingest host cannot be found: {exc}."]
    return []


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1")


def schedule_check(*, start: time | None, end: time | None, time_zone: str) -> list[str]:
    problems = []
    if (start is None) != (end is None):
        problems.append("Give both the start and the end of the schedule, or neither (around the clock).")
    elif start is not None and start == end:
        problems.append("The schedule starts and ends at the same time; leave both blank for around the clock.")
    if len(time_zone) > 64 or time_zone not in zoneinfo.available_timezones():
        problems.append(f"{time_zone[:64]!r} is not a time zone name (e.g. Asia/Shanghai, Europe/Paris, UTC).")
    return problems
