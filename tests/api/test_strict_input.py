"""What every API input shares (shop_video/api/serializers.py): an unknown field is refused in one shape, naming
it and the accepted fields, on every route that takes a body; ids beyond the database's range are plain 404s."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method, url, body, noun",
    [
        ("post", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/h", "secret": "mine"}, "webhook endpoint"),
        ("patch", "/api/v1/products/MUG-1", {"titel": "typo"}, "product"),
        ("post", "/api/v1/templates", {"slug": "s", "name": "S", "spec": {"scenes": []}, "titel": "typo"}, "template"),
        ("post", "/api/v1/renders", {"template": "product-showcase", "sku": "MUG-1", "titel": "typo"}, "render"),
        ("post", "/api/v1/presenters", {"name": "Mia", "titel": "typo"}, "presenter"),
        ("post", "/api/v1/brand-kits", {"name": "Summer", "titel": "typo"}, "brand kit"),
    ],
)
def test_an_unknown_field_is_refused_naming_it_and_the_accepted_ones(
    api, product_with_photos, settings, method, url, body, noun
):
    settings.IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    (name,) = set(body) - {"url", "slug", "name", "spec", "template", "sku"}
    assert error["type"] == "validation_error" and list(error["fields"]) == [name]
    message = error["fields"][name][0]
    assert message.startswith(f"{name} is not a {noun} field; send any of ")
    assert "name" in message or "title" in message or "url" in message or "template" in message


def test_a_webhook_with_an_unknown_field_is_not_created(api, settings):
    from shop_video.webhooks.models import WebhookEndpoint

    settings.IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    response = api.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/h", "event": "render.succeeded"}, format="json")
    assert response.status_code == 400 and "events" in response.json()["error"]["fields"]["event"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["/api/v1/renders/{id}", "/api/v1/catalog/imports/{id}", "/api/v1/webhooks/{id}", "/api/v1/brand-kits/{id}"]
)
def test_ids_beyond_the_database_range_are_404(api, url):
    response = api.get(url.format(id=2**63))
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"
