"""API keys and the API's common behaviour: who may call, for which merchant, how errors and limits look."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from shop_video.api.models import MerchantApiKey
from shop_video.api.services import api_key_revoke
from shop_video.tenancy.services import membership_add

pytestmark = pytest.mark.django_db


def test_a_key_acts_for_its_merchant(api, merchant):
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "merchant": "acme",
        "merchant_name": merchant.name,
        "auth": "api_key",
        "key_prefix": api.key.split(".")[0],
    }


def test_keys_are_hashed_at_rest_and_only_the_prefix_is_visible(api):
    stored = MerchantApiKey.objects.get()
    prefix, _, secret = api.key.partition(".")
    assert stored.prefix == prefix and secret
    assert secret not in stored.hashed_key and secret not in stored.id
    assert stored.hashed_key.startswith("sha512$$")


def test_create_api_key_prints_the_key_once_alone_on_its_last_line(merchant, capsys):
    call_command("create_api_key", "--merchant", "acme", "--name", "storefront")
    lines = capsys.readouterr().out.strip().splitlines()
    key = lines[-1]
    assert "." in key and " " not in key
    assert MerchantApiKey.objects.get(prefix=key.split(".")[0]).name == "storefront"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/me").json()["merchant"] == "acme"


def test_an_unknown_merchant_is_refused_by_the_command(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nosuch"):
        call_command("create_api_key", "--merchant", "nosuch")


@pytest.mark.parametrize("header", [None, "Api-Key ", "Api-Key nonsense.key", "Bearer abc"])
def test_missing_or_bad_credentials_are_401_with_the_error_shape(db, header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    error = response.json()["error"]
    assert error["type"] in ("authentication_failed", "not_authenticated")
    assert "key" in error["message"].lower()  # says what to send


def test_a_revoked_key_stops_working_at_once(api, merchant):
    assert api.get("/api/v1/me").status_code == 200
    assert api_key_revoke(merchant=merchant, prefix=api.key.split(".")[0])
    response = api.get("/api/v1/me")
    assert response.status_code == 401 and "revoked" in response.json()["error"]["message"]


def test_a_signed_in_member_acts_for_their_merchant(merchant, other_merchant):
    membership_add(merchant=other_merchant, email="ops@example.com", role="owner", password="pw-123456789")
    client = APIClient()
    assert client.login(username="ops@example.com", password="pw-123456789")
    assert client.get("/api/v1/me").json() == {
        "merchant": "globex",
        "merchant_name": other_merchant.name,
        "auth": "session",
        "key_prefix": None,
    }


def test_a_signed_in_user_without_a_merchant_is_refused(django_user_model):
    django_user_model.objects.create_user(username="nobody", password="pw-123456789")
    client = APIClient()
    client.login(username="nobody", password="pw-123456789")
    response = client.get("/api/v1/me")
    assert response.status_code == 403 and response.json()["error"]["type"] == "permission_denied"


def test_each_key_is_throttled_on_its_own(api, other_api):
    from shop_video.api.throttling import ApiKeyRateThrottle

    cache.clear()
    # The rate is read once into the class (DRF), so the test sets it there.
    original = ApiKeyRateThrottle.THROTTLE_RATES
    ApiKeyRateThrottle.THROTTLE_RATES = {"api": "3/min"}
    try:
        assert [api.get("/api/v1/me").status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = api.get("/api/v1/me")
        assert limited.json()["error"]["type"] == "rate_limited" and int(limited["Retry-After"]) > 0
        assert other_api.get("/api/v1/me").status_code == 200  # another key has its own budget
    finally:
        ApiKeyRateThrottle.THROTTLE_RATES = original
        cache.clear()


def test_the_schema_and_docs_are_served(db):
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/me" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()  # served from our static files: works without internet


def test_nested_field_errors_are_flattened_with_their_path():
    from shop_video.api.exceptions import _error_body

    body = _error_body(
        400,
        {
            "skus": {1: ["Unknown SKU 'X'."]},
            "metadata": [{"key": ["Too long."]}],
            "non_field_errors": ["Check the body."],
        },
    )
    assert body["fields"] == {"skus[1]": ["Unknown SKU 'X'."], "metadata[0].key": ["Too long."]}
    assert body["message"].startswith("Check the body.") and "skus[1]: Unknown SKU 'X'." in body["message"]


def test_a_keys_last_use_is_recorded_to_the_minute(api, merchant):
    from datetime import timedelta

    from django.utils import timezone

    from shop_video.api.models import MerchantApiKey

    api.get("/api/v1/me")
    key = MerchantApiKey.objects.get(merchant=merchant)
    first = key.last_used_at
    assert first is not None
    api.get("/api/v1/me")
    key.refresh_from_db()
    assert key.last_used_at == first  # no write per request
    MerchantApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/v1/me")
    key.refresh_from_db()
    assert timezone.now() - key.last_used_at < timedelta(minutes=1)
