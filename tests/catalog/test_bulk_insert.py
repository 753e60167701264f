"""bulk_insert writes exactly what it is given (COPY on PostgreSQL, as in CI; bulk_create elsewhere)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.bulk_insert import bulk_insert
from catalog.models import Variant
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = (
    "merchant_id",
    "product_id",
    "key",
    "sku",
    "title",
    "price",
    "compare_at_price",
    "currency",
    "availability",
    "options",
    "position",
    "created_at",
    "updated_at",
)


def test_awkward_text_json_decimals_and_nulls_round_trip(merchant):
    product = factories.product_make(merchant=merchant, sku="P-1", photos=0)
    now = timezone.now()
    options = {"Size": "M", "Colour": 'Blue "navy"\ttab\\slash\nline', "Größe": "日本"}
    bulk_insert(
        Variant,
        FIELDS,
        [
            (
                merchant.pk,
                product.pk,
                "S-1",
                "S-1",
                "tab\there \\N not null",
                Decimal("1.5000"),
                None,
                "EUR",
                "in_stock",
                options,
                3,
                now,
                now,
            ),
            (
                merchant.pk,
                product.pk,
                "S-2",
                "S-2",
                "",
                Decimal("0.01"),
                Decimal("2"),
                "JPY",
                "preorder",
                {},
                4,
                now,
                now,
            ),
        ],
    )
    first, second = Variant.objects.get(sku="S-1"), Variant.objects.get(sku="S-2")
    assert (first.title, first.price, first.compare_at_price, first.options, first.position) == (
        "tab\there \\N not null",
        Decimal("1.5"),
        None,
        options,
        3,
    )
    assert (second.options, second.compare_at_price, second.availability) == ({}, Decimal("2"), "preorder")
    # COPY stores the given stamp; bulk_create applies auto_now itself: either way, the moment of the import.
    assert abs((first.created_at - now).total_seconds()) < 5


def test_nothing_to_insert_is_fine(merchant):
    bulk_insert(Variant, FIELDS, [])
    assert not Variant.objects.filter(merchant=merchant).exists()
