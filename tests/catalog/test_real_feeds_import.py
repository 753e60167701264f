"""Each real merchant export in shared/feeds imported into the database, checked against counts computed here
from the raw file with the standard library alone; then imported again, which must change nothing."""

import csv
import re
import xml.etree.ElementTree as StdlibET  # the files are ours and trusted; the importer itself uses defusedxml
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.importers import importer_detect
from catalog.importers.base import ImportOptions
from catalog.importing import catalog_import_run
from catalog.models import Product, ProductImage, Variant

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "feeds"
G = "{http://base.google.com/ns/1.0}"


@pytest.fixture(autouse=True)
def _no_fetching(monkeypatch):
    from catalog import tasks

    monkeypatch.setattr(tasks.product_images_fetch_fan_out, "apply_async", lambda args, **options: None)


def _feed(name: str) -> bytes:
    path = FEEDS / name
    if not path.is_file():
        pytest.skip(f"the real feeds are not here ({path}); CI has them in shared/feeds beside the checkout")
    return path.read_bytes()


def _urls(cell: str) -> list[str]:
    return [url.strip() for url in re.split(r"[,\s]+(?=https?://)", cell) if url.strip().startswith("http")]


def _import_twice(merchant, data: bytes, currency: str):
    importer = importer_detect(data)
    options = ImportOptions(default_currency=currency)
    first = catalog_import_run(merchant=merchant, importer=importer, source="feed", data=data, options=options)
    stamps = dict(Variant.objects.values_list("sku", "updated_at"))
    again = catalog_import_run(merchant=merchant, importer=importer, source="feed", data=data, options=options)
    assert (again.created_count, again.updated_count, again.failed_count) == (0, 0, 0)
    assert again.unchanged_count == first.created_count
    assert dict(Variant.objects.values_list("sku", "updated_at")) == stamps
    return importer, first


def test_google_merchant_feed(merchant):
    data = _feed("google_merchant_feed.xml")
    items = StdlibET.fromstring(data).iter("item")
    expected_prices, expected_images = {}, {}
    for item in items:
        sku = item.findtext(f"{G}id").strip()
        amount, currency = item.findtext(f"{G}price").split()
        expected_prices[sku] = (Decimal(amount), currency)
        key = (item.findtext(f"{G}item_group_id") or sku).strip()
        urls = [item.findtext(f"{G}image_link").strip()]
        urls += [url for element in item.findall(f"{G}additional_image_link") for url in _urls(element.text or "")]
        expected_images.setdefault(key, set()).update(urls)
    importer, record = _import_twice(merchant, data, "GBP")
    assert importer.name == "google_xml" and record.failed_count == 0
    assert {v.sku: (v.price, v.currency) for v in Variant.objects.all()} == expected_prices
    stored = {}
    for product_key, url in ProductImage.objects.values_list("product__key", "source_url"):
        stored.setdefault(product_key, set()).add(url)
    assert stored == expected_images and Product.objects.count() == len(expected_images)


def test_meta_catalog_feed(merchant):
    data = _feed("meta_catalog_feed.csv")
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    importer, record = _import_twice(merchant, data, "JPY")
    assert importer.name == "meta_csv" and record.failed_count == 0
    assert Variant.objects.count() == len(rows) == Product.objects.count()
    for row in rows:
        variant = Variant.objects.get(sku=row["id"])
        amount, currency = row["price"].split()
        assert (variant.price, variant.currency) == (Decimal(amount), currency)
        assert variant.availability == ("out_of_stock" if row["availability"] == "out of stock" else "in_stock")
        urls = {row["image_link"], *_urls(row["additional_image_link"])}
        assert set(variant.product.images.values_list("source_url", flat=True)) == urls


def test_shopify_products_export(merchant):
    data = _feed("shopify_products_export.csv")
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines(keepends=True)))
    handles = {row["Handle"] for row in rows}
    variant_rows = [row for row in rows if row["Variant Price"].strip()]
    skus = {row["Variant SKU"].lstrip("'") for row in variant_rows if row["Variant SKU"].strip()}
    images = {(row["Handle"], row["Image Src"]) for row in rows if row["Image Src"].strip()}
    importer, record = _import_twice(merchant, data, "USD")
    assert importer.name == "shopify_csv" and record.failed_count == 0
    assert set(Product.objects.values_list("key", flat=True)) == handles
    stored_skus = set(Variant.objects.values_list("sku", flat=True))
    assert skus <= stored_skus and len(stored_skus) == len(variant_rows)  # the rest are blank-SKU fallbacks
    assert set(ProductImage.objects.values_list("product__key", "source_url")) == images
    for row in variant_rows:
        if row["Variant SKU"].strip():
            assert Variant.objects.get(sku=row["Variant SKU"].lstrip("'")).price == Decimal(row["Variant Price"])
