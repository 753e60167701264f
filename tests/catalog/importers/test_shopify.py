"""The Shopify product CSV importer, on small exports written here and on a real shop's export."""

import csv
import io
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.importers.base import FeedRejected, ImportOptions, ParsedProduct, RowError
from catalog.importers.shopify import ShopifyCsvImporter

FEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "feeds"
REAL_EXPORT = FEEDS / "shopify_products_export.csv"
CLASSIC_HEADER = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Variant SKU",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Price",
    "Variant Compare At Price",
    "Image Src",
    "Image Position",
    "Variant Image",
    "Price / United Kingdom",
    "Compare At Price / International",
    "Status",
]


def classic_csv(*rows: dict, header=CLASSIC_HEADER) -> bytes:
    """A classic export with one line per row (so row n of `rows` is line n + 2)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def parse(data: bytes, currency: str = "EUR") -> tuple[list[ParsedProduct], list[RowError]]:
    """Products and errors; each error's ref (the row's handle, checked in its own test) is left out."""
    items = list(ShopifyCsvImporter().parse(data, options=ImportOptions(default_currency=currency)))
    return (
        [item for item in items if isinstance(item, ParsedProduct)],
        [replace(item, ref="") for item in items if isinstance(item, RowError)],
    )


def variant_row(handle, sku, price, **fields):
    return {
        "Handle": handle,
        "Variant SKU": sku,
        "Variant Price": price,
        "Variant Inventory Tracker": "shopify",
        "Variant Inventory Qty": "5",
        "Variant Inventory Policy": "deny",
        **fields,
    }


MUG = [
    variant_row(
        "mug",
        "MUG-BLUE",
        "12.00",
        Title="Enamel Mug",
        **{
            "Body (HTML)": "<p>Holds <b>350&nbsp;ml</b>.</p><p>Dishwasher safe</p>",
            "Vendor": "Acme",
            "Product Category": "Home & Garden > Kitchen > Mugs",
            "Published": "TRUE",
            "Option1 Name": "Colour",
            "Option1 Value": "Blue",
            "Image Src": "https://cdn.example.com/mug-2.jpg",
            "Image Position": "2",
            "Variant Image": "https://cdn.example.com/mug-blue.jpg",
        },
    ),
    variant_row(
        "mug",
        "MUG-RED",
        "12.00",
        **{"Option1 Value": "Red", "Image Src": "https://cdn.example.com/mug-1.jpg", "Image Position": "1"},
    ),
    {"Handle": "mug", "Image Src": "https://cdn.example.com/mug-3.jpg", "Image Position": "3"},
    {"Handle": "mug", "Image Src": "https://cdn.example.com/mug-2.jpg", "Image Position": "4"},
]


def test_rows_sharing_a_handle_form_one_product_with_its_variants_and_images_in_position_order():
    products, errors = parse(classic_csv(*MUG))

    assert errors == []
    [mug] = products
    assert (mug.row_number, mug.key, mug.title, mug.brand, mug.status) == (2, "mug", "Enamel Mug", "Acme", "active")
    assert mug.description == "Holds 350 ml.\n\nDishwasher safe"
    assert mug.product_type == "Mugs"  # no Type: the last level of the Product Category
    assert mug.image_urls == [
        "https://cdn.example.com/mug-1.jpg",
        "https://cdn.example.com/mug-2.jpg",
        "https://cdn.example.com/mug-3.jpg",
    ]
    assert [(v.sku, v.title, v.options, v.price, v.currency) for v in mug.variants] == [
        ("MUG-BLUE", "Blue", {"Colour": "Blue"}, Decimal("12.00"), "EUR"),
        ("MUG-RED", "Red", {"Colour": "Red"}, Decimal("12.00"), "EUR"),
    ]
    assert [v.image_urls for v in mug.variants] == [["https://cdn.example.com/mug-blue.jpg"], []]


def test_the_2024_headers_give_the_same_product_whatever_their_case():
    renamed = {
        "Handle": "URL handle",
        "Body (HTML)": "Description",
        "Product Category": "product category",
        "Published": "Published on online store",
        "Option1 Name": "Option1 name",
        "Option1 Value": "Option1 value",
        "Variant SKU": "SKU",
        "Variant Inventory Tracker": "Inventory tracker",
        "Variant Inventory Qty": "Inventory quantity",
        "Variant Inventory Policy": "Continue selling when out of stock",
        "Variant Price": "PRICE",
        "Variant Compare At Price": "Compare-at price",
        "Image Src": "Product image URL",
        "Image Position": "Image position",
        "Variant Image": "Variant image URL",
    }
    header = [renamed.get(name, name) for name in CLASSIC_HEADER]
    rows = [{renamed.get(name, name): value for name, value in row.items()} for row in MUG]

    assert parse(classic_csv(*rows, header=header)) == parse(classic_csv(*MUG))
    assert ShopifyCsvImporter().sniff(classic_csv(*rows, header=header))


def test_a_blank_sku_gets_a_stable_fallback_from_the_handle_and_options_not_an_error():
    products, errors = parse(
        classic_csv(
            variant_row(
                "tee",
                "",
                "20.00",
                Title="Plain Tee",
                **{"Option1 Name": "Size", "Option1 Value": "S", "Option2 Name": "Fit", "Option2 Value": "Slim"},
            ),
            variant_row("tee", "", "20.00", **{"Option1 Value": "M", "Option2 Value": "Regular"}),
            variant_row(
                "scarf", "", "30.00", Title="Silk Scarf", **{"Option1 Name": "Title", "Option1 Value": "Default Title"}
            ),
            variant_row("cap", "", "9.00", Title="Cap", **{"Option1 Name": "Size", "Option1 Value": "One size"}),
        )
    )

    assert errors == []
    assert [[(v.sku, v.title, v.options) for v in p.variants] for p in products] == [
        [
            ("tee-S-Slim", "S / Slim", {"Size": "S", "Fit": "Slim"}),
            ("tee-M-Regular", "M / Regular", {"Size": "M", "Fit": "Regular"}),
        ],
        [("scarf", "", {})],  # Shopify's "Title: Default Title" is no option at all
        [("cap", "One size", {"Size": "One size"})],  # a product's only variant: the handle alone
    ]


def test_a_bad_price_skips_that_variant_and_keeps_the_product_and_its_other_variants():
    products, errors = parse(
        classic_csv(
            variant_row("tee", "TEE-S", "20.00", Title="Plain Tee", **{"Option1 Name": "Size", "Option1 Value": "S"}),
            variant_row("tee", "TEE-M", "twenty", **{"Option1 Value": "M"}),
            variant_row("tee", "TEE-L", "", **{"Option1 Value": "L"}),
            variant_row("tee", "TEE-XL", "20.00", **{"Option1 Value": "XL", "Variant Inventory Qty": "lots"}),
            variant_row("tee", "TEE-XS", "20.00", **{"Option1 Value": "XS", "Variant Compare At Price": "n/a"}),
        )
    )

    assert [v.sku for v in products[0].variants] == ["TEE-S"]
    assert errors == [
        RowError(3, "Variant Price", "price 'twenty' is not a number: write it like 24.00 or 24.00 EUR"),
        RowError(4, "Variant Price", "Variant Price is empty: give a price like 24.00"),
        RowError(
            5,
            "Variant Inventory Qty",
            "Variant Inventory Qty 'lots' is not a number: give the stock count, like 3, or leave it blank",
        ),
        RowError(6, "Variant Compare At Price", "price 'n/a' is not a number: write it like 24.00 or 24.00 EUR"),
    ]


def test_a_product_without_a_valid_variant_is_not_yielded_and_the_error_says_why():
    products, errors = parse(
        classic_csv(
            variant_row("cap", "CAP-1", "-5.00", Title="Cap"),
            {"Handle": "poster", "Title": "Poster", "Image Src": "https://cdn.example.com/poster.jpg"},
        )
    )

    assert products == []
    assert errors == [
        RowError(2, "Variant Price", "price '-5.00' is negative: prices must be zero or more"),
        RowError(
            2,
            "",
            "product 'cap' was not imported because it has no valid variant: fix the errors reported "
            "for its variant rows",
        ),
        RowError(
            3,
            "",
            "product 'poster' was not imported because it has no valid variant: give its first row a Variant Price",
        ),
    ]


def test_compare_at_price_counts_only_when_higher_and_market_prices_are_not_the_base_price():
    products, errors = parse(
        classic_csv(
            variant_row(
                "a",
                "A-1",
                "10.00",
                Title="A",
                **{
                    "Variant Compare At Price": "14.50",
                    "Price / United Kingdom": "8.00",
                    "Compare At Price / International": "99.00",
                },
            ),
            variant_row("a", "A-2", "10.00", **{"Variant Compare At Price": "0.00"}),
            variant_row("a", "A-3", "10.00", **{"Variant Compare At Price": "10.00"}),
        ),
        currency="GBP",
    )

    assert errors == []
    assert [(v.price, v.compare_at_price, v.currency) for v in products[0].variants] == [
        (Decimal("10.00"), Decimal("14.50"), "GBP"),
        (Decimal("10.00"), None, "GBP"),
        (Decimal("10.00"), None, "GBP"),
    ]


def test_a_price_repeated_across_rows_and_columns_reads_the_same_each_time_and_each_bad_one_is_reported():
    # The importer remembers what each price cell read as; a repeated bad cell must still be reported on every row,
    # in the column it is in, and a cell read as a price must read the same as a compare-at price.
    products, errors = parse(
        classic_csv(
            variant_row(
                "b",
                "B-1",
                "1.299,50 €",
                Title="B",
                **{"Option1 Name": "N", "Option1 Value": "1", "Variant Compare At Price": "1.299,50 €"},
            ),
            variant_row("b", "B-2", "n/a", **{"Option1 Value": "2"}),
            variant_row("b", "B-3", "10.00", **{"Option1 Value": "3", "Variant Compare At Price": "n/a"}),
            variant_row("b", "B-4", "n/a", **{"Option1 Value": "4"}),
            variant_row("b", "B-5", "10.00", **{"Option1 Value": "5", "Variant Compare At Price": "1.299,50 €"}),
        ),
        currency="GBP",
    )

    assert [(v.sku, v.price, v.compare_at_price, v.currency) for v in products[0].variants] == [
        ("B-1", Decimal("1299.50"), None, "EUR"),
    ]
    assert errors == [
        RowError(3, "Variant Price", "price 'n/a' is not a number: write it like 24.00 or 24.00 EUR"),
        RowError(4, "Variant Compare At Price", "price 'n/a' is not a number: write it like 24.00 or 24.00 EUR"),
        RowError(5, "Variant Price", "price 'n/a' is not a number: write it like 24.00 or 24.00 EUR"),
        # A GBP price with a EUR compare-at price is a mistake in the file, not a sale.
        RowError(
            6,
            "Variant Compare At Price",
            "Variant Compare At Price is in EUR but the price is in GBP: write both in the same currency",
        ),
    ]


def test_status_comes_from_the_status_column_else_from_published():
    with_status = classic_csv(
        variant_row("a", "A", "1", Title="A", Status="Archived", Published="TRUE"),
        variant_row("b", "B", "1", Title="B", Status="", Published="FALSE"),
        variant_row("c", "C", "1", Title="C", Status="Hidden"),
    )
    products, errors = parse(with_status)
    assert [p.status for p in products] == ["archived", "draft", "draft"]
    assert errors == [
        RowError(4, "Status", "Status 'Hidden' is not active, draft or archived: the product was imported as a draft")
    ]

    without_status = [name for name in CLASSIC_HEADER if name != "Status"]
    products, _ = parse(
        classic_csv(
            variant_row("a", "A", "1", Title="A", Published="true"),
            variant_row("b", "B", "1", Title="B", Published="false"),
            header=without_status,
        )
    )
    assert [p.status for p in products] == ["active", "draft"]


@pytest.mark.parametrize(
    ("tracker", "quantity", "policy", "availability"),
    [
        ("shopify", "3", "deny", "in_stock"),
        ("shopify", "0", "deny", "out_of_stock"),
        ("shopify", "-2", "deny", "out_of_stock"),
        ("shopify", "0", "continue", "backorder"),
        ("shopify", "", "deny", "in_stock"),
        ("", "0", "deny", "in_stock"),  # Shopify does not track this variant's stock: it is always sold
    ],
)
def test_availability_follows_the_inventory_quantity_and_policy(tracker, quantity, policy, availability):
    products, _ = parse(
        classic_csv(
            variant_row(
                "a",
                "A",
                "1",
                Title="A",
                **{
                    "Variant Inventory Tracker": tracker,
                    "Variant Inventory Qty": quantity,
                    "Variant Inventory Policy": policy,
                },
            )
        )
    )

    assert products[0].variants[0].availability == availability


def test_a_sku_on_two_products_keeps_both_and_variants_are_keyed_by_handle_and_options():
    products, errors = parse(
        classic_csv(
            variant_row("a", "SAME", "1", Title="A"),
            variant_row("b", "SAME", "2", Title="B", **{"Option1 Name": "Size", "Option1 Value": "S"}),
            variant_row("b", "", "2", **{"Option1 Value": "M"}),
            variant_row("b", "OTHER", "2", **{"Option1 Value": "M"}),  # the same options, told apart by its SKU
            variant_row("b", "", "2", **{"Option1 Value": "M"}),  # the same options and no SKU: nothing tells it apart
        )
    )

    assert [(p.key, [(v.key, v.sku) for v in p.variants]) for p in products] == [
        ("a", [("a", "SAME")]),
        ("b", [("b-S", "SAME"), ("b-M", "b-M"), ("b-M-OTHER", "OTHER")]),
    ]
    assert errors == [
        RowError(
            6,
            "Variant SKU",
            "product 'b' already has a variant with M on row 4: give each variant its own option values or its "
            "own Variant SKU",
        )
    ]


def test_rows_without_handle_or_title_and_rows_with_surplus_cells_are_reported_by_line():
    data = (
        b"Handle,Title,Body (HTML),Variant SKU,Variant Price\n"
        b'a,A,"<p>two</p>\n<p>lines</p>",A-1,5.00\n'
        b",Ghost,,G-1,5.00\n"
        b"orphan,,,O-1,5.00\n"
        b"b,B,,B-1,5.00,surplus\n"
        b"c,C,,C-1,7.00\n"
    )
    products, errors = parse(data)

    # Rows as a spreadsheet numbers them (the two-line cell is one row), with the file line where it differs.
    assert [(p.row_number, p.line, p.key, p.description) for p in products] == [
        (2, None, "a", "two\n\nlines"),
        (6, 7, "c", ""),
    ]
    items = list(ShopifyCsvImporter().parse(data, options=ImportOptions(default_currency="EUR")))
    assert [item for item in items if isinstance(item, RowError)] == [
        RowError(3, "Handle", "Handle is empty: every row needs its product's handle", line=4),
        RowError(
            4, "Title", "no row of product 'orphan' has a Title: fill it in on the product's first row", "orphan", 5
        ),
        RowError(5, "", "has 6 cells but the header has 5: quote cells that contain the delimiter", line=6),
    ]


def test_a_file_without_handle_or_price_columns_is_rejected_with_what_it_has():
    with pytest.raises(FeedRejected) as caught:
        list(ShopifyCsvImporter().parse(b"Name,Cost\nMug,1\n", options=ImportOptions()))

    assert str(caught.value) == (
        "this is not a Shopify product CSV: the header has no Handle (or URL handle) and no "
        "Variant Price (or Price) column. Export it again from Shopify (Products > Export). "
        "The file has: Name, Cost"
    )


def test_sniff_wants_a_handle_and_a_variant_price():
    importer = ShopifyCsvImporter()
    assert importer.sniff(b"Handle,Title,Variant SKU,Variant Price\n")
    assert importer.sniff(b"Title,URL handle,SKU,Price\n")
    assert not importer.sniff(b"Handle,Title,Variant SKU\n")
    assert not importer.sniff(b"ID,Type,SKU,Name,Regular price,Parent\n")


# The real export, checked against what the csv module reads from the raw file.


def _raw_rows() -> list[tuple[int, dict[str, str]]]:
    """(line the row starts on, cells): Body (HTML) cells span several lines."""
    with REAL_EXPORT.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        header = next(reader)
        rows, start = [], reader.line_num + 1
        for cells in reader:
            rows.append((start, dict(zip(header, cells))))
            start = reader.line_num + 1
    return rows


def _sku_cell(text: str) -> str:
    return text.removeprefix("'")  # Excel's protective apostrophe ('100100717873410) is not part of the SKU


@pytest.fixture(scope="module")
def real():
    if not REAL_EXPORT.is_file():
        pytest.skip(f"the real Shopify export is not here: {REAL_EXPORT} (CI keeps shared/feeds beside the checkout)")
    items = list(ShopifyCsvImporter().parse(REAL_EXPORT.read_bytes(), options=ImportOptions(default_currency="USD")))
    products = {item.key: item for item in items if isinstance(item, ParsedProduct)}
    return products, [item for item in items if isinstance(item, RowError)], _raw_rows()


def test_real_export_yields_every_handle_once_where_it_starts_with_its_status(real):
    products, errors, raw = real
    first_lines, statuses = {}, {}
    for line, cells in raw:
        first_lines.setdefault(cells["Handle"], line)
        if cells["Title"]:
            statuses[cells["Handle"]] = cells["Status"]

    assert errors == []
    assert len(first_lines) == 172
    assert {key: p.line or p.row_number for key, p in products.items()} == first_lines
    first_rows = {}
    for row_number, (_, cells) in enumerate(raw, start=2):  # the header is row 1; Body (HTML) spans lines
        first_rows.setdefault(cells["Handle"], row_number)
    assert {key: p.row_number for key, p in products.items()} == first_rows
    assert list(products) == list(first_lines)  # file order
    assert {key: p.status for key, p in products.items()} == statuses
    assert Counter(statuses.values()) == {"draft": 104, "active": 68}


def test_real_export_yields_every_sku_with_its_exact_price_and_availability(real):
    products, _, raw = real
    variant_rows = [(line, cells) for line, cells in raw if cells["Variant Price"]]
    rows_per_handle = Counter(cells["Handle"] for _, cells in variant_rows)
    expected = {}
    for _, cells in variant_rows:
        sku = _sku_cell(cells["Variant SKU"])
        if not sku:  # the fallback: the handle alone for a product's only variant
            assert rows_per_handle[cells["Handle"]] == 1
            sku = cells["Handle"]
        price, compare_at = Decimal(cells["Variant Price"]), cells["Variant Compare At Price"]
        quantity = int(cells["Variant Inventory Qty"])
        keeps_selling = cells["Variant Inventory Policy"] == "continue"
        expected[sku] = (
            cells["Handle"],
            price,
            Decimal(compare_at) if compare_at and Decimal(compare_at) > price else None,
            "USD",
            "in_stock" if quantity > 0 else "backorder" if keeps_selling else "out_of_stock",
        )

    got = {
        v.sku: (key, v.price, v.compare_at_price, v.currency, v.availability)
        for key, p in products.items()
        for v in p.variants
    }
    assert len(expected) == 230 == sum(len(p.variants) for p in products.values())
    assert len({_sku_cell(cells["Variant SKU"]) for _, cells in variant_rows} - {""}) == 228
    assert got == expected
    assert set(expected) - {_sku_cell(cells["Variant SKU"]) for _, cells in variant_rows} == {
        "silver-nomad",
        "chic-leather-bracelet",
    }
    assert got["MK-SIL-322-SCA-24"][1] == Decimal("0.00")  # a draft scarf priced 0.00 is still a price


def test_real_export_yields_every_image_of_a_handle_in_position_order(real):
    products, _, raw = real
    images: dict[str, list[tuple[int, str]]] = {handle: [] for handle in products}
    variant_images = {}
    for _, cells in raw:
        if cells["Image Src"]:
            images[cells["Handle"]].append((int(cells["Image Position"]), cells["Image Src"]))
        if cells["Variant Image"]:
            variant_images[_sku_cell(cells["Variant SKU"])] = [cells["Variant Image"]]
    expected = {handle: list(dict.fromkeys(url for _, url in sorted(pairs))) for handle, pairs in images.items()}

    assert sum(len(urls) for urls in expected.values()) == 864
    assert {key: p.image_urls for key, p in products.items()} == expected
    assert {v.sku: v.image_urls for p in products.values() for v in p.variants if v.image_urls} == variant_images
    assert len(variant_images) == 2
