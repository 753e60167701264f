"""Tenancy across the whole API: every route of the schema, called with another merchant's key on acme's ids,
answers 404 and changes nothing; every list shows the caller only its own data.

New routes with path parameters must be added to ACME_IDS below: the test fails on an uncovered one."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from catalog.models import CatalogImport, Product
from generation.models import JobStatus, RenderJob, VideoTemplate
from generation.services import render_job_create
from shop_video.tenancy.models import BrandMusicTrack
from shop_video.tenancy.selectors import brand_kit_default
from shop_video.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import factories

pytestmark = pytest.mark.django_db

BODIES = {"patch": {"title": "stolen"}, "post": {}, "put": {}}


@pytest.fixture
def acme(merchant, product_with_photos, builtin_templates, sent_tasks):
    """One of everything acme owns."""
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1")
    template = VideoTemplate.objects.create(merchant=merchant, slug="acme-only", name="Acme only",
                                            spec={"scenes": [{"type": "product_shots", "duration": 2}]})
    factories.presenter_make(merchant=merchant, slug=template.slug)  # {slug} of the presenter routes too
    record = CatalogImport.objects.create(merchant=merchant, source="feed.csv", format="plain_csv")
    endpoint = WebhookEndpoint.objects.create(merchant=merchant, url="https://hooks.acme.example/video",
                                              secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    delivery = WebhookDelivery.objects.create(merchant=merchant, endpoint=endpoint, url=endpoint.url,
                                              event="render.succeeded", message_id="msg_acme", body="{}",
                                              status=WebhookDelivery.Status.FAILED)
    kit = brand_kit_default(merchant=merchant)
    track = BrandMusicTrack.objects.create(kit=kit, name="theme", file="brand/music/theme.wav")
    values = {"import_id": record.pk, "ref": "MUG-1", "sku": "MUG-1", "id": job.pk, "slug": template.slug,
              "endpoint_id": endpoint.pk, "delivery_id": delivery.pk, "kit_id": kit.pk, "track_id": track.pk}
    return {"values": values, "job": job, "product": product_with_photos, "endpoint": endpoint,
            "template": template}


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict):
                yield path, method, {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}


def test_every_route_with_acme_ids_is_404_for_another_merchant(acme, other_api):
    tried = []
    for path, method, names in _operations():
        if not names:
            continue
        missing = names - set(acme["values"])
        assert not missing, f"{method.upper()} {path}: add a value for {missing} to the acme fixture"
        url = path.format(**{name: acme["values"][name] for name in names})
        response = getattr(other_api, method)(url, BODIES.get(method), format="json")
        tried.append(f"{method.upper()} {path}")
        assert response.status_code == 404, (method, url, response.status_code, response.content[:300])
        assert response.json()["error"]["type"] == "not_found"
        for secret in ("whsec_", "MUG-1\"", "acme"):
            assert secret not in response.content.decode().replace(url, ""), (method, url)
    assert len(tried) >= 12, tried
    # And nothing changed.
    acme["job"].refresh_from_db()
    acme["product"].refresh_from_db()
    assert acme["job"].status == JobStatus.QUEUED and acme["product"].status == Product.Status.ACTIVE
    assert acme["product"].title != "stolen" and WebhookEndpoint.objects.filter(pk=acme["endpoint"].pk).exists()
    assert BrandMusicTrack.objects.filter(pk=acme["values"]["track_id"]).exists()


def test_the_same_ids_work_for_their_owner(acme, api):
    # The 404s above are about ownership, not about bad ids.
    values = acme["values"]
    for url in (f"/api/v1/products/{values['ref']}", f"/api/v1/renders/{values['id']}",
                f"/api/v1/catalog/imports/{values['import_id']}", f"/api/v1/templates/{values['slug']}",
                f"/api/v1/webhooks/{values['endpoint_id']}", f"/api/v1/webhooks/{values['endpoint_id']}/secret",
                f"/api/v1/brand-kits/{values['kit_id']}", f"/api/v1/brand-kits/{values['kit_id']}/music-tracks",
                f"/api/v1/presenters/{values['slug']}"):
        assert api.get(url).status_code == 200, url


def test_lists_show_another_merchant_nothing_of_acmes(acme, other_api):
    for path, method, names in _operations():
        if method != "get" or names:
            continue
        response = other_api.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        text = json.dumps(response.json())
        assert "MUG-1" not in text and "acme" not in text and acme["endpoint"].secret not in text, path
    assert RenderJob.objects.filter(merchant__slug="acme").exists()
