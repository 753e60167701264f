"""A SKU on several products (issue 16) through the API, the live rooms and the import report; the merchant's
default currency on create_merchant and the merchant API."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from catalog.models import Product
from catalog.services import VariantFields, product_upsert
from shop_video.tenancy.models import Merchant

pytestmark = pytest.mark.django_db

AMBIGUOUS = "SKU 'PIN-SMA' is on 2 products: name one by handle or id instead (pine-candle, pine-smoke-candle)."


@pytest.fixture
def candles(merchant):
    """Two candles sharing the SKU PIN-SMA, as a Shopify store may have them."""
    for handle, price in (("pine-candle", "12.00"), ("pine-smoke-candle", "14.00")):
        product_upsert(
            merchant=merchant,
            key=handle,
            title=handle.replace("-", " ").title(),
            variants=[VariantFields(sku="PIN-SMA", key=f"{handle}-Small", price=Decimal(price), currency="USD")],
        )
    return merchant


def test_the_storefront_videos_of_an_ambiguous_sku_are_a_400_naming_the_handles(api, candles):
    response = api.get("/api/v1/products/PIN-SMA/videos")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["sku"] == [AMBIGUOUS]
    by_handle = api.get("/api/v1/products/pine-smoke-candle/videos")
    assert by_handle.status_code == 200 and by_handle.json()["videos"] == []
    assert api.get("/api/v1/products/NOPE/videos").status_code == 404


def test_the_catalog_api_names_a_product_by_handle_and_refuses_an_ambiguous_sku(api, candles):
    response = api.get("/api/v1/products/PIN-SMA")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["ref"] == [
        "SKU 'PIN-SMA' is on 2 products: name one by handle or id instead (key:pine-candle, key:pine-smoke-candle)."
    ]
    pine = Product.objects.get(key="pine-candle")
    for ref in ("pine-candle", "key:pine-candle", f"id:{pine.pk}"):
        response = api.get(f"/api/v1/products/{ref}")
        assert response.status_code == 200 and response.json()["id"] == pine.pk, ref


def test_a_live_room_refuses_an_ambiguous_sku_with_the_handles(candles, builtin_templates):
    from shop_video.live.services import live_room_create

    with pytest.raises(ValidationError) as caught:
        live_room_create(merchant=candles, name="Candles", skus=["PIN-SMA"])
    assert AMBIGUOUS in caught.value.messages


def test_create_merchant_sets_the_default_currency_and_refuses_a_bad_one(db):
    call_command("create_merchant", "candle-shop", "--currency", "eur")
    assert Merchant.objects.get(slug="candle-shop").default_currency == "EUR"
    with pytest.raises(Exception, match="not a 3-letter currency code"):
        call_command("create_merchant", "other-shop", "--currency", "euro")
    assert not Merchant.objects.filter(slug="other-shop").exists()


def test_the_merchant_api_reads_and_changes_the_default_currency(api, merchant):
    assert api.get("/api/v1/merchant").json() == {"slug": "acme", "name": merchant.name, "default_currency": "USD"}
    changed = api.patch("/api/v1/merchant", {"default_currency": "gbp"}, format="json")
    assert changed.status_code == 200 and changed.json()["default_currency"] == "GBP"
    merchant.refresh_from_db()
    assert merchant.default_currency == "GBP"
    refused = api.patch("/api/v1/merchant", {"default_currency": "pounds"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["default_currency"] == [
        "Write a 3-letter currency code like USD, EUR or GBP."
    ]
    assert api.patch("/api/v1/merchant", {"slug": "x"}, format="json").status_code == 400


def test_the_dashboard_sets_the_default_currency_for_editors_only(merchant):
    from shop_video.tenancy.models import Membership
    from shop_video.tenancy.services import membership_add
    from tests.dashboard.conftest import client_for

    owner = client_for(merchant)
    page = owner.get("/app/imports/").content.decode()
    assert 'name="default_currency"' in page and 'value="USD"' in page
    saved = owner.post("/app/imports/currency/", {"default_currency": "eur"})
    assert saved.status_code == 302 and saved["Location"] == "/app/imports/"
    merchant.refresh_from_db()
    assert merchant.default_currency == "EUR"
    refused = owner.post("/app/imports/currency/", {"default_currency": "euros"})
    assert (
        refused.status_code == 400
        and "Write a 3-letter currency code like USD, EUR or GBP." in refused.content.decode()
    )
    membership_add(merchant=merchant, email="viewer@acme.test", role=Membership.Role.VIEWER)
    viewer = client_for(merchant, email="viewer@acme.test")
    assert viewer.post("/app/imports/currency/", {"default_currency": "GBP"}).status_code == 403
    merchant.refresh_from_db()
    assert merchant.default_currency == "EUR"


def test_a_photo_file_named_after_an_ambiguous_sku_matches_no_product_but_its_handle_does(candles):
    from catalog.selectors import product_by_name

    assert product_by_name(merchant=candles, name="pin-sma") is None
    assert product_by_name(merchant=candles, name="Pine-Candle").key == "pine-candle"
