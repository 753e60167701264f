"""Meta catalog CSV: Google's attribute names as columns, read by the shared delimited code; the real feed."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.importers.base import FeedRejected, ImportOptions, ParsedProduct, RowError
from catalog.importers.google import GoogleDelimitedImporter
from catalog.importers.meta import MetaCsvImporter

FEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "feeds"

SMALL_FEED = (
    "id,availability,condition,description,image_link,link,title,price,brand,additional_image_link\n"
    '10037,out of stock,new,"&nbsp; カラー --> <b>ブラック</b><br>グレー",https://img.test/1.jpg,'
    'https://shop.test/10037,ショルダーバッグ,"9,350 JPY",COULEUR VARIE,'
    '"https://img.test/2.jpg,https://img.test/3.jpg,https://img.test/1.jpg"\n'
    "10038,in stock,new,Plain text,https://img.test/4.jpg,https://shop.test/10038,パンプス,14300 JPY,,\n"
)


def parse(data: bytes, **options):
    results = list(MetaCsvImporter().parse(data, options=ImportOptions(**options)))
    return ([r for r in results if isinstance(r, ParsedProduct)], [r for r in results if isinstance(r, RowError)])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "utf-16"])
def test_meta_feed_in_any_encoding(encoding):
    data = SMALL_FEED.encode(encoding)
    assert MetaCsvImporter().sniff(data)
    assert not GoogleDelimitedImporter().sniff(data)
    products, errors = parse(data)
    assert errors == []
    bag, pumps = products
    assert (bag.key, bag.title, bag.brand, bag.url, bag.row_number) == (
        "10037",
        "ショルダーバッグ",
        "COULEUR VARIE",
        "https://shop.test/10037",
        2,
    )
    assert bag.description == "カラー ブラック\nグレー"
    assert bag.image_urls == ["https://img.test/1.jpg", "https://img.test/2.jpg", "https://img.test/3.jpg"]
    assert [(v.sku, v.price, v.currency, v.availability) for p in products for v in p.variants] == [
        ("10037", Decimal("9350"), "JPY", "out_of_stock"),
        ("10038", Decimal("14300"), "JPY", "in_stock"),
    ]
    assert pumps.row_number == 3


def test_meta_tsv_with_european_prices_is_read():
    tsv = b"id\ttitle\tprice\timage_link\nA\tLamp\t1.299,50 EUR\thttps://img.test/a.jpg\n"
    assert MetaCsvImporter().sniff(tsv)
    products, _ = parse(tsv)
    assert products[0].variants[0].price == Decimal("1299.50")


def test_meta_row_errors_name_the_line_and_column():
    data = b"id,title,price,image_link\nA,Lamp,,https://img.test/a.jpg\nB,Vase,12 EUR,vase.jpg\n"
    products, errors = parse(data)
    assert [p.key for p in products] == ["B"]
    assert [(e.row_number, e.field) for e in errors] == [(2, "price"), (3, "image_link")]


def test_meta_feed_without_required_columns_is_rejected_naming_the_format():
    with pytest.raises(FeedRejected, match="a Meta catalog CSV file needs the columns id, title, price"):
        parse(b"id,name,price\nA,Lamp,1 EUR\n")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("id,title,price,image_link", True),
        ("ID,Title,Price,Image_Link,gtin,mpn", True),
        ("id,title,price", False),  # Meta requires image_link
        ("id,title,price,image_link,google_product_category", False),  # google_csv's
        ("g:id,g:title,g:price,g:image_link", False),
    ],
)
def test_meta_sniff_leaves_google_specific_tables_to_google(header, expected):
    assert MetaCsvImporter().sniff(header.encode() + b"\n") is expected


def test_sniffing_binary_files_says_no_without_raising():
    assert not MetaCsvImporter().sniff(b"PK\x03\x04\x81\x8d\x90 binary")
    assert not GoogleDelimitedImporter().sniff(b"")


@pytest.fixture
def meta_feed():
    path = FEEDS / "meta_catalog_feed.csv"
    if not path.exists():
        pytest.skip(f"the real feeds are not here ({FEEDS}): CI has them in shared/feeds beside the checkout")
    return path.read_bytes()


def expected_rows(data: bytes):
    """(line, id, price, currency, availability, image URLs) per row, read with the csv module and split()."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    availability = {"in stock": "in_stock", "out of stock": "out_of_stock"}
    rows, lines_before = [], 1  # the header
    for row in reader:
        amount, currency = row["price"].split()
        images = [row["image_link"]] + [url for url in row["additional_image_link"].split(",") if url]
        rows.append(
            (
                lines_before + 1,
                row["id"],
                Decimal(amount),
                currency,
                availability[row["availability"]],
                list(dict.fromkeys(images)),
            )
        )
        lines_before = reader.line_num
    return rows


def test_real_meta_feed_yields_every_row(meta_feed):
    expected = expected_rows(meta_feed)
    assert len(expected) == 271
    assert MetaCsvImporter().sniff(meta_feed[:65536])
    assert not GoogleDelimitedImporter().sniff(meta_feed[:65536])
    products, errors = parse(meta_feed)
    assert errors == []
    assert [
        (p.row_number, p.key, p.variants[0].price, p.variants[0].currency, p.variants[0].availability, p.image_urls)
        for p in products
    ] == expected
    assert [[v.sku for v in p.variants] for p in products] == [[row[1]] for row in expected]
    assert sum(len(p.image_urls) for p in products) == 1492
    assert all("&nbsp;" not in p.description and "-->" not in p.description for p in products)


def test_real_meta_feed_reads_the_same_saved_as_shift_jis_or_utf16(meta_feed):
    as_utf8 = parse(meta_feed)
    text = meta_feed.decode("utf-8")
    for encoding in ("cp932", "utf-16"):
        assert parse(text.encode(encoding)) == as_utf8, encoding
