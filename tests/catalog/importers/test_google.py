"""Google Merchant Center feeds: RSS/Atom XML, the delimited form, hostile XML, and the real feed in shared/feeds."""

import re
import socket
import threading
import time
import xml.etree.ElementTree as StdlibXml
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.importers.base import FeedRejected, ImportOptions, ParsedProduct, RowError
from catalog.importers.google import GoogleDelimitedImporter, GoogleXmlImporter

FEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "feeds"
G = "http://base.google.com/ns/1.0"


def rss(*items: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="{G}"><channel><title>Shop</title>'
        + "".join(f"<item>{item}</item>" for item in items)
        + "</channel></rss>"
    ).encode()


def parse(importer, data: bytes, **options):
    results = list(importer.parse(data, options=ImportOptions(**options)))
    return ([r for r in results if isinstance(r, ParsedProduct)], [r for r in results if isinstance(r, RowError)])


def item(sku, title="Mug", price="9.99 GBP", extra=""):
    return f"<g:id>{sku}</g:id><g:title>{title}</g:title><g:price>{price}</g:price>{extra}"


def test_rss_item_becomes_a_product_with_one_variant():
    products, errors = parse(
        GoogleXmlImporter(),
        rss(
            item(
                "MUG-1",
                extra=(
                    "<g:description><![CDATA[<p>Hand-made &amp; glazed</p><ul><li>350 ml</li></ul>]]></g:description>"
                    "<g:link>https://shop.test/mug</g:link><g:brand>Potter</g:brand><g:product_type>Kitchen &gt; Mugs"
                    "</g:product_type><g:availability>out of stock</g:availability><g:image_link>https://shop.test/1.jpg"
                    "</g:image_link><g:additional_image_link>https://shop.test/2.jpg,https://shop.test/1.jpg"
                    "</g:additional_image_link><g:additional_image_link>https://shop.test/3.jpg</g:additional_image_link>"
                    "<g:shipping><g:country>GB</g:country><g:price>3.65 GBP</g:price></g:shipping>"
                ),
            )
        ),
    )
    assert errors == []
    [product] = products
    assert (product.row_number, product.key, product.title, product.brand, product.url) == (
        1,
        "MUG-1",
        "Mug",
        "Potter",
        "https://shop.test/mug",
    )
    assert product.description == "Hand-made & glazed\n\n• 350 ml"
    assert product.product_type == "Kitchen > Mugs"
    assert product.image_urls == ["https://shop.test/1.jpg", "https://shop.test/2.jpg", "https://shop.test/3.jpg"]
    [variant] = product.variants
    assert (variant.sku, variant.price, variant.currency, variant.availability) == (
        "MUG-1",
        Decimal("9.99"),
        "GBP",
        "out_of_stock",
    )  # the shipping price is not the item's


def test_elements_without_the_g_prefix_are_read_too():
    products, _ = parse(GoogleXmlImporter(), rss("<id>A</id><title>Plain</title><price>5 EUR</price>"))
    assert [(p.key, p.title, p.variants[0].price) for p in products] == [("A", "Plain", Decimal("5"))]


def test_atom_feed_prefers_g_elements_over_atoms_own():
    atom = (
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="{G}"><title>Shop</title><entry>'
        '<id>tag:shop.test,2024:1</id><g:id>SKU-1</g:id><title>Lamp</title><link href="https://shop.test/lamp"/>'
        "<g:price>30.00 USD</g:price></entry></feed>"
    ).encode()
    assert GoogleXmlImporter().sniff(atom)
    products, errors = parse(GoogleXmlImporter(), atom)
    assert errors == []
    assert [(p.key, p.title, p.url) for p in products] == [("SKU-1", "Lamp", "https://shop.test/lamp")]


