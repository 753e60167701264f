"""The batch upsert behind every feed format, driven by a stub importer so only importing.py is under test."""

from decimal import Decimal

import pytest
from django.db import DatabaseError

from catalog import importing
from catalog.importers.base import ParsedProduct, ParsedVariant, RowError
from catalog.importing import catalog_import_run
from catalog.models import CatalogImport, Product, ProductImage, Variant
from tests import factories

pytestmark = pytest.mark.django_db


class StubImporter:
    name, label = "stub", "Stub"

    def __init__(self, items):
        self.items = items

    def sniff(self, head):
        return True

    def parse(self, data, *, options):
        yield from self.items


def product(key, *skus, price="10.00", title=None, images=(), row=2, status="active"):
    return ParsedProduct(
        row_number=row,
        key=key,
        title=title or f"Product {key}",
        status=status,
        image_urls=list(images),
        variants=[ParsedVariant(sku=sku, price=Decimal(price), currency="EUR") for sku in skus],
    )


def run(merchant, items, **kwargs):
    return catalog_import_run(merchant=merchant, importer=StubImporter(items), source="stub", data=b"", **kwargs)


@pytest.fixture
def fetches(monkeypatch):
    """The fetch messages an import sends (one per batch of new or failed photos). The test's transaction never
    commits, so on-commit callbacks run at once here."""
    from catalog import tasks

    sent = []
    monkeypatch.setattr(
        tasks.product_images_fetch_fan_out, "apply_async", lambda args, queue, **options: sent.append(list(args[0]))
    )
    monkeypatch.setattr(importing.transaction, "on_commit", lambda callback, **kwargs: callback())
    return sent


def test_created_updated_unchanged_and_reimport_is_a_no_op(merchant, fetches):
    feed = [product("a", "A-1", "A-2", images=["https://cdn.test/a.jpg"]), product("b", "B-1")]
    first = run(merchant, feed)
    assert (first.created_count, first.updated_count, first.unchanged_count, first.status) == (2, 0, 0, "succeeded")
    stamps = dict(Variant.objects.values_list("sku", "updated_at"))
    again = run(merchant, feed)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert dict(Variant.objects.values_list("sku", "updated_at")) == stamps  # nothing was written
    changed = run(
        merchant, [product("a", "A-1", "A-2", price="9.50", images=["https://cdn.test/a.jpg"]), product("b", "B-1")]
    )
    assert (changed.updated_count, changed.unchanged_count) == (1, 1)
    assert Variant.objects.get(sku="A-2").price == Decimal("9.50")
    assert ProductImage.objects.count() == 1 and fetches == [[ProductImage.objects.get().pk]]


