"""Sending live segment cuts: on the render queue; a broker that cannot be reached fails the segment with the
reason (shop_video/queues.py)."""

import pytest
from kombu.exceptions import OperationalError

from shop_video.live import services
from shop_video.live.dispatch import segment_cut_send
from shop_video.live.models import LiveSegment
from shop_video.live.tasks import live_segment_cut
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(merchant, builtin_templates, sent_tasks, django_capture_on_commit_callbacks):
    factories.product_make(merchant=merchant, sku="MUG-1")
    with django_capture_on_commit_callbacks(execute=True):
        room = services.live_room_create(
            merchant=merchant, name="Kitchen live", skus=["MUG-1"], template_slug="quick-bumper", short_side=64
        )
    return LiveSegment.objects.get(item__room=room)


def test_a_cut_goes_to_the_render_queue(segment, monkeypatch):
    sent = []
    monkeypatch.setattr(live_segment_cut, "apply_async", lambda args, queue, countdown=None: sent.append((args, queue)))
    segment_cut_send(segment_id=segment.pk)
    assert sent == [((segment.pk,), "render")]


def test_a_cut_that_cannot_be_sent_fails_the_segment_with_the_reason(segment, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(live_segment_cut, "apply_async", broker_down)
    segment_cut_send(segment_id=segment.pk)
    segment.refresh_from_db()
    assert segment.status == LiveSegment.Status.FAILED
    assert segment.error == (
        "the task queue could not be reached ([Errno 111] Connection refused); check CELERY_BROKER_URL"
    )