def test_items_sharing_item_group_id_anywhere_are_one_product_in_order_of_first_appearance():
    def tee(size):
        return (
            f"<g:item_group_id>TEE</g:item_group_id><g:size>{size}</g:size>"
            f"<g:image_link>https://s.test/{size.lower()}.jpg</g:image_link>"
        )

    products, _ = parse(
        GoogleXmlImporter(),
        rss(item("TEE-S", "Tee small", extra=tee("S")), item("MUG"), item("TEE-M", "Tee medium", extra=tee("M"))),
    )
    assert [(p.key, p.title, p.row_number) for p in products] == [("TEE", "Tee small", 1), ("MUG", "Mug", 2)]
    tee = products[0]
    assert [(v.sku, v.title, v.options, v.image_urls) for v in tee.variants] == [
        ("TEE-S", "Tee small", {"Size": "S"}, ["https://s.test/s.jpg"]),
        ("TEE-M", "Tee medium", {"Size": "M"}, ["https://s.test/m.jpg"]),
    ]
    assert tee.image_urls == ["https://s.test/s.jpg", "https://s.test/m.jpg"]


def test_a_lower_sale_price_is_the_price_and_the_regular_price_the_compare_at():
    products, _ = parse(
        GoogleXmlImporter(),
        rss(
            item("A", price="20.00 EUR", extra="<g:sale_price>15.00 EUR</g:sale_price>"),
            item("B", price="20.00 EUR", extra="<g:sale_price>25.00 EUR</g:sale_price>"),
        ),
    )
    assert [(v.price, v.compare_at_price) for p in products for v in p.variants] == [
        (Decimal("15.00"), Decimal("20.00")),
        (Decimal("20.00"), None),
    ]


def test_bad_items_become_row_errors_and_the_rest_is_kept():
    products, errors = parse(
        GoogleXmlImporter(),
        rss(
            item("OK-1"),
            "<g:title>No id</g:title><g:price>1 GBP</g:price>",
            item("NO-TITLE", title=""),
            item("NO-PRICE", price=""),
            item("BAD-PRICE", price="ten pounds"),
            item("BAD-STOCK", extra="<g:availability>maybe</g:availability>"),
            item("OK-1"),
            item("BAD-IMAGE", extra="<g:image_link>photo.jpg</g:image_link>"),
        ),
    )
    assert [p.key for p in products] == ["OK-1", "BAD-IMAGE"]  # a bad image still leaves a product
    assert [(e.row_number, e.field) for e in errors] == [
        (2, "id"),
        (3, "title"),
        (4, "price"),
        (5, "price"),
        (6, "availability"),
        (7, "id"),
        (8, "image_link"),
    ]
    assert "is already used on row 1" in errors[5].message
    assert "starting with https://" in errors[6].message


def test_utf16_feed_is_sniffed_and_read():
    data = rss(item("A", title="Tasse à café")).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = data.encode("utf-16")
    assert GoogleXmlImporter().sniff(data[:200])
    assert parse(GoogleXmlImporter(), data)[0][0].title == "Tasse à café"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (rss(item("A")), True),
        (b"\xef\xbb\xbf<!-- exported -->\n" + rss(item("A")), True),
        (b"<rss version='2.0'><channel><item><title>A blog</title></item></channel></rss>", False),
        (f'<catalog xmlns:g="{G}"><item/></catalog>'.encode(), False),
        (b"id\ttitle\tprice\n", False),
        (b"PK\x03\x04\x81\x8d\x90 binary", False),  # an .xlsx: not text, so no opinion rather than an error
    ],
)
def test_xml_sniff(head, expected):
    assert GoogleXmlImporter().sniff(head) is expected


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "lol">'
    + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
    + f']><rss xmlns:g="{G}"><channel><item><g:title>&j;</g:title></item></channel></rss>'
)


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        f'<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss xmlns:g="{G}"><channel><item><g:id>&x;'
        "</g:id></item></channel></rss>",
    ],
    ids=["billion-laughs", "xxe-file"],
)
def test_hostile_xml_is_rejected_quickly(document):
    started = time.perf_counter()
    with pytest.raises(FeedRejected, match="export the feed again without a DOCTYPE"):
        parse(GoogleXmlImporter(), document.encode())
    assert time.perf_counter() - started < 0.5  # expanded, the laughs would take minutes and GBs


