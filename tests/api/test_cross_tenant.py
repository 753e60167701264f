"""Tenancy across the whole API: every route of the schema, called with another merchant's key on acme's ids,
answers 404 and changes nothing; every list shows the caller only its own data.

New routes with path parameters must be added to the acme fixture (tests/api/conftest.py): the test fails on an uncovered one."""

import json

import pytest

from catalog.models import Product
from generation.models import JobStatus, RenderJob
from shop_video.tenancy.models import BrandMusicTrack
from shop_video.webhooks.models import WebhookEndpoint
from tests.api.walk import schema_operations

pytestmark = pytest.mark.django_db

BODIES = {"patch": {"title": "stolen"}, "post": {}, "put": {}}


def test_every_route_with_acme_ids_is_404_for_another_merchant(acme, other_api):
    tried = []
    for path, method, names in schema_operations():
        if not names:
            continue
        missing = names - set(acme["values"])
        assert not missing, f"{method.upper()} {path}: add a value for {missing} to the acme fixture"
        url = path.format(**{name: acme["values"][name] for name in names})
        response = getattr(other_api, method)(url, BODIES.get(method), format="json")
        tried.append(f"{method.upper()} {path}")
        assert response.status_code == 404, (method, url, response.status_code, response.content[:300])
        assert response.json()["error"]["type"] == "not_found"
        for secret in ("whsec_", 'MUG-1"', "acme"):
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
    for url in (
        f"/api/v1/products/{values['ref']}",
        f"/api/v1/renders/{values['id']}",
        f"/api/v1/catalog/imports/{values['import_id']}",
        f"/api/v1/templates/{values['slug']}",
        f"/api/v1/webhooks/{values['endpoint_id']}",
        f"/api/v1/webhooks/{values['endpoint_id']}/secret",
        f"/api/v1/brand-kits/{values['kit_id']}",
        f"/api/v1/brand-kits/{values['kit_id']}/music-tracks",
        f"/api/v1/presenters/{values['slug']}",
    ):
        assert api.get(url).status_code == 200, url


def test_lists_show_another_merchant_nothing_of_acmes(acme, other_api):
    for path, method, names in schema_operations():
        if method != "get" or names:
            continue
        response = other_api.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        text = json.dumps(response.json())
        assert "MUG-1" not in text and "acme" not in text and acme["endpoint"].secret not in text, path
    assert RenderJob.objects.filter(merchant__slug="acme").exists()
