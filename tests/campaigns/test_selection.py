"""A campaign's selection: the importers fill category and tags where the feed has them, and each filter (and
the SKU list) picks exactly the products it names."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.importers import importer_get
from catalog.importers.base import ImportOptions
from catalog.importers.values import tags_split
from catalog.importing import catalog_import_run
from catalog.models import Product, Variant
from generation.campaigns.selection import selection_clean, selection_products
from tests import factories

pytestmark = pytest.mark.django_db

SHOPIFY = (
    b"Handle,Title,Vendor,Product Category,Type,Tags,Variant SKU,Variant Price,Status\n"
    b'mug,Mug,Acme,Home & Garden > Kitchen > Mugs,Mugs,"summer, Sale ,summer",MUG-1,12.00,active\n'
    b"tee,Tee,Globex,Apparel > Shirts,Shirts,winter,TEE-1,30.00,active\n"
    b"old,Old,Acme,Home & Garden > Kitchen,Mugs,summer,OLD-1,5.00,archived\n"
)


@pytest.fixture
def imported(merchant, monkeypatch):
    from catalog import tasks

    monkeypatch.setattr(tasks.product_images_fetch_fan_out, "apply_async", lambda args, **options: None)
    run = catalog_import_run(
        merchant=merchant,
        importer=importer_get("shopify_csv"),
        source="shopify.csv",
        data=SHOPIFY,
        options=ImportOptions(default_currency="USD"),
    )
    assert run.failed_count == 0, run.errors
    return merchant


def test_the_shopify_importer_fills_category_and_tags(imported):
    mug = Product.objects.get(key="mug")
    assert mug.category == "Home & Garden > Kitchen > Mugs" and mug.tags == ["summer", "Sale"]
    assert tags_split(" , a," + "b" * 150) == ["a", "b" * 100]


@pytest.mark.parametrize(
    ("selection", "keys"),
    [
        ({"all": True}, ["mug", "tee"]),  # archived products are never selected
        ({"category": "kitchen"}, ["mug"]),  # any level of the path
        ({"collection": "Apparel"}, ["tee"]),
        ({"tag": "summer"}, ["mug"]),
        ({"vendor": "globex"}, ["tee"]),
        ({"product_type": "Mugs"}, ["mug"]),
        ({"price_min": "20"}, ["tee"]),
        ({"price_max": "20", "tag": "summer"}, ["mug"]),
        ({"has_photos": False}, ["mug", "tee"]),
        ({"skus": ["TEE-1", "old", "nope"]}, ["tee"]),  # a SKU or a handle; an archived one never
    ],
)
def test_each_filter_picks_what_it_names(imported, selection, keys):
    found = selection_products(merchant=imported, selection=selection_clean(selection))
    assert sorted(found.values_list("key", flat=True)) == keys


def test_in_stock_photos_and_changed_since(merchant):
    with_photo = factories.product_make(merchant=merchant, sku="A-1", photos=1)
    bare = factories.product_make(merchant=merchant, sku="B-1", photos=0)
    Variant.objects.filter(product=bare).update(availability=Variant.Availability.OUT_OF_STOCK, price=Decimal("3"))
    Product.objects.filter(pk=with_photo.pk).update(updated_at=timezone.now() - timedelta(days=9))
    pick = lambda selection: list(  # noqa: E731
        selection_products(merchant=merchant, selection=selection_clean(selection)).values_list("key", flat=True)
    )
    assert pick({"in_stock": True}) == ["a-1"]
    assert pick({"has_photos": True}) == ["a-1"] and pick({"has_photos": False}) == ["b-1"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert pick({"changed_since": since}) == ["b-1"]
    with pytest.raises(ValidationError, match="with its zone"):
        selection_clean({"changed_since": "2026-01-01T00:00:00"})
