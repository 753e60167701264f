"""Live-shop cues: the product on air recorded on the room and announced once per product change (webhook
live.product_on_air), by the push's hook or by the HLS playlist's live edge; the room's API with `on_air` and its
`push` figures; the dashboard's on-air box; the per-room Prometheus figures."""

from __future__ import annotations

import json

import pytest

from catalog.models import Product
from shop_video.live import on_air, services
from shop_video.live.metrics import LivePushCollector, metrics_register
from shop_video.live.models import LiveSegment
from shop_video.live.push.models import LiveDestination
from shop_video.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import _api_client_for
from tests.dashboard.conftest import client_for
from tests.live import test_live_rooms
from tests.live.test_live_rooms import T0, all_ready, segment_ready

pytestmark = pytest.mark.django_db

# The live rooms' fixtures: a room of three products with one segment each.
products, room = test_live_rooms.products, test_live_rooms.room


@pytest.fixture
def endpoint(merchant):
    return WebhookEndpoint.objects.create(
        merchant=merchant, url="https://hooks.acme.example/live", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    )


def _cues() -> list[dict]:
    return [json.loads(body)["data"] for body in WebhookDelivery.objects.order_by("id").values_list("body", flat=True)]


def test_product_on_air_records_the_product_and_sends_the_webhook_once(room, endpoint, sent_tasks):
    Product.objects.filter(variants__sku="MUG-1").update(url="https://shop.example/products/mug")
    first, second, _ = all_ready(room)
    assert on_air.product_on_air(room, first) is True
    assert on_air.product_on_air(room, first) is False  # the same slot again (a restarted worker): no second cue
    room.refresh_from_db()
    assert room.on_air["sku"] == "MUG-1" and room.on_air["segment"] == first.pk
    (cue,) = _cues()
    assert cue["room"] == room.pk and cue["sku"] == "MUG-1"
    assert (cue["price"], cue["currency"], cue["product_url"]) == ("24.00", "USD", "https://shop.example/products/mug")
    assert cue["since"].endswith("Z")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.endpoint_id) == ("live.product_on_air", endpoint.pk)
    assert on_air.product_on_air(room, second) is True
    assert [cue["sku"] for cue in _cues()] == ["MUG-1", "TEE-2"]


def test_a_product_url_that_is_not_http_is_left_out(room, endpoint):
    Product.objects.filter(variants__sku="MUG-1").update(url="javascript:alert(1)")
    first, _, _ = all_ready(room)
    on_air.product_on_air(room, first)
    assert _cues()[0]["product_url"] is None


def test_the_hls_live_edge_announces_each_product_change_once_whatever_the_polling(room, endpoint):
    all_ready(room)  # three items, three 6 s segments
    # A player polling every half second for two rotations (36 s) and a bit.
    for step in range(80):
        services.live_playlist_advance(key=room.key, now=T0 + step * 0.5)
    assert [cue["sku"] for cue in _cues()] == ["MUG-1", "TEE-2", "CAP-3", "MUG-1", "TEE-2", "CAP-3", "MUG-1"]
    room.refresh_from_db()
    # The newest published chunk at T0 + 39.5 s is in the 7th slot (MUG-1 again), which began at T0 + 36 s.
    assert room.on_air["sku"] == "MUG-1"
    assert room.on_air["since"].startswith("1970-01-24T03:33:56")  # T0 + 36 s


def test_a_price_change_is_announced_with_the_new_price_at_the_items_next_slot(room, endpoint, merchant):
    first, _, _ = all_ready(room)
    on_air.product_on_air(room, first)
    rerender = LiveSegment.objects.create(item=first.item, price="19.00", currency="USD")
    segment_ready(rerender)
    on_air.product_on_air(room, rerender)
    assert [(cue["sku"], cue["price"]) for cue in _cues()] == [("MUG-1", "24.00"), ("MUG-1", "19.00")]


def test_the_push_calls_this_hook_at_each_slot():
    from shop_video.live.push import services as push_services

    assert push_services._on_air_hook() is on_air.product_on_air