@pytest.fixture
def listener():
    """A local HTTP-ish listener counting the connections it gets (an XXE fetch would be one)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    connections, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            connection.close()  # a vulnerable parser gets an empty answer instead of hanging

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>',
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]>',
        '<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/rss.dtd">',
    ],
    ids=["general-entity", "parameter-entity", "external-dtd"],
)
def test_xxe_never_fetches(listener, doctype):
    port, connections = listener
    document = (
        doctype.format(port=port) + f'<rss xmlns:g="{G}"><channel><item><g:id>A</g:id><g:title>&x;'
        "</g:title></item></channel></rss>"
    )
    with pytest.raises(FeedRejected, match="DOCTYPE"):
        parse(GoogleXmlImporter(), document.encode())
    time.sleep(0.2)  # time for a connection to arrive, had anything tried
    assert connections == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<rss><channel><item>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (f'<catalog xmlns:g="{G}"/>'.encode(), "root element is <catalog>"),
    ],
)
def test_unreadable_xml_is_rejected_with_what_to_do(document, message):
    with pytest.raises(FeedRejected, match=message):
        parse(GoogleXmlImporter(), document)


def test_delimited_feed_with_prefixed_mixed_case_headers_numbered_as_a_spreadsheet_shows_them():
    tsv = (
        "\n"
        "G:ID\tg:Title\tg:price\tg:sale_price\tg:availability\tImage Link\tg:item_group_id\n"
        "A-S\tTee\t20.00 EUR\t15,00 EUR\tin stock\thttps://s.test/a.jpg\tTEE\n"
        "\n"
        "B\tMug\t9.99 EUR\tpreorder\t\t\t\textra\n"
        "A-M\tTee M\t20.00 EUR\t\tout_of_stock\thttps://s.test/m.jpg\tTEE\n"
        "C\t\t1 EUR\n"
    ).encode("utf-16")
    assert GoogleDelimitedImporter().sniff(tsv)
    products, errors = parse(GoogleDelimitedImporter(), tsv)
    # The blank line before the header is skipped (header = row 1); the blank row 3 is counted, as a spreadsheet
    # shows it; the file line is kept where it differs.
    assert [(p.key, p.row_number, p.line, [v.sku for v in p.variants]) for p in products] == [
        ("TEE", 2, 3, ["A-S", "A-M"])
    ]
    assert products[0].variants[0].price == Decimal("15.00")
    assert products[0].image_urls == ["https://s.test/a.jpg", "https://s.test/m.jpg"]
    assert [(e.row_number, e.line, e.field, e.ref) for e in errors] == [(4, 5, "", ""), (6, 7, "title", "C")]
    assert "put quotes around cells" in errors[0].message


def test_delimited_feed_without_required_columns_is_rejected():
    with pytest.raises(FeedRejected, match="the header row has no price column"):
        parse(GoogleDelimitedImporter(), b"g:id,g:title\nA,Mug\n")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("g:id,g:title,g:price", True),
        ("id,title,price,google_product_category", True),
        ("id\ttitle\tprice\tidentifier_exists", True),
        ("id,title,price,image_link,gtin", False),  # nothing Google-only: that is meta_csv's
        ("sku,title,price,currency", False),
    ],
)
def test_delimited_sniff_needs_something_google_only(header, expected):
    assert GoogleDelimitedImporter().sniff(header.encode() + b"\n") is expected


@pytest.fixture
def google_feed():
    path = FEEDS / "google_merchant_feed.xml"
    if not path.exists():
        pytest.skip(f"the real feeds are not here ({FEEDS}): CI has them in shared/feeds beside the checkout")
    return path.read_bytes()


def test_real_google_feed_yields_every_item(google_feed):
    assert len(re.findall(rb"<item>", google_feed)) == 73
    expected = []  # (id, price, currency, image URLs), read with the stdlib parser (a trusted file) and split()
    for element in StdlibXml.fromstring(google_feed).iter("item"):
        amount, currency = element.findtext(f"{{{G}}}price").split()  # the item's own price, not shipping's
        images = [image.text for image in element.findall(f"{{{G}}}image_link")]
        images += [image.text for image in element.findall(f"{{{G}}}additional_image_link")]
        expected.append((element.findtext(f"{{{G}}}id"), Decimal(amount), currency, list(dict.fromkeys(images))))
    assert GoogleXmlImporter().sniff(google_feed[:65536])
    products, errors = parse(GoogleXmlImporter(), google_feed)
    assert errors == []
    assert [(p.key, p.variants[0].price, p.variants[0].currency, p.image_urls) for p in products] == expected
    assert [len(p.variants) for p in products] == [1] * 73
    assert [p.row_number for p in products] == list(range(1, 74))
    assert sum(len(p.image_urls) for p in products) == 74
