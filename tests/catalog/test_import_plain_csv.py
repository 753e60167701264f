from decimal import Decimal

import pytest

from catalog import limits
from catalog.importers import importer_get
from catalog.importing import catalog_import_run
from catalog.models import CatalogImport, Product, ProductImage, Variant
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "sku,title,description,price,currency,image\n"


def _import(merchant, text: str | bytes, base_dir=None):
    data = text if isinstance(text, bytes) else text.encode()
    return catalog_import_run(
        merchant=merchant, importer=importer_get("plain_csv"), source="feed.csv", data=data, base_dir=base_dir
    )


def test_rows_become_products_with_variants_and_photos(merchant, tmp_path):
    (tmp_path / "mug.jpg").write_bytes(factories.photo_bytes())
    record = _import(
        merchant,
        HEADER + 'MUG-1,Blue Mug,"Holds 300 ml, dishwasher safe",24.00,usd,mug.jpg\nTEE-1,Tee,,1299.5,EUR,\n',
        base_dir=tmp_path,
    )
    assert (record.status, record.created_count, record.failed_count, record.errors) == ("succeeded", 2, 0, [])
    mug = Variant.objects.get(merchant=merchant, sku="MUG-1")
    assert (mug.price, mug.currency, mug.product.description) == (
        Decimal("24.00"),
        "USD",
        "Holds 300 ml, dishwasher safe",
    )
    image = mug.product.images.get()
    assert image.status == ProductImage.Status.READY and len(image.sha256) == 64 and image.width == 320


def test_reimporting_the_same_feed_changes_nothing_and_a_new_price_updates(merchant, tmp_path):
    (tmp_path / "mug.jpg").write_bytes(factories.photo_bytes())
    feed = HEADER + "MUG-1,Blue Mug,,24.00,USD,mug.jpg\n"
    _import(merchant, feed, base_dir=tmp_path)
    again = _import(merchant, feed, base_dir=tmp_path)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 1)
    assert ProductImage.objects.count() == 1  # the same photo is not stored twice
    changed = _import(merchant, feed.replace("24.00", "19.99"), base_dir=tmp_path)
    assert (changed.updated_count, changed.unchanged_count) == (1, 0)
    assert Variant.objects.get(sku="MUG-1").price == Decimal("19.99")


def test_bad_rows_are_reported_by_number_and_good_rows_are_kept(merchant, tmp_path):
    (tmp_path / "notes.jpg").write_bytes(b"this is not a photo")
    record = _import(
        merchant,
        HEADER
        + "OK-1,Good,,10,USD,\n"
        + "BAD-1,Bad price,,ten dollars,USD,\n"
        + ",No SKU,,10,USD,\n"
        + "BAD-3,Bad currency,,10,dollars,\n"
        + "OK-2,Good but bad photo,,10,USD,notes.jpg\n"
        + "OK-3,Too,many,cells,10,USD,x\n",
        base_dir=tmp_path,
    )
    assert record.status == CatalogImport.Status.SUCCEEDED
    # Five rows have an error; the one with a bad photo still imports its product.
    assert record.created_count == 2 and record.failed_count == 5
    errors = {(e["row"], e["field"]): e["message"] for e in record.errors}
    assert errors[(3, "price")] == "price 'ten dollars' is not a number: write it like 24.00 or 24.00 EUR"
    assert errors[(4, "sku")] == "sku is empty: every row needs its sku"
    assert (
        errors[(5, "currency")] == "currency 'dollars' is not a 3-letter currency code: write one like USD, EUR or GBP"
    )
    assert errors[(6, "image")].startswith("notes.jpg: not a readable image")
    assert errors[(7, "")] == "has 7 cells but the header has 6: quote cells that contain the delimiter"
    assert set(Product.objects.values_list("key", flat=True)) == {"OK-1", "OK-2"}


def test_a_file_without_the_required_columns_fails_the_import_with_what_to_add(merchant):
    record = _import(merchant, "name,cost\nMug,3\n")
    assert record.status == CatalogImport.Status.FAILED
    assert record.error == (
        "nothing gives the sku, title, price: map them to your columns, or name the columns "
        "sku, title, price. The file has: name, cost"
    )
    assert Product.objects.count() == 0


def test_windows_1252_and_bom_files_are_read(merchant):
    _import(merchant, "\ufeff" + HEADER + "CAFE-1,Café crème,,3,EUR,\n")
    _import(merchant, (HEADER + "CAFE-2,Crème brûlée,,4,EUR,\n").encode("cp1252"))
    assert set(Product.objects.values_list("title", flat=True)) == {"Café crème", "Crème brûlée"}


def test_local_paths_are_refused_when_not_importing_from_the_command_line(merchant, tmp_path):
    (tmp_path / "mug.jpg").write_bytes(factories.photo_bytes())
    record = _import(merchant, HEADER + f"MUG-1,Mug,,5,USD,{tmp_path / 'mug.jpg'}\n", base_dir=None)
    assert record.created_count == 1
    assert record.errors[0]["message"].endswith("only http(s) image URLs are accepted here")


def test_overlong_fields_are_row_errors_not_truncated(merchant):
    record = _import(merchant, HEADER + f"LONG-1,{'x' * 501},,5,USD,\nOK-1,Fine,,5,USD,\n")
    assert record.errors == [
        {
            "row": 2,
            "field": "title",
            "message": "title is 501 characters long; shorten it to 500 or fewer",
            "ref": "LONG-1",
        }
    ]
    assert record.created_count == 1


def test_a_description_past_the_limit_is_a_row_error_and_the_rest_imports(merchant):
    long_description = "y" * (limits.DESCRIPTION_MAX_CHARS + 1)
    record = _import(merchant, HEADER + f"LONG-2,Mug,{long_description},5,USD,\nOK-2,Fine,,5,USD,\n")
    assert [(error["field"], error["ref"]) for error in record.errors] == [("description", "LONG-2")]
    assert f"shorten it to {limits.DESCRIPTION_MAX_CHARS} or fewer" in record.errors[0]["message"]
    assert record.created_count == 1
