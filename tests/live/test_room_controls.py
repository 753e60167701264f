"""A live room's controls on its dashboard page: stop and start, its products (add, remove, reorder), delete, and
the schedule that refreshes itself."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from shop_video.live import services
from shop_video.live.models import LiveRoom, LiveSegment
from shop_video.media import media_local_path
from tests import factories
from tests.dashboard.conftest import client_for
from tests.live import test_live_rooms as rooms
from tests.live.test_live_rooms import all_ready

pytestmark = pytest.mark.django_db
# The rooms' own tests' fixtures: acme's three products and a room playing them.
products, room = rooms.products, rooms.room


def _skus(room) -> list[str]:
    return list(room.items.order_by("position").values_list("sku", flat=True))


def test_stopping_ends_the_stream_and_starting_brings_it_back(room, merchant, client):
    all_ready(room)
    member = client_for(merchant)
    page = member.get(f"/app/live/{room.pk}/").content.decode()
    assert 'data-confirm="Stop Kitchen live?' in page and 'data-confirm="Delete Kitchen live' in page
    stopped = member.post(f"/app/live/{room.pk}/active/", {"active": "0"}, follow=True)
    assert stopped.redirect_chain == [(f"/app/live/{room.pk}/", 302)]
    assert "is stopped" in stopped.content.decode() and "Start the room again" in stopped.content.decode()
    assert client.get(room.stream_path).status_code == 410
    member.post(f"/app/live/{room.pk}/active/", {"active": "1"})
    assert client.get(room.stream_path).status_code == 200
    bad = member.post(f"/app/live/{room.pk}/active/", {"active": "maybe"}, follow=True)
    assert "Choose whether to start or stop the room" in bad.content.decode()
    assert LiveRoom.objects.get(pk=room.pk).is_active


def test_products_are_added_moved_and_removed(room, merchant, sent_tasks, django_capture_on_commit_callbacks):
    member = client_for(merchant)
    factories.product_make(merchant=merchant, sku="BAG-4", title="Tote Bag")
    with django_capture_on_commit_callbacks(execute=True):
        added = member.post(f"/app/live/{room.pk}/items/", {"sku": " BAG-4 "}, follow=True)
    assert "BAG-4 added at the end of the rotation" in added.content.decode()
    assert _skus(room) == ["MUG-1", "TEE-2", "CAP-3", "BAG-4"]
    bag = room.items.get(sku="BAG-4")
    assert bag.segments.get().render_job is not None  # its segment is rendering
    for sku, message in [("NOPE-9", "No product with SKU, handle or id 'NOPE-9'"), ("MUG-1", "already in this room")]:
        refused = html.unescape(member.post(f"/app/live/{room.pk}/items/", {"sku": sku}, follow=True).content.decode())
        assert message in refused
    huge = member.post(f"/app/live/{room.pk}/items/", {"sku": "x" * 5000}, follow=True)
    assert "longer than any SKU" in huge.content.decode()

    member.post(f"/app/live/items/{bag.pk}/move/", {"direction": "earlier"})
    assert _skus(room) == ["MUG-1", "TEE-2", "BAG-4", "CAP-3"]
    first = room.items.get(sku="MUG-1")
    member.post(f"/app/live/items/{first.pk}/move/", {"direction": "earlier"})  # already first: stays
    member.post(f"/app/live/items/{first.pk}/move/", {"direction": "later"})
    assert _skus(room) == ["TEE-2", "MUG-1", "BAG-4", "CAP-3"]
    assert list(room.items.order_by("position").values_list("position", flat=True)) == [0, 1, 2, 3]

    all_ready(room)
    tee = room.items.get(sku="TEE-2")
    folder = Path(media_local_path(tee.segments.get().media_dir))
    assert folder.exists()
    with django_capture_on_commit_callbacks(execute=True):
        removed = member.post(f"/app/live/items/{tee.pk}/remove/", follow=True)
    assert "TEE-2 removed from the room" in removed.content.decode()
    assert _skus(room) == ["MUG-1", "BAG-4", "CAP-3"]
    assert not LiveSegment.objects.filter(item_id=tee.pk).exists()
    assert not folder.exists()  # its chunks went with it


def test_the_last_product_stays_and_the_room_is_deleted_with_its_files(
    merchant, products, builtin_templates, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        single = services.live_room_create(
            merchant=merchant, name="Solo", skus=["MUG-1"], template_slug="quick-bumper", short_side=64
        )
    member = client_for(merchant)
    item = single.items.get()
    refused = html.unescape(member.post(f"/app/live/items/{item.pk}/remove/", follow=True).content.decode())
    assert "the room's only product" in refused and single.items.exists()
    (segment,) = all_ready(single)
    folder = Path(media_local_path(segment.media_dir))
    assert folder.exists()
    with django_capture_on_commit_callbacks(execute=True):
        deleted = member.post(f"/app/live/{single.pk}/delete/", follow=True)
    assert deleted.redirect_chain == [("/app/live/", 302)] and "Live room Solo deleted" in deleted.content.decode()
    assert not LiveRoom.objects.filter(pk=single.pk).exists() and not folder.exists()


def test_the_schedule_refreshes_itself(room, merchant):
    all_ready(room)
    services.live_playlist_advance(key=room.key)
    member = client_for(merchant)
    page = member.get(f"/app/live/{room.pk}/").content.decode()
    assert f'hx-get="/app/live/{room.pk}/?part=schedule" hx-trigger="every 5s"' in page
    part = member.get(f"/app/live/{room.pk}/", {"part": "schedule"}, HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<section id="schedule"')  # the section alone, swapped in place
    assert "Playing now" in part and "Ceramic Mug" in part and "<html" not in part
    assert "Take Ceramic Mug out of Kitchen live?" in part  # removing asks first


def test_another_merchants_room_and_items_are_404_and_untouched(room, other_merchant, products):
    outsider = client_for(other_merchant)
    item = room.items.first()
    for url, data in [
        (f"/app/live/{room.pk}/active/", {"active": "0"}),
        (f"/app/live/{room.pk}/delete/", {}),
        (f"/app/live/{room.pk}/items/", {"sku": "MUG-1"}),
        (f"/app/live/items/{item.pk}/move/", {"direction": "later"}),
        (f"/app/live/items/{item.pk}/remove/", {}),
    ]:
        assert outsider.post(url, data).status_code == 404, url
    room.refresh_from_db()
    assert room.is_active and _skus(room) == ["MUG-1", "TEE-2", "CAP-3"]


def test_a_viewer_cannot_change_a_room(room, merchant):
    from shop_video.tenancy.services import membership_add

    membership_add(merchant=merchant, email="viewer@acme.test", role="viewer")
    viewer = client_for(merchant, email="viewer@acme.test")
    page = viewer.get(f"/app/live/{room.pk}/").content.decode()
    assert "Stop the room" not in page and "Add a product" not in page
    assert viewer.post(f"/app/live/{room.pk}/delete/").status_code == 403
    assert LiveRoom.objects.filter(pk=room.pk).exists()
