import pytest

from catalog.models import CatalogImport
from generation.campaigns.services import campaign_create
from generation.models import VideoTemplate
from generation.services.render_jobs import render_job_create
from shop_video.live.models import LiveRoom
from shop_video.live.push.services import live_destination_create
from shop_video.tenancy.models import BrandMusicTrack
from shop_video.tenancy.selectors import brand_kit_default
from shop_video.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import factories


@pytest.fixture
def acme(merchant, product_with_photos, builtin_templates, sent_tasks):
    """One of everything acme owns; `values` fills every path parameter of the schema with acme's ids."""
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1")
    template = VideoTemplate.objects.create(
        merchant=merchant,
        slug="acme-only",
        name="Acme only",
        spec={"scenes": [{"type": "product_shots", "duration": 2}]},
    )
    factories.presenter_make(merchant=merchant, slug=template.slug)  # {slug} of the presenter routes too
    record = CatalogImport.objects.create(merchant=merchant, source="feed.csv", format="plain_csv")
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant, url="https://hooks.acme.example/video", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    )
    delivery = WebhookDelivery.objects.create(
        merchant=merchant,
        endpoint=endpoint,
        url=endpoint.url,
        event="render.succeeded",
        message_id="msg_acme",
        body="{}",
        status=WebhookDelivery.Status.FAILED,
    )
    kit = brand_kit_default(merchant=merchant)
    track = BrandMusicTrack.objects.create(kit=kit, name="theme", file="brand/music/theme.wav")
    live_room = LiveRoom.objects.create(merchant=merchant, slug="acme-live", name="Acme live")
    destination = live_destination_create(
        room=live_room, name="Douyin", url="rtmps://93.184.215.14:443/live", stream_key="live_1234567890abcdef"
    )
    campaign = campaign_create(merchant=merchant, name="Acme", template="product-showcase", selection={"all": True})
    values = {
        "campaign_id": campaign.pk,
        "import_id": record.pk,
        "ref": "MUG-1",
        "sku": "MUG-1",
        "id": job.pk,
        "slug": template.slug,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "kit_id": kit.pk,
        "track_id": track.pk,
        "room_id": live_room.pk,
        "destination_id": destination.pk,
    }
    return {"values": values, "job": job, "product": product_with_photos, "endpoint": endpoint, "template": template}
