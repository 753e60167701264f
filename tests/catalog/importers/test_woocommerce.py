"""The WooCommerce product CSV importer, on an export shaped like WooCommerce's own (Products > Export)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from catalog.importers.base import FeedRejected, ImportOptions, ParsedProduct, RowError
from catalog.importers.woocommerce import WooCommerceCsvImporter

U = "https://shop.example.com/wp-content/uploads/2024/05"
HEADER = (
    "ID,Type,SKU,Name,Published,Is featured?,Visibility in catalog,Short description,Description,In stock?,"
    "Stock,Sale price,Regular price,Categories,Images,Parent,Grouped products,External URL,Button text,"
    "Attribute 1 name,Attribute 1 value(s),Attribute 2 name,Attribute 2 value(s)\n"
)
# WooCommerce writes a BOM first, and line breaks inside descriptions as the two characters \n.
EXPORT = (
    "\ufeff"
    + HEADER
    + f"""\
15,variation,woo-hoodie-blue-logo,Hoodie - Blue,1,0,visible,,,1,12,,45,,{U}/hoodie-blue-1.jpg,id:12,,,,Color,Blue,Logo,Yes
12,variable,woo-hoodie,Hoodie,1,1,visible,"<p>Warm &amp; soft.</p>","<p>Pure cotton.</p>\\n<p>Machine wash at 30°C.</p>",1,,,,"Clothing > Hoodies, Clothing","{U}/hoodie-2.jpg, {U}/hoodie-with-logo-2.jpg",,,,,Color,"Blue, Green, Red",Logo,"Yes, No"
16,variation,woo-hoodie-green,Hoodie - Green,1,0,visible,,,0,0,42,45,,{U}/hoodie-green-1.jpg,woo-hoodie,,,,Color,Green,Logo,No
17,variation,,Hoodie - Red,1,0,visible,,,backorder,0,50,45,,,id:12,,,,Color,Red,Logo,No
20,"simple, virtual",woo-album,Album,1,0,visible,,<p>Lorem ipsum.</p>,1,,12,15,Music,"{U}/album-1.jpg, {U}/album-1.jpg",,,,,,,,
21,simple,woo-beanie,Beanie,0,0,visible,This is a simple product.,,1,,,18,Clothing > Accessories,{U}/beanie-2.jpg,,,,,Color,Red,,
30,grouped,logo-collection,Logo Collection,1,0,visible,,,1,,,,Clothing,{U}/logo-1.jpg,,"woo-hoodie, woo-beanie",,,,,,
31,external,wp-pennant,WordPress Pennant,1,0,visible,,<p>Pennant</p>,1,,,11.05,Decor,{U}/pennant-1.jpg,,,https://mercantile.wordpress.org/product/wordpress-pennant/,Buy on the WordPress swag store!,,,,
32,grouped,gift-set,Gift Set,-1,0,hidden,,,1,,,30,Clothing,,,"woo-album, woo-beanie",,,,,,
40,variation,woo-cap-red,Cap - Red,1,0,visible,,,1,,,16,,,id:99,,,,Color,Red,,
41,variable,woo-scarf,Scarf,1,0,visible,,,1,,,,Clothing,,,,,,Color,"Red, Blue",,
50,bundle,woo-bundle,Bundle,1,0,visible,,,1,,,25,,,,,,,,,,
51,simple,woo-belt,Belt,1,0,visible,,,1,,,abc,,,,,,,,,,
52,variation,woo-belt-x,Belt - X,1,0,visible,,,1,,,20,,,woo-belt,,,,Size,X,,
"""
).encode()


def parse(data: bytes) -> tuple[dict[str, ParsedProduct], list[RowError]]:
    items = list(WooCommerceCsvImporter().parse(data, options=ImportOptions(default_currency="EUR")))
    return (
        {item.key: item for item in items if isinstance(item, ParsedProduct)},
        [item for item in items if isinstance(item, RowError)],
    )


@pytest.fixture(scope="module")
def export():
    return parse(EXPORT)


def test_the_export_yields_one_product_per_simple_variable_external_and_priced_grouped_row_in_file_order(export):
    products, _ = export
    assert [(p.row_number, key, p.title, p.status) for key, p in products.items()] == [
        (3, "woo-hoodie", "Hoodie", "active"),
        (6, "woo-album", "Album", "active"),
        (7, "woo-beanie", "Beanie", "draft"),
        (9, "wp-pennant", "WordPress Pennant", "active"),
        (10, "gift-set", "Gift Set", "draft"),  # Published -1 is private: not for shoppers either
    ]


def test_a_variable_product_gathers_its_variations_even_one_listed_before_it(export):
    hoodie = export[0]["woo-hoodie"]
    assert hoodie.description == "Pure cotton.\n\nMachine wash at 30°C."
    assert hoodie.product_type == "Hoodies"
    assert hoodie.image_urls == [f"{U}/hoodie-2.jpg", f"{U}/hoodie-with-logo-2.jpg"]
    assert [
        (v.sku, v.title, v.options, v.price, v.compare_at_price, v.currency, v.availability, v.image_urls)
        for v in hoodie.variants
    ] == [
        (
            "woo-hoodie-blue-logo",
            "Blue / Yes",
            {"Color": "Blue", "Logo": "Yes"},
            Decimal("45"),
            None,
            "EUR",
            "in_stock",
            [f"{U}/hoodie-blue-1.jpg"],
        ),
        (
            "woo-hoodie-green",
            "Green / No",
            {"Color": "Green", "Logo": "No"},
            Decimal("42"),
            Decimal("45"),
            "EUR",
            "out_of_stock",
            [f"{U}/hoodie-green-1.jpg"],
        ),
        # No SKU: woo-<ID>. A "sale" price above the regular price is no sale.
        ("woo-17", "Red / No", {"Color": "Red", "Logo": "No"}, Decimal("45"), None, "EUR", "backorder", []),
    ]


def test_simple_external_and_priced_grouped_products_have_one_variant_with_their_own_sku(export):
    products, _ = export
    assert {
        key: [(v.sku, v.price, v.compare_at_price, v.options) for v in p.variants]
        for key, p in products.items()
        if key != "woo-hoodie"
    } == {
        "woo-album": [("woo-album", Decimal("12"), Decimal("15"), {})],
        "woo-beanie": [("woo-beanie", Decimal("18"), None, {})],  # a simple product's attributes are no options
        "wp-pennant": [("wp-pennant", Decimal("11.05"), None, {})],
        "gift-set": [("gift-set", Decimal("30"), None, {})],
    }
    album, beanie, pennant = products["woo-album"], products["woo-beanie"], products["wp-pennant"]
    assert (album.description, album.product_type, album.image_urls) == ("Lorem ipsum.", "Music", [f"{U}/album-1.jpg"])
    assert (beanie.description, beanie.product_type) == ("This is a simple product.", "Accessories")
    assert pennant.url == "https://mercantile.wordpress.org/product/wordpress-pennant/"
    assert album.url == ""


def test_every_row_that_cannot_be_imported_is_reported_with_what_to_change(export):
    _, errors = export
    # Each error names its row's product as WooCommerce does (id:<ID>).
    assert [error.ref for error in errors] == ["id:30", "id:40", "id:41", "id:50", "id:51", "id:52"]
    assert [replace(error, ref="") for error in errors] == [
        RowError(
            8,
            "Regular price",
            "'Logo Collection' is a grouped product, and grouped products have no price of "
            "their own: it was not imported (the products in the group are imported from "
            "their own rows)",
        ),
        RowError(
            11,
            "Parent",
            "Parent 'id:99' is not in this file: export the variable product together with its "
            "variations, or correct the reference",
        ),
        RowError(
            12,
            "",
            "variable product 'Scarf' was not imported because it has no valid variation: export its "
            "variations together with it",
        ),
        RowError(
            13,
            "Type",
            "Type 'bundle' is not a WooCommerce product type: use one of simple, variable, "
            "variation, grouped, external",
        ),
        RowError(14, "Regular price", "price 'abc' is not a number: write it like 24.00 or 24.00 EUR"),
        RowError(
            15, "Parent", "Parent 'woo-belt' is a simple product on row 14: only variable products have variations"
        ),
    ]


def small_export(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def test_a_bad_variation_is_skipped_and_its_siblings_kept_and_without_any_the_product_is_reported():
    products, errors = parse(
        small_export(
            '1,variable,tee,Tee,1,0,visible,,,1,,,,,,,,,,Size,"S, M",,',
            "2,variation,tee-s,Tee - S,1,0,visible,,,1,,,9.50,,,id:1,,,,Size,S,,",
            "3,variation,tee-m,Tee - M,1,0,visible,,,sometimes,,,9.50,,,id:1,,,,Size,M,,",
            "8,variation,tee-l,Tee - L,1,0,visible,,,1,,,9.50,,,1,,,,Size,L,,",  # a bare ID is an id: reference too
            "4,variable,cap,Cap,1,0,visible,,,1,,,,,,,,,,Size,M,,",
            "5,variation,cap-m,Cap - M,1,0,visible,,,1,,,,,,cap,,,,Size,M,,",
            "6,variation,cap-l,Cap - L,1,0,visible,,,1,,,8,,,,,,,Size,L,,",
        )
    )

    assert [(v.key, v.sku) for v in products["tee"].variants] == [("woo-2", "tee-s"), ("woo-8", "tee-l")]
    assert "cap" not in products
    assert [replace(error, ref="") for error in errors] == [
        RowError(
            4,
            "In stock?",
            "availability 'sometimes' is not one we know: write in stock, out of stock, preorder or backorder",
        ),
        RowError(
            6,
            "",
            "variable product 'Cap' was not imported because it has no valid variation: fix the "
            "errors reported for its variation rows",
        ),
        RowError(7, "Regular price", "Regular price is empty: give a price like 24.00"),
        RowError(8, "Parent", "Parent is empty: a variation needs its variable product's SKU or id:<ID> there"),
    ]


def test_a_sku_on_two_products_keeps_both_and_a_row_with_surplus_cells_is_reported():
    products, errors = parse(
        small_export(
            "1,simple,mug,Mug,1,0,visible,,,1,,,5,,,,,,,,,,",
            "2,simple,mug,Mug again,1,0,visible,,,1,,,6,,,,,,,,,,",  # the same SKU: keyed by its ID instead
            "3,simple,pen,Pen,1,0,visible,,,1,,,2,,,,,,,,,,,surplus",
            "4,simple,,,1,0,visible,,,1,,,2,,,,,,,,,,",
        )
    )

    assert {key: (p.title, [(v.key, v.sku) for v in p.variants]) for key, p in products.items()} == {
        "mug": ("Mug", [("woo-1", "mug")]),
        "woo-2": ("Mug again", [("woo-2", "mug")]),
    }
    assert errors == [
        RowError(4, "", "has 24 cells but the header has 23: quote cells that contain the delimiter"),
        RowError(5, "Name", "Name is empty: give the product a name", ref="id:4"),
    ]


def test_a_file_without_woocommerce_columns_is_rejected_with_what_it_has():
    with pytest.raises(FeedRejected) as caught:
        list(WooCommerceCsvImporter().parse(b"Handle,Title,Variant Price\nmug,Mug,5\n", options=ImportOptions()))

    assert str(caught.value) == (
        "this is not a WooCommerce product CSV: the header has no Type, SKU, Name, Regular "
        "price (nor their translation into German, French, Spanish, Italian, Brazilian Portuguese, Dutch, Polish, "
        "Russian, Japanese, Simplified Chinese). Export it again from WooCommerce (Products > Export, all columns). The file "
        "has: Handle, Title, Variant Price"
    )


def test_sniff_wants_type_sku_regular_price_and_parent_or_images():
    importer = WooCommerceCsvImporter()
    assert importer.sniff(EXPORT)
    assert importer.sniff(b"type,sku,name,regular price,images\n")
    assert not importer.sniff(b"ID,Type,SKU,Name,Regular price\n")
    assert not importer.sniff(b"Handle,Title,Variant SKU,Variant Price,Image Src\n")
