"""The generic CSV/JSON importer with a column mapping, and the plain CSV as its no-mapping case."""

import json
from decimal import Decimal

import pytest

from catalog.importers.base import FeedRejected, ImportOptions, ParsedProduct, ParsedVariant, RowError
from catalog.importers.generic import GenericImporter, PlainCsvImporter


def parse(data: bytes, mapping=None, importer=None, currency="USD"):
    importer = importer or GenericImporter()
    items = list(importer.parse(data, options=ImportOptions(default_currency=currency, mapping=mapping)))
    return (
        [item for item in items if isinstance(item, ParsedProduct)],
        [item for item in items if isinstance(item, RowError)],
    )


PLAIN = b"""sku,title,description,price,currency,image,compare_at_price,key,brand,url
MUG-BLUE,Mug blue,<p>Stoneware &amp; glaze</p>,12.00,eur,https://cdn.example.com/mug-blue.jpg,15.00,mug,Acme,https://shop.example.com/mug
MUG-RED,Mug red,,12.00,EUR,photos/mug red.jpg|https://cdn.example.com/mug-blue.jpg,,mug,,
POSTER,Poster,,"1,299.50",,https://cdn.example.com/p1.jpg https://cdn.example.com/p2.jpg,,,,
"""


def test_the_plain_csv_is_the_generic_format_without_a_mapping():
    products, errors = parse(PLAIN)

    assert errors == []
    assert products == [
        ParsedProduct(
            row_number=2,
            key="mug",
            title="Mug blue",
            description="Stoneware & glaze",
            brand="Acme",
            url="https://shop.example.com/mug",
            variants=[
                ParsedVariant(
                    sku="MUG-BLUE", price=Decimal("12.00"), currency="EUR", compare_at_price=Decimal("15.00")
                ),
                ParsedVariant(sku="MUG-RED", price=Decimal("12.00"), currency="EUR", title="Mug red"),
            ],
            # A local path stays as written: the importing service decides whether it is allowed.
            image_urls=["https://cdn.example.com/mug-blue.jpg", "photos/mug red.jpg"],
        ),
        ParsedProduct(
            row_number=4,
            key="POSTER",
            title="Poster",
            variants=[ParsedVariant(sku="POSTER", price=Decimal("1299.50"), currency="USD")],
            image_urls=["https://cdn.example.com/p1.jpg", "https://cdn.example.com/p2.jpg"],
        ),
    ]


def test_plain_csv_importer_is_the_identity_case_and_sniffs_sku_title_and_price():
    importer = PlainCsvImporter()
    assert (importer.name, importer.label) == ("plain_csv", "Plain CSV (sku,title,price,currency,...)")
    assert parse(PLAIN, importer=importer) == parse(PLAIN)
    assert parse(PLAIN, mapping={"sku": "key"}, importer=importer) == parse(PLAIN)  # it takes no mapping
    assert importer.sniff(b"SKU;Title;Price;Currency\n")
    assert not importer.sniff(b"sku,title,cost\n")
    assert not GenericImporter().sniff(PLAIN)  # the generic importer needs a mapping: it is chosen, not guessed


MAPPED = """Article No.;Name;Price (EUR);Pictures;Stock;Brand
A-1;Teapot;24,90;https://cdn.example.com/teapot.jpg;sold out;Kettle & Co
A-2;Cup;3,50;;In Stock;
""".encode("cp1252")


def test_a_mapping_names_the_merchants_columns_case_insensitively_and_same_named_columns_need_none():
    mapping = {
        "sku": "article no.",
        "title": "Name",
        "price": "PRICE (EUR)",
        "image": "Pictures",
        "availability": "Stock",
    }
    products, errors = parse(MAPPED, mapping=mapping, currency="EUR")

    assert errors == []
    assert [(p.row_number, p.key, p.title, p.brand, p.image_urls) for p in products] == [
        (2, "A-1", "Teapot", "Kettle & Co", ["https://cdn.example.com/teapot.jpg"]),
        (3, "A-2", "Cup", "", []),
    ]
    assert [(v.sku, v.price, v.currency, v.availability) for p in products for v in p.variants] == [
        ("A-1", Decimal("24.90"), "EUR", "out_of_stock"),
        ("A-2", Decimal("3.50"), "EUR", "in_stock"),
    ]


def test_a_mapping_naming_columns_the_file_lacks_is_rejected_with_the_columns_it_has():
    with pytest.raises(FeedRejected) as caught:
        parse(MAPPED, mapping={"sku": "SKU", "title": "Name", "price": "Price"})

    assert str(caught.value) == (
        "the mapping names columns the file does not have: 'SKU' (for sku), 'Price' (for "
        "price). The file has: Article No., Name, Price (EUR), Pictures, Stock, Brand"
    )


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"sku": "Article No.", "colour": "Name"},
            "the mapping names fields we do not have: colour. Map some of these: sku, title, price, currency, description, "
            "compare_at_price, availability, brand, product_type, url, key, image, images",
        ),
        (
            {"sku": "Article No."},
            "nothing gives the title, price: map them to your columns, or name the columns title, price. The file has: "
            "Article No., Name, Price (EUR), Pictures, Stock, Brand",
        ),
        (
            None,
            "nothing gives the sku, title, price: map them to your columns, or name the columns sku, title, price. The file "
            "has: Article No., Name, Price (EUR), Pictures, Stock, Brand",
        ),
    ],
)
def test_a_mapping_must_use_our_field_names_and_give_the_required_fields(mapping, message):
    with pytest.raises(FeedRejected) as caught:
        parse(MAPPED, mapping=mapping)

    assert str(caught.value) == message