def test_batches_of_any_size_give_the_same_result(merchant, fetches, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    feed = [product(f"p{i}", f"S-{i}", row=i + 2) for i in range(5)] + [product("p0", "S-0", price="1", row=9)]
    record = run(merchant, feed)
    assert Product.objects.count() == 5 and Variant.objects.get(sku="S-0").price == Decimal("1")
    assert record.created_count + record.updated_count == 6  # p0 created in batch 1, updated in batch 3


def test_a_sku_on_two_products_imports_both_and_is_a_note(merchant, fetches):
    record = run(merchant, [product("a", "DUP", row=2), product("b", "DUP", row=5), product("c", "C-1", row=6)])
    assert record.errors == [] and record.created_count == 3
    assert sorted(Variant.objects.filter(sku="DUP").values_list("product__key", flat=True)) == ["a", "b"]
    assert record.notes == [
        "SKU 'DUP' is on 2 products (a, b): all were imported; name one by its handle or id where a SKU is asked "
        "for (renders, the API, live rooms)."
    ]


def test_variants_are_upserted_by_their_key_within_the_product_and_legacy_ones_adopted_by_sku(merchant, fetches):
    # A variant stored before variants had keys has its SKU as its key (migration 0004).
    legacy = factories.product_make(merchant=merchant, sku="MUG-1", photos=0)
    legacy.key = "mug"
    legacy.save()
    stored = legacy.variants.get()
    keyed = product("mug", "MUG-1", price="7.00")
    keyed.variants[0].key = "id:17"
    record = run(merchant, [keyed])
    assert (record.created_count, record.updated_count) == (0, 1)
    assert list(Variant.objects.values_list("pk", "key", "sku", "price")) == [
        (stored.pk, "id:17", "MUG-1", Decimal("7.00"))
    ]
    renamed = product("mug", "MUG-NEW", price="7.00")  # a new SKU on the same variant: the key holds it
    renamed.variants[0].key = "id:17"
    run(merchant, [renamed])
    assert list(Variant.objects.values_list("pk", "sku")) == [(stored.pk, "MUG-NEW")]


def test_a_variant_twice_in_a_product_and_numbers_out_of_range_are_row_errors(merchant, fetches):
    twice = product("t", "T-1", "T-1", row=2)
    huge = product("h", "H-1", price="12345678901.00", row=3)
    fine = product("f", "F-1", price="9999999999.9999", row=4)
    record = run(merchant, [twice, huge, fine])
    assert record.errors == [
        {
            "row": 2,
            "field": "sku",
            "message": "the product is the same variant ('T-1') twice: give each variant its own SKU",
            "ref": "t",
        },
        {
            "row": 3,
            "field": "price",
            "message": "price 12345678901.00 is too large: the most is 9999999999.9999 (14 digits, 4 after the point)",
            "ref": "h",
        },
    ]
    assert list(Variant.objects.values_list("sku", "price")) == [("F-1", Decimal("9999999999.9999"))]


def test_row_errors_from_the_parser_are_kept_with_the_good_rows(merchant, fetches):
    record = run(
        merchant,
        [
            RowError(3, "price", "price 'x' is not a number"),
            product("a", "A-1"),
            product("b", "B-1", title="x" * 501, row=7),
            product("c"),
        ],
    )
    assert {(e["row"], e["field"]) for e in record.errors} == {(3, "price"), (7, "title"), (2, "")}
    assert record.failed_count == 3 and list(Product.objects.values_list("key", flat=True)) == ["a"]


def test_a_product_the_database_refuses_is_isolated(merchant, fetches, monkeypatch):
    real_upsert = importing._upsert

    def refuse_b(merchant, products, tally):
        if any(p.key == "b" for p in products):
            raise DatabaseError("value too long for type character varying(3)")
        return real_upsert(merchant, products, tally)

    monkeypatch.setattr(importing, "_upsert", refuse_b)
    record = run(merchant, [product("a", "A-1"), product("b", "B-1", row=3), product("c", "C-1", row=4)])
    assert record.errors == [
        {
            "row": 3,
            "field": "",
            "message": "could not be saved: value too long for type character varying(3)",
            "ref": "b",
        }
    ]
    assert set(Product.objects.values_list("key", flat=True)) == {"a", "c"}


def test_archive_missing_archives_never_deletes_and_an_empty_feed_archives_nothing(merchant, fetches):
    run(merchant, [product("a", "A-1"), product("b", "B-1")])
    record = run(merchant, [product("a", "A-1")], archive_missing=True)
    assert record.archived_count == 1 and Product.objects.get(key="b").status == Product.Status.ARCHIVED
    assert Variant.objects.filter(sku="B-1").exists()
    assert run(merchant, [RowError(2, "", "bad")], archive_missing=True).archived_count == 0
    assert Product.objects.get(key="a").status == Product.Status.ACTIVE
    run(merchant, [product("b", "B-1")])  # back in the feed: active again
    assert Product.objects.get(key="b").status == Product.Status.ACTIVE


def test_failed_photos_are_fetched_again_on_reimport(merchant, fetches):
    feed = [product("a", "A-1", images=["https://cdn.test/1.jpg", "https://cdn.test/2.jpg"])]
    run(merchant, feed)
    ProductImage.objects.filter(source_url__endswith="1.jpg").update(status="failed", error="HTTP 503")
    record = run(merchant, feed)
    assert record.unchanged_count == 1
    retried = ProductImage.objects.get(source_url__endswith="1.jpg")
    assert retried.status == "pending" and fetches[-1] == [retried.pk]
    assert list(ProductImage.objects.order_by("position").values_list("position", flat=True)) == [0, 1]


def test_local_image_paths_only_from_the_command_line(merchant, fetches, tmp_path):
    (tmp_path / "a.jpg").write_bytes(factories.photo_bytes())
    feed = [product("a", "A-1", images=["a.jpg", "missing.jpg"])]
    cli = run(merchant, feed, base_dir=tmp_path)
    assert Product.objects.get(key="a").images.get().status == "ready"
    assert cli.errors == [
        {"row": 2, "field": "image", "message": f"missing.jpg: no such file {tmp_path / 'missing.jpg'}", "ref": "a"}
    ]
    web = run(factories.merchant_make(slug="web"), feed)
    assert web.errors[0]["message"] == "a.jpg: only http(s) image URLs are accepted here"


def test_an_unexpected_crash_marks_the_import_failed_and_keeps_earlier_batches(merchant, fetches, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 1)

    def items():
        yield product("a", "A-1")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        catalog_import_run(
            merchant=merchant,
            importer=type("Crashing", (StubImporter,), {"parse": lambda self, data, options: items()})([]),
            source="x",
            data=b"",
        )
    record = CatalogImport.objects.get()
    assert (record.status, record.error, record.created_count) == (
        "failed",
        "the import stopped unexpectedly: disk full",
        1,
    )


def test_progress_is_reported(merchant, fetches):
    seen = []
    run(merchant, [product("a", "A-1"), RowError(3, "", "x"), product("b", "B-1")], on_progress=seen.append)
    assert seen == [1, 2, 3]


def test_the_any_lookup_matches_in_handles_an_empty_list_and_more_values_than_sqlite_allows(merchant):
    factories.product_make(merchant=merchant, sku="A-1", photos=0)
    factories.product_make(merchant=merchant, sku="B-1", photos=0)
    assert sorted(Product.objects.filter(key__any=["a-1", "b-1", "nope"]).values_list("key", flat=True)) == [
        "a-1",
        "b-1",
    ]
    assert list(Product.objects.filter(key__any=[])) == []
    many = [f"k-{i}" for i in range(40_000)] + ["a-1"]  # SQLite refuses more than 32,766 placeholders
    assert list(Product.objects.filter(key__any=many).values_list("key", flat=True)) == ["a-1"]
    assert list(Product.objects.exclude(key__any=many).values_list("key", flat=True)) == ["b-1"]
    assert list(Product.objects.filter(pk__any=[Product.objects.get(key="b-1").pk])) == [Product.objects.get(key="b-1")]
