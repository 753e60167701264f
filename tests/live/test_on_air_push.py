"""The push announces each product as it goes on air: a room pushed to a real RTMP server (nginx-rtmp on the
loopback) sends live.product_on_air once per slot, in the order the recording shows the products, and the room's
`on_air` is the last one."""

from __future__ import annotations

import json

import pytest

from shop_video.live.push import services as push
from shop_video.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.live import push_media, test_push_stream
from tests.rtmp_server import rtmp_server_fixture  # noqa: F401  (the rtmp_server fixture)

pytestmark = pytest.mark.django_db

room = test_push_stream.room  # three products, red, green and blue clips, cut into real chunks


def test_each_pushed_slot_is_announced_once_in_the_order_it_is_on_air(room, rtmp_server, merchant):
    WebhookEndpoint.objects.create(merchant=merchant, url="https://hooks.acme.example/live", secret="whsec_" + "A" * 43)
    destination = test_push_stream.destination_make(room, rtmp_server)
    stats = push.live_push_run(destination_id=destination.pk, realtime=False, max_slots=4)
    rtmp_server.stop()
    assert stats is not None and stats.reconnects == 0

    cues = [json.loads(body)["data"] for body in WebhookDelivery.objects.order_by("id").values_list("body", flat=True)]
    assert [cue["sku"] for cue in cues] == ["MUG-1", "TEE-2", "CAP-3", "MUG-1"]
    assert all(cue["room"] == room.pk and cue["price"] == "24.00" for cue in cues)
    [recorded] = rtmp_server.recordings()
    order = push_media.products_in_order(push_media.recording_read(recorded).frame_colours)
    assert order[:3] == ["red", "green", "blue"], order  # MUG-1, TEE-2, CAP-3 as cut
    room.refresh_from_db()
    assert room.on_air["sku"] == "MUG-1"
