"""catalog.signals.products_changed: sent after commit by import batches (bulk writes send no model signals),
product edits and photos added, in bounded batches of ids; never for a re-import that changes nothing."""

from decimal import Decimal

import pytest

from catalog import signals
from catalog.importers.base import ParsedProduct, ParsedVariant
from catalog.importing import catalog_import_run
from catalog.models import Product
from catalog.services import product_update
from tests import factories

pytestmark = pytest.mark.django_db


class _Importer:
    name, label = "stub", "Stub"

    def __init__(self, items):
        self.items = items

    def sniff(self, head):
        return True

    def parse(self, data, *, options):
        yield from self.items


def _parsed(key, price="10.00"):
    return ParsedProduct(
        row_number=2,
        key=key,
        title=f"Product {key}",
        status="active",
        image_urls=[],
        variants=[ParsedVariant(sku=key.upper(), price=Decimal(price), currency="EUR")],
    )


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, *, merchant_id, product_ids, **kwargs):
        calls.append((merchant_id, list(product_ids)))

    signals.products_changed.connect(receiver, dispatch_uid="test-products-changed")
    yield calls
    signals.products_changed.disconnect(dispatch_uid="test-products-changed")


def test_a_bulk_import_announces_its_changed_products_after_commit_in_bounded_batches(
    merchant, heard, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(signals, "PRODUCTS_CHANGED_BATCH", 2)
    feed = [_parsed(key) for key in ("a", "b", "c", "d", "e")]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        catalog_import_run(merchant=merchant, importer=_Importer(feed), source="stub", data=b"")
    assert heard == []  # nothing before the import's writes commit
    for callback in callbacks:
        callback()
    ids = sorted(Product.objects.filter(merchant=merchant).values_list("pk", flat=True))
    assert heard == [(merchant.pk, ids[0:2]), (merchant.pk, ids[2:4]), (merchant.pk, ids[4:5])]

    heard.clear()
    feed[2] = _parsed("c", price="12.50")  # one price changed; the rest as before
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import_run(merchant=merchant, importer=_Importer(feed), source="stub", data=b"")
    assert heard == [(merchant.pk, [Product.objects.get(key="c").pk])]

    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import_run(merchant=merchant, importer=_Importer(feed), source="stub", data=b"")
    assert heard == []  # a re-import that changes nothing announces nothing


def test_edits_and_new_photos_announce_their_product(merchant, heard, django_capture_on_commit_callbacks):
    product = factories.product_make(merchant=merchant, sku="MUG-1", photos=0)
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=product, changes={"title": "Blue Mug"})
        product_update(product=product, changes={"title": "Blue Mug"})  # no change: nothing sent
        factories.product_make(merchant=merchant, sku="MUG-1", photos=1, title="Blue Mug")  # a photo added
    assert heard == [(merchant.pk, [product.pk]), (merchant.pk, [product.pk])]


def test_a_failing_listener_is_logged_and_never_undoes_the_change(merchant, django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("listener down")

    signals.products_changed.connect(broken, dispatch_uid="test-broken")
    try:
        product = factories.product_make(merchant=merchant, sku="MUG-1", photos=0)
        with django_capture_on_commit_callbacks(execute=True):
            product_update(product=product, changes={"title": "Blue Mug"})
    finally:
        signals.products_changed.disconnect(dispatch_uid="test-broken")
    assert Product.objects.get(pk=product.pk).title == "Blue Mug"