def test_rows_with_missing_or_bad_values_are_reported_by_line_and_column_and_the_rest_imported():
    data = b"""sku,title,price,currency,compare_at_price,availability
OK-1,Fine,5.00,,,
,No SKU,5.00,,,
NO-TITLE,,5.00,,,
NO-PRICE,No price,,,,
BAD-CUR,Bad currency,5.00,euro,,
CLASH,Clash,5.00 GBP,USD,,
BAD-CMP,Bad compare,5.00,,five,
BAD-AV,Bad availability,5.00,,,maybe
OK-1,Twice,6.00,,,
OK-2,Also fine,7.00,,,,surplus
"""
    products, errors = parse(data)

    assert [p.key for p in products] == ["OK-1"]
    assert errors == [
        RowError(3, "sku", "sku is empty: every row needs its sku"),
        RowError(4, "title", "title is empty: every row needs its title", ref="NO-TITLE"),
        RowError(5, "price", "price is empty: every row needs its price", ref="NO-PRICE"),
        RowError(
            6,
            "currency",
            "currency 'euro' is not a 3-letter currency code: write one like USD, EUR or GBP",
            ref="BAD-CUR",
        ),
        RowError(7, "price", "price is in GBP but currency says USD: make them agree", ref="CLASH"),
        RowError(
            8, "compare_at_price", "price 'five' is not a number: write it like 24.00 or 24.00 EUR", ref="BAD-CMP"
        ),
        RowError(
            9,
            "availability",
            "availability 'maybe' is not one we know: write in stock, out of stock, preorder or backorder",
            ref="BAD-AV",
        ),
        RowError(10, "sku", "SKU 'OK-1' is already used on row 2: give every variant its own SKU", ref="OK-1"),
        RowError(11, "", "has 7 cells but the header has 6: quote cells that contain the delimiter"),
    ]


SCHEMA_ORG_STYLE = {
    "shop": {"name": "Kettle & Co"},  # not a list: ignored
    "products": [
        {
            "id": "T-1",
            "name": "Teapot",
            "offers": [{"price": 24.90, "priceCurrency": "GBP"}],
            "images": ["https://cdn.example.com/t1.jpg", "https://cdn.example.com/t2.jpg"],
            "brand": {"name": "Kettle"},
            "group": "teapot",
        },
        {
            "id": "T-2",
            "name": "Teapot large",
            "offers": [{"price": 29, "priceCurrency": "GBP"}],
            "images": [],
            "group": "teapot",
        },
        "not a product",
        {"id": "C-1", "name": ["Cup"], "offers": {"price": "3.50"}},
    ],
}
JSON_MAPPING = {
    "sku": "id",
    "title": "name",
    "price": "offers.price",
    "currency": "offers.priceCurrency",
    "images": "images",
    "brand": "brand.name",
    "key": "group",
}


def test_json_objects_are_read_through_dotted_paths_with_their_position_as_row_number():
    products, errors = parse(json.dumps(SCHEMA_ORG_STYLE).encode(), mapping=JSON_MAPPING)

    assert products == [
        ParsedProduct(
            row_number=1,
            key="teapot",
            title="Teapot",
            brand="Kettle",
            variants=[
                ParsedVariant(sku="T-1", price=Decimal("24.9"), currency="GBP"),
                ParsedVariant(sku="T-2", price=Decimal("29"), currency="GBP", title="Teapot large"),
            ],
            image_urls=["https://cdn.example.com/t1.jpg", "https://cdn.example.com/t2.jpg"],
        )
    ]
    assert errors == [
        RowError(3, "", "item 3 is a str, not an object with keys like sku, title and price"),
        RowError(4, "name", "name holds a list, not a single value: map the field to a key inside it", ref="C-1"),
    ]


def test_json_prices_stay_exactly_as_written_and_a_top_level_list_works_too():
    data = b'[{"sku": "A", "title": "A", "price": 0.1}, {"sku": "B", "title": "B", "price": 19.90, "image": null}]'
    products, errors = parse(data, currency="EUR")

    assert errors == []
    assert [(v.sku, str(v.price), v.currency) for p in products for v in p.variants] == [
        ("A", "0.1", "EUR"),
        ("B", "19.90", "EUR"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'[{"sku": "A",\n  "title": "A" "price": 1}]',
            "the JSON is not valid at line 2, column 16: Expecting ',' delimiter. Fix it there, or export the file again",
        ),
        (
            b'{"products": [{"sku": "A"}], "variants": [{"sku": "B"}]}',
            "the JSON has several lists of objects (products, variants): keep only the list of products, or give it as the "
            "whole file",
        ),
        (
            b'{"sku": "A", "title": "A", "price": 1}',
            "the JSON holds no list of products: give a list of objects, or an object with one list of objects like "
            '{"products": [...]}',
        ),
    ],
)
def test_json_that_is_invalid_or_has_no_single_product_list_is_rejected(data, message):
    with pytest.raises(FeedRejected) as caught:
        parse(data)

    assert str(caught.value) == message


def test_a_json_mapping_naming_a_key_no_object_has_is_rejected_with_the_keys_they_have():
    with pytest.raises(FeedRejected) as caught:
        parse(json.dumps(SCHEMA_ORG_STYLE).encode(), mapping={**JSON_MAPPING, "price": "offers.amount"})

    assert str(caught.value) == (
        "the mapping names a column the file does not have: 'offers.amount' (for price). "
        "The file has: id, name, offers, offers.price, offers.priceCurrency, images, brand, "
        "brand.name, group"
    )
