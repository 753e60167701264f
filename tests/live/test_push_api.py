"""Push destinations from the API, the room's dashboard page and manage.py live_push: the stream key goes in once
and only ever comes back masked; start and stop; another merchant's room and destinations are not found."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from shop_video.api.services import api_key_create
from shop_video.live import services as live_services
from shop_video.live.push import dispatch
from shop_video.live.push.models import LiveDestination
from tests import factories
from tests.dashboard.conftest import client_for

KEY = "live_1234567890abcdefXYZ"
BODY = {"name": "Douyin", "url": "rtmps://93.184.215.14:443/live/", "stream_key": KEY}


@pytest.fixture
def room(merchant, builtin_templates, sent_tasks, django_capture_on_commit_callbacks):
    factories.product_make(merchant=merchant, sku="MUG-1")
    with django_capture_on_commit_callbacks(execute=True):
        return live_services.live_room_create(
            merchant=merchant, name="Night shop", skus=["MUG-1"], template_slug="quick-bumper", short_side=64
        )


@pytest.fixture
def api(merchant):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key_create(merchant=merchant, name='tests')[1]}")
    return client


@pytest.fixture
def sent_pushes(monkeypatch):
    sent = []
    monkeypatch.setattr(dispatch, "push_send", lambda *, destination_id, token: sent.append(destination_id))
    return sent


def test_a_destination_is_added_started_stopped_and_deleted_through_the_api(
    room, api, sent_pushes, django_capture_on_commit_callbacks
):
    base = f"/api/v1/live/rooms/{room.pk}/destinations"
    created = api.post(base, {**BODY, "schedule_start": "09:00", "schedule_end": "23:00", "time_zone": "Asia/Shanghai"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["stream_key"] == "••••fXYZ" and body["url"] == "rtmps://93.184.215.14:443/live"
    assert (body["schedule_start"], body["schedule_end"], body["time_zone"]) == (
        "09:00:00",
        "23:00:00",
        "Asia/Shanghai",
    )
    assert not body["started"] and body["state"] == "off"
    listed = api.get(base)
    assert KEY not in created.content.decode() + listed.content.decode()
    assert [d["name"] for d in listed.json()] == ["Douyin"]

    around = api.post(base, {**BODY, "name": "TikTok"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{base}/{around['id']}/start")
    assert started.status_code == 200 and started.json()["started"] and started.json()["on_air_now"]
    assert sent_pushes == [around["id"]]  # sent at once, not at the supervisor's next beat
    stopped = api.post(f"{base}/{around['id']}/stop")
    assert stopped.status_code == 200 and not stopped.json()["started"]
    assert api.delete(f"{base}/{around['id']}").status_code == 204
    assert list(LiveDestination.objects.values_list("name", flat=True)) == ["Douyin"]


def test_another_merchants_room_and_destinations_are_not_found(room, other_merchant, api):
    destination = api.post(f"/api/v1/live/rooms/{room.pk}/destinations", BODY).json()
    theirs = APIClient()
    theirs.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key_create(merchant=other_merchant, name='t')[1]}")
    for method, url in [
        ("get", f"/api/v1/live/rooms/{room.pk}/destinations"),
        ("get", f"/api/v1/live/rooms/{room.pk}/destinations/{destination['id']}"),
        ("post", f"/api/v1/live/rooms/{room.pk}/destinations/{destination['id']}/start"),
        ("delete", f"/api/v1/live/rooms/{room.pk}/destinations/{destination['id']}"),
    ]:
        assert getattr(theirs, method)(url).status_code == 404, url
    assert not LiveDestination.objects.get(pk=destination["id"]).started


def test_the_room_page_adds_starts_and_stops_a_destination(room, merchant, sent_pushes):
    owner = client_for(merchant)
    added = owner.post(f"/app/live/{room.pk}/destinations/", {**BODY, "time_zone": "UTC"})
    assert added.status_code == 302 and added["Location"] == f"/app/live/{room.pk}/"  # POST-redirect-GET
    page = owner.get(added["Location"]).content.decode()
    assert "Douyin" in page and "••••fXYZ" in page and KEY not in page and "around the clock" in page
    destination = LiveDestination.objects.get()
    assert owner.post(f"/app/live/{room.pk}/destinations/{destination.pk}/start/").status_code == 302
    destination.refresh_from_db()
    assert destination.started
    assert owner.post(f"/app/live/{room.pk}/destinations/{destination.pk}/stop/").status_code == 302
    destination.refresh_from_db()
    assert not destination.started
    refused = owner.post(f"/app/live/{room.pk}/destinations/", {**BODY, "name": "Again", "url": "rtmp://10.1.1.1/x"})
    assert refused.status_code == 400 and "not a public address" in refused.content.decode()
    assert KEY not in refused.content.decode()


def test_the_command_adds_starts_lists_and_stops(room, merchant, monkeypatch, sent_pushes):
    out = StringIO()
    with pytest.raises(CommandError, match="Set LIVE_STREAM_KEY"):
        call_command("live_push", room.slug, merchant="acme", add="Douyin", url=BODY["url"])
    monkeypatch.setenv("LIVE_STREAM_KEY", KEY)
    call_command("live_push", room.slug, merchant="acme", add="Douyin", url=BODY["url"], stdout=out)
    call_command("live_push", str(room.pk), merchant="acme", start=True, stdout=out)
    assert LiveDestination.objects.get().started
    call_command("live_push", room.slug, merchant="acme", stop=True, destination="Douyin", stdout=out)
    assert not LiveDestination.objects.get().started
    text = out.getvalue()
    assert "Douyin: started" in text and "Douyin: stopped" in text and "••••fXYZ" in text and KEY not in text
    with pytest.raises(CommandError, match="no live room"):
        call_command("live_push", "nope", merchant="acme", list=True)
