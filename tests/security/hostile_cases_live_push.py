"""Hostile cases of a live room's push destinations (API and dashboard): another merchant's rooms, roles (stream
keys are for owners and admins), and every input field: ingest URLs that are not RTMP or reach our own network,
stream keys that would change the URL, bounds, schedules and time zones."""

from tests.security.hostile_world import Case

NOT_FOUND = "Not found: no such object for this merchant"
NOT_HERE = "Not found"
MANAGERS_ONLY = "Only owners and admins"
API = "/api/v1/live/rooms/{room_id}/destinations"
DASH = "/app/live/{room_id}/destinations/"
GOOD = {"name": "Douyin", "url": "rtmps://93.184.215.14:443/live", "stream_key": "live_1234567890abcdef"}
FORM = {**GOOD, "schedule_start": "", "schedule_end": "", "time_zone": "UTC"}
SCRIPT = "<script>alert(1)</script>"


def _api(case_id: str, field: str, body: dict, message: str) -> Case:
    return Case(case_id, "key", "POST", API, 400, message, field=field, json={**GOOD, **body})


def _dash(case_id: str, field: str, data: dict, message: str, **options) -> Case:
    return Case(
        case_id,
        "owner",
        "POST",
        DASH,
        400,
        message,
        field=field,
        form="live destinations",
        data={**FORM, **data},
        **options,
    )


# fmt: off
LIVE_PUSH_CASES = [
    Case("push-their-room-list", "key", "GET", "/api/v1/live/rooms/{globex_room_id}/destinations", 404, NOT_FOUND),
    Case("push-their-room-add", "key", "POST", "/api/v1/live/rooms/{globex_room_id}/destinations", 404, NOT_FOUND, json=GOOD),
    Case("push-unknown-start", "key", "POST", API + "/999999/start", 404, NOT_FOUND),
    Case("push-unknown-stop", "key", "POST", API + "/999999/stop", 404, NOT_FOUND),
    Case("push-editor-adds", "editor", "POST", API, 403, MANAGERS_ONLY, json=GOOD),
    Case("push-viewer-lists", "viewer", "GET", API, 403, MANAGERS_ONLY),
    _api("push-url-http", "url", {"url": "http://93.184.215.14/live"}, "must start with rtmp:// or rtmps://"),
    _api("push-url-private", "url", {"url": "rtmp://10.0.0.5/live"}, "not a public address"),
    _api("push-url-loopback", "url", {"url": "rtmp://127.0.0.1:1935/live"}, "not a public address"),
    _api("push-url-metadata", "url", {"url": "rtmp://169.254.169.254/live"}, "not a public address"),
    _api("push-url-credentials", "url", {"url": "rtmp://u:p@93.184.215.14/live"}, "no credentials"),
    _api("push-url-too-long", "url", {"url": "rtmp://93.184.215.14/" + "a" * 600}, "no more than 500 characters"),
    _api("push-key-slash", "stream_key", {"stream_key": "abc/../../admin"}, "characters no ingest uses"),
    _api("push-key-too-long", "stream_key", {"stream_key": "k" * 301}, "no more than 300 characters"),
    _api("push-key-blank", "stream_key", {"stream_key": ""}, "may not be blank"),
    _api("push-name-too-long", "name", {"name": "n" * 101}, "no more than 100 characters"),
    _api("push-name-script", "name", {"name": SCRIPT, "url": "ftp://x"}, "must start with rtmp"),
    _api("push-start-not-a-time", "schedule_start", {"schedule_start": "25:99", "schedule_end": "23:00"}, "Time has wrong format"),
    _api("push-end-alone", "schedule_end", {"schedule_end": "23:00"}, "both the start and the end"),
    _api("push-time-zone-unknown", "time_zone", {"time_zone": "Mars/Olympus"}, "is not a time zone name"),
    _api("push-time-zone-too-long", "time_zone", {"time_zone": "Z" * 65}, "no more than 64 characters"),
    _api("push-unknown-field", "name", {"lease_owner": "me"}, "lease_owner is not a destination field"),
    Case("dash-push-their-room", "owner", "POST", "/app/live/{globex_room_id}/destinations/", 404, NOT_HERE, data=FORM),
    Case("dash-push-editor-adds", "editor", "POST", DASH, 403, MANAGERS_ONLY, data=FORM),
    Case("dash-push-viewer-starts", "viewer", "POST", DASH + "999999/start/", 403, MANAGERS_ONLY, data={}),
    Case("dash-push-unknown-stop", "owner", "POST", DASH + "999999/stop/", 404, NOT_HERE, data={}),
    _dash("dash-push-url-private", "url", {"url": "rtmp://192.168.1.1/live"}, "not a public address"),
    _dash("dash-push-url-scheme", "url", {"url": "javascript:alert(1)"}, "must start with rtmp:// or rtmps://"),
    _dash("dash-push-key-space", "stream_key", {"stream_key": "a b"}, "characters no ingest uses"),
    _dash("dash-push-name-long", "name", {"name": "n" * 700}, "keep it to 100"),
    _dash("dash-push-start-bad", "schedule_start", {"schedule_start": "9 o'clock"}, "must be a time like 09:00"),
    _dash("dash-push-end-bad", "schedule_end", {"schedule_start": "09:00", "schedule_end": "<b>"}, "must be a time like 09:00", absent="<b>"),
    _dash("dash-push-zone-bad", "time_zone", {"time_zone": SCRIPT}, "is not a time zone name", absent=SCRIPT),
]
# fmt: on