def test_a_pushed_room_is_left_to_its_push(room, endpoint):
    all_ready(room)
    LiveDestination.objects.create(room=room, name="Douyin", url="rtmp://ingest.example/live", state="on_air")
    for step in range(20):
        services.live_playlist_advance(key=room.key, now=T0 + step)
    assert _cues() == []


def test_the_room_api_shows_on_air_and_push_figures_to_members_only_of_its_merchant(room, other_merchant, endpoint):
    first, _, _ = all_ready(room)
    on_air.product_on_air(room, first)
    LiveDestination.objects.create(
        room=room,
        name="A",
        url="rtmp://a.example/live",
        state="on_air",
        bitrate_kbps=2500.04,
        dropped_frames=3,
        reconnects=1,
        seconds_on_air=100.0,
    )
    LiveDestination.objects.create(
        room=room, name="B", url="rtmp://b.example/live", state="retrying", reconnects=4, seconds_on_air=20.5
    )
    client = _api_client_for(room.merchant)
    body = client.get(f"/api/v1/live/rooms/{room.pk}").json()
    assert body["on_air"]["sku"] == "MUG-1" and set(body["on_air"]) == set(on_air_public())
    push = body["push"]
    assert (push["state"], push["bitrate_kbps"], push["dropped_frames"], push["reconnects"]) == ("on_air", 2500.0, 3, 5)
    assert push["seconds_on_air"] == 120.5 and [d["name"] for d in push["destinations"]] == ["A", "B"]
    assert "stream_key" not in json.dumps(body)
    assert client.get("/api/v1/live/rooms").json()[0]["id"] == room.pk
    # Another merchant's key: the room does not exist for it.
    client = _api_client_for(other_merchant)
    assert client.get(f"/api/v1/live/rooms/{room.pk}").status_code == 404
    assert client.get("/api/v1/live/rooms/99999999999999999999").status_code == 404
    assert client.get("/api/v1/live/rooms").json() == []
    assert client.post("/api/v1/live/rooms", {}, format="json").status_code == 405


def on_air_public():
    from shop_video.live.payloads import ON_AIR_PUBLIC

    return ON_AIR_PUBLIC


def test_a_room_never_on_air_shows_null_and_zeros(room):
    body = _api_client_for(room.merchant).get(f"/api/v1/live/rooms/{room.pk}").json()
    assert body["on_air"] is None
    assert body["push"] == {
        "state": "off",
        "bitrate_kbps": 0.0,
        "dropped_frames": 0,
        "reconnects": 0,
        "seconds_on_air": 0.0,
        "destinations": [],
    }


def test_the_dashboard_shows_the_product_on_air_and_refreshes_it(room, merchant):
    first, _, _ = all_ready(room)
    client = client_for(merchant)
    page = client.get(f"/app/live/{room.pk}/").content.decode()
    assert 'id="on-air"' in page and 'hx-trigger="every 5s"' in page and "No product has been on air" in page
    on_air.product_on_air(room, first)
    partial = client.get(f"/app/live/{room.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-on-air-sku="MUG-1"' in partial
    assert "<h1>" not in partial  # only the box, swapped in place


def test_prometheus_figures_per_room(room):
    from prometheus_client import REGISTRY, generate_latest

    LiveDestination.objects.create(
        room=room,
        name="A",
        url="rtmp://a.example/live",
        state="on_air",
        bitrate_kbps=1500.0,
        reconnects=2,
        dropped_frames=7,
        seconds_on_air=42.0,
    )
    assert metrics_register() is True and metrics_register() is True  # registered once, in the default registry
    text = generate_latest(REGISTRY).decode()
    label = f'room="{room.pk}"'
    assert f"shop_video_live_push_bitrate_kbps{{{label}}} 1500.0" in text
    assert f"shop_video_live_push_on_air{{{label}}} 1.0" in text
    assert f"shop_video_live_push_reconnects_total{{{label}}} 2.0" in text
    assert f"shop_video_live_push_dropped_frames_total{{{label}}} 7.0" in text
    assert f"shop_video_live_push_seconds_on_air_total{{{label}}} 42.0" in text
    names = [family.name for family in LivePushCollector().describe()]
    assert "shop_video_live_push_bitrate_kbps" in names
