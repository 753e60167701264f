"""Cell values: prices in every local style, currencies, availability words, HTML descriptions, URL lists."""

from decimal import Decimal

import pytest

from catalog.importers.values import html_to_text, normalise_availability, parse_currency, parse_price, split_urls


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("15.00 GBP", "15.00", "GBP"),
        ("GBP 15.00", "15.00", "GBP"),
        ("15.00GBP", "15.00", "GBP"),
        ("15.00 gbp", "15.00", "GBP"),
        ("£15.00", "15.00", "GBP"),
        ("15,00 €", "15.00", "EUR"),
        ("€ 15,5", "15.5", "EUR"),
        ("1.299,50 EUR", "1299.50", "EUR"),
        ("1,299.50 USD", "1299.50", "USD"),
        ("1 299,50 EUR", "1299.50", "EUR"),
        ("1\u00a0299,50\u00a0EUR", "1299.50", "EUR"),  # NBSP, as French Excel writes it
        ("1\u202f299,50 EUR", "1299.50", "EUR"),  # narrow NBSP
        ("1.234.567,89 EUR", "1234567.89", "EUR"),
        ("1,234,567 JPY", "1234567", "JPY"),
        ("9350 JPY", "9350", "JPY"),
        ("¥9,350", "9350", "JPY"),
        ("9,350円", "9350", "JPY"),
        ("$24", "24", "USD"),
        ("US$24.99", "24.99", "USD"),
        ("A$24.99", "24.99", "AUD"),
        ("CHF 12.5", "12.5", "CHF"),
        ("0", "0", "EUR"),
        ("24.00", "24.00", "EUR"),  # the default currency
        ("1,299", "1299", "EUR"),  # a lone separator before exactly three digits groups thousands
        ("1.299", "1299", "EUR"),
        ("0.125", "0.125", "EUR"),  # ...unless only a zero precedes it
        ("12,5", "12.5", "EUR"),
        ("12.3456", "12.3456", "EUR"),
    ],
)
def test_parse_price_reads_every_common_form_exactly(text, amount, currency):
    parsed = parse_price(text, default_currency="EUR")
    assert parsed == (Decimal(amount), currency)
    assert isinstance(parsed[0], Decimal) and str(parsed[0]) == amount  # exact: no float on the way


@pytest.mark.parametrize(("default", "currency"), [("CAD", "CAD"), ("AUD", "AUD"), ("EUR", "USD"), (None, "USD")])
def test_dollar_sign_means_the_default_currency_when_that_is_a_dollar(default, currency):
    assert parse_price("$24.00", default_currency=default) == (Decimal("24.00"), currency)


def test_yen_sign_follows_a_yuan_default():
    assert parse_price("¥99", default_currency="CNY") == (Decimal("99"), "CNY")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ten dollars", "price 'ten dollars' is not a number: write it like 24.00 or 24.00 EUR"),
        ("", "price is empty"),
        ("24.", "is not a number"),
        ("1,299,50", "is not a number"),  # thousands groups must have three digits
        ("12,34.50", "is not a number"),
        ("1 29,50", "is not a number"),
        ("-5.00 EUR", "is negative: prices must be zero or more"),
        ("(5.00)", "is negative"),
        ("£5 EUR", "names two currencies (GBP and EUR)"),
        ("1e3 EUR", "is not a number"),
    ],
)
def test_parse_price_says_what_to_write_instead(text, message):
    with pytest.raises(ValueError) as raised:
        parse_price(text, default_currency="EUR")
    assert message in str(raised.value)


def test_parse_price_without_currency_or_default_asks_for_a_code():
    with pytest.raises(ValueError, match="has no currency: add a currency code"):
        parse_price("24.00")


def test_parse_currency():
    assert parse_currency(" eur ") == "EUR"
    for bad in ("", "EURO", "€", "E1R"):
        with pytest.raises(ValueError, match="3-letter currency code"):
            parse_currency(bad)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("in stock", "in_stock"),
        ("in_stock", "in_stock"),
        ("instock", "in_stock"),
        ("In Stock", "in_stock"),
        ("available", "in_stock"),
        ("", "in_stock"),
        ("http://schema.org/InStock", "in_stock"),
        ("out of stock", "out_of_stock"),
        ("out_of_stock", "out_of_stock"),
        ("outofstock", "out_of_stock"),
        ("Sold Out", "out_of_stock"),
        ("discontinued", "out_of_stock"),
        ("preorder", "preorder"),
        ("pre-order", "preorder"),
        ("available for order", "preorder"),
        ("backorder", "backorder"),
        ("onbackorder", "backorder"),
    ],
)
def test_normalise_availability(text, value):
    assert normalise_availability(text) == value


def test_normalise_availability_lists_the_accepted_values():
    with pytest.raises(ValueError, match="'maybe' is not one we know: write in stock, out of stock, preorder"):
        normalise_availability("maybe")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hand-made <b>mug</b></p><p>Dishwasher safe</p>", "Hand-made mug\n\nDishwasher safe"),
        ("Line one<br>Line two<br/>Line three", "Line one\nLine two\nLine three"),
        ("<ul>\n <li>Blue</li>\n <li>Large</li>\n</ul>", "• Blue\n• Large"),
        ("Fish &amp; chips&nbsp;&#39;to go&#39; &#10003;", "Fish & chips 'to go' ✓"),
        ("<div>Text</div><script>alert('x')</script><style>p {color: red}</style>", "Text"),
        ("<div>\n   spread   over\n   lines  </div>", "spread over lines"),
        ("<p>a</p><p></p><p></p><div></div><p>b</p>", "a\n\nb"),
        ("<h2>Care</h2>Wash cold<!-- internal note -->", "Care\nWash cold"),
        ("Text <!-- a comment the export cut off", "Text"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("plain", "text"),
    [
        ("  A  plain   description  ", "A plain description"),
        ("Para one\n\n\n\nPara two\nsame para", "Para one\n\nPara two\nsame para"),
        ("Sizes: 3<5cm, Tom & Jerry", "Sizes: 3<5cm, Tom & Jerry"),
        ("素材<クラリーノ>使用", "素材<クラリーノ>使用"),  # Japanese quoting, not tags
        ("&nbsp; カラー --> ブラック", "カラー ブラック"),  # Meta leftovers: an entity, a comment's orphaned end
    ],
)
def test_html_to_text_leaves_plain_text_alone_apart_from_whitespace_and_leftovers(plain, text):
    assert html_to_text(plain) == text


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("https://a.test/1.jpg,https://a.test/2.jpg", ["https://a.test/1.jpg", "https://a.test/2.jpg"]),
        ("https://a.test/1.jpg | http://a.test/2.jpg", ["https://a.test/1.jpg", "http://a.test/2.jpg"]),
        (
            "https://a.test/1.jpg\nhttps://a.test/2.jpg  https://a.test/1.jpg",
            ["https://a.test/1.jpg", "https://a.test/2.jpg"],
        ),
        (
            "https://cdn.test/w_100,h_100/1.jpg, https://a.test/2.jpg",  # a comma inside a URL is not a separator
            ["https://cdn.test/w_100,h_100/1.jpg", "https://a.test/2.jpg"],
        ),
        ("photo.jpg, ftp://a.test/x.jpg, /img/2.jpg, https://a.test/3.jpg", ["https://a.test/3.jpg"]),
        ("", []),
    ],
)
def test_split_urls(text, urls):
    assert split_urls(text) == urls
