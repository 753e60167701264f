"""Exports as shops really write them (issue 16) and numbers past what the catalog stores (issue 17): hand-written
feeds in tests/catalog/fixtures (see its README for where each shape comes from), imported end to end."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from catalog.importers import importer_detect
from catalog.importers.base import FeedRejected, ImportOptions
from catalog.importers.woocommerce import ENGLISH, REQUIRED_FIELDS, WooCommerceCsvImporter
from catalog.importers.woocommerce_headers import TRANSLATIONS
from catalog.importing import catalog_import_run
from catalog.models import Product, Variant
from catalog.selectors import SkuAmbiguous, VariantNotFound, variant_get_by_ref, variant_sku_choices
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
PIN_SMA_AMBIGUOUS = "SKU 'PIN-SMA' is on 2 products: name one by handle or id instead (pine-candle, pine-smoke-candle)."


@pytest.fixture(autouse=True)
def _no_image_fetching(monkeypatch):
    from catalog import dispatch

    monkeypatch.setattr(dispatch, "images_fetch_send", lambda **kwargs: None)


def import_fixture(merchant, name: str):
    data = (FIXTURES / name).read_bytes()
    importer = importer_detect(data)
    options = ImportOptions(default_currency=merchant.default_currency)
    return catalog_import_run(merchant=merchant, importer=importer, source=name, data=data, options=options)


def variants_of(merchant) -> dict[str, list[tuple]]:
    return {
        product.key: [(v.key, v.sku, v.price, v.compare_at_price, v.currency) for v in product.variants.all()]
        for product in Product.objects.filter(merchant=merchant).order_by("key")
    }


# --- translated WooCommerce headers ---------------------------------------------------------------------------


def test_a_german_woocommerce_export_is_read_in_the_merchants_currency(merchant):
    merchant.default_currency = "EUR"
    record = import_fixture(merchant, "woocommerce_de_DE.csv")

    assert (record.format, record.status, record.errors, record.created_count) == (
        "woocommerce_csv",
        "succeeded",
        [],
        2,
    )
    assert variants_of(merchant) == {
        "KAPUZE": [
            ("woo-102", "KAPUZE-BLAU", Decimal("39.90"), Decimal("45"), "EUR"),
            ("woo-103", "KAPUZE-GRUEN", Decimal("45"), None, "EUR"),
        ],
        "MUETZE": [("woo-104", "MUETZE", Decimal("18.50"), None, "EUR")],
    }
    hoodie = Product.objects.get(key="KAPUZE")
    assert (hoodie.title, hoodie.product_type, hoodie.description) == (
        "Kapuzenpullover",
        "Pullover",
        "Reine Baumwolle.\n\nBei 30 °C waschen.",
    )
    assert list(hoodie.variants.values_list("options", flat=True)) == [{"Farbe": "Blau"}, {"Farbe": "Grün"}]
    assert record.notes == [
        "The header is WooCommerce's German (de_DE) one; read as such.",
        "WooCommerce exports carry no currency: prices were read as EUR, the merchant's default currency. If that "
        "is wrong, change the default currency (dashboard settings, the merchant API or create_merchant --currency) "
        "and import again.",
    ]


def test_a_russian_shop_without_skus_imports_keyed_by_woocommerce_ids_and_each_product_can_be_named(merchant):
    merchant.default_currency = "RUB"
    record = import_fixture(merchant, "woocommerce_ru_RU.csv")

    assert (record.status, record.errors, record.created_count) == ("succeeded", [], 2)
    assert variants_of(merchant) == {
        "woo-201": [("woo-201", "woo-201", Decimal("490"), None, "RUB")],
        "woo-202": [
            ("woo-203", "woo-203", Decimal("1200"), None, "RUB"),
            ("woo-204", "woo-204", Decimal("990"), Decimal("1200"), "RUB"),
        ],
    }
    assert record.notes[0] == "The header is WooCommerce's Russian (ru_RU) one; read as such."
    assert "read as RUB, the merchant's default currency" in record.notes[1]
    # The product by its id, a variation by its own id.
    assert variant_get_by_ref(merchant=merchant, ref="woo-202").sku == "woo-203"
    assert variant_get_by_ref(merchant=merchant, ref="woo-204").price == Decimal("990")
    again = import_fixture(merchant, "woocommerce_ru_RU.csv")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)


@pytest.mark.parametrize("locale", sorted(TRANSLATIONS))
def test_each_language_of_woocommerces_own_translations_is_recognised(locale):
    header = ",".join(f'"{name}"' for name in TRANSLATIONS[locale].values() if "%d" not in name)
    row = "7,simple,MUG,Mug,1,,,1,3,,5,,,,,,0"
    data = f"{header}\n{row}\n".encode()
    assert isinstance(importer_detect(data), WooCommerceCsvImporter)


def test_an_unknown_language_still_gets_the_not_recognised_message():
    # Not WooCommerce's Turkish (that pack is not among ours): a header we have no translation for.
    data = "Kimlik,Tür,Stok kodu,İsim,Normal fiyat,Ebeveyn\n1,simple,MUG,Mug,5,\n".encode()
    with pytest.raises(FeedRejected, match="The file's format was not recognised"):
        importer_detect(data)
    with pytest.raises(FeedRejected, match="the header has no Type, SKU, Name, Regular price"):
        list(WooCommerceCsvImporter().parse(data, options=ImportOptions()))


def test_the_translations_cover_what_the_importer_needs_in_every_language():
    for locale, headers in TRANSLATIONS.items():
        assert set(headers) == set(ENGLISH), locale
        assert all(headers[field] for field in REQUIRED_FIELDS), locale


# --- something before the header ------------------------------------------------------------------------------


def test_blank_lines_whitespace_and_a_byte_order_mark_before_the_header_are_skipped_and_noted(merchant):
    record = import_fixture(merchant, "woocommerce_junk_before_header.csv")

    assert (record.status, record.errors, record.created_count) == ("succeeded", [], 2)
    assert record.notes[0] == (
        "Skipped 1 blank line, a stray byte-order mark and spaces or tabs before the header row (often printed by "
        "a WordPress plugin into the export); the header was read from the first line with text."
    )


# --- the same SKU on different products, and row references ---------------------------------------------------


def test_a_sku_on_two_products_imports_both_warns_and_names_rows_as_a_spreadsheet_does(merchant):
    record = import_fixture(merchant, "shopify_repeated_skus.csv")

    assert (record.status, record.created_count) == ("succeeded", 2)
    assert variants_of(merchant) == {
        "pine-candle": [
            ("pine-candle-Small", "PIN-SMA", Decimal("12.00"), None, "USD"),
            ("pine-candle-Large", "PIN-LAR", Decimal("20.00"), None, "USD"),
        ],
        "pine-smoke-candle": [
            ("pine-smoke-candle-Small", "PIN-SMA", Decimal("14.00"), Decimal("16.00"), "USD"),
            ("pine-smoke-candle-Large", "pine-smoke-candle-Large", Decimal("22.00"), None, "USD"),
        ],
    }
    assert record.notes[-1] == (
        "SKU 'PIN-SMA' is on 2 products (pine-candle, pine-smoke-candle): all were imported; name one by its "
        "handle or id where a SKU is asked for (renders, the API, live rooms)."
    )
    # Row 6 as a spreadsheet shows it, line 8 of the file: the second candle's description spans three lines.
    assert record.errors[0] == {
        "row": 6,
        "field": "Variant Price",
        "message": "price 'twelve' is not a number: write it like 24.00 or 24.00 EUR",
        "ref": "no-price-candle",
        "line": 8,
    }
    again = import_fixture(merchant, "shopify_repeated_skus.csv")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)


def test_a_sku_on_two_products_is_named_by_handle_and_an_ambiguous_one_says_which_handles(merchant):
    import_fixture(merchant, "shopify_repeated_skus.csv")

    with pytest.raises(SkuAmbiguous) as caught:
        variant_get_by_ref(merchant=merchant, ref="PIN-SMA")
    assert str(caught.value) == PIN_SMA_AMBIGUOUS
    assert variant_get_by_ref(merchant=merchant, ref="pine-smoke-candle").sku == "PIN-SMA"  # its first variant
    assert variant_get_by_ref(merchant=merchant, ref="PIN-LAR").product.key == "pine-candle"  # a SKU on one product
    assert variant_get_by_ref(merchant=merchant, ref="pine-smoke-candle-Large").price == Decimal("22.00")
    with pytest.raises(VariantNotFound, match="no product with SKU 'NOPE', nor with that handle or id"):
        variant_get_by_ref(merchant=merchant, ref="NOPE")
    # The render form offers the handle where a SKU cannot name one product.
    refs = [ref for ref, _ in variant_sku_choices(merchant=merchant)]
    assert "PIN-SMA" not in refs and {"pine-candle", "pine-smoke-candle", "PIN-LAR"} <= set(refs)


def test_rendering_an_ambiguous_sku_is_refused_with_the_handles_and_a_handle_renders(
    merchant, builtin_templates, sent_tasks
):
    from catalog.services import product_image_add
    from generation.services.render_jobs import render_job_create

    import_fixture(merchant, "shopify_repeated_skus.csv")
    smoke = Product.objects.get(key="pine-smoke-candle")
    product_image_add(product=smoke, data=factories.photo_bytes())
    options = {"template_slug": "product-showcase", "aspect_ratios": ["9:16"], "short_side": 180}
    with pytest.raises(ValidationError) as caught:
        render_job_create(merchant=merchant, sku="PIN-SMA", **options)
    assert caught.value.messages == [PIN_SMA_AMBIGUOUS]
    job = render_job_create(merchant=merchant, sku="pine-smoke-candle", **options)
    assert (job.product_id, job.variant.sku) == (smoke.pk, "PIN-SMA")


# --- numbers past what the catalog stores (issue 17) ----------------------------------------------------------


def test_numbers_out_of_range_are_row_errors_naming_the_limit_and_the_rest_imports(merchant):
    record = import_fixture(merchant, "shopify_out_of_range.csv")

    assert record.status == "succeeded" and record.created_count == 1
    assert [(e["row"], e["field"], e["message"]) for e in record.errors if e["field"]] == [
        (
            2,
            "Variant Price",
            "Variant Price 12345678901.00 is too large: the most is 9999999999.9999 (14 digits, 4 after the point)",
        ),
        (3, "Variant Inventory Qty", "Variant Inventory Qty 99999999999 is too large: the most is 2147483647"),
        (
            4,
            "Variant Compare At Price",
            "Variant Compare At Price 1.000005 has more than 4 digits after the point: round it to 1.0000",
        ),
    ]
    assert list(Variant.objects.values_list("sku", "price")) == [("CW-1", Decimal("9999999999.9999"))]
    # Fixed at 5.00, the same product imports (nothing half-stored blocks it).
    fixed = (FIXTURES / "shopify_out_of_range.csv").read_bytes().replace(b"12345678901.00", b"5.00")
    importer = importer_detect(fixed)
    again = catalog_import_run(merchant=merchant, importer=importer, source="fixed.csv", data=fixed)
    assert again.created_count == 1 and Variant.objects.get(sku="GW-1").price == Decimal("5.00")
    assert Variant.objects.get(sku="CW-1").price == Decimal("9999999999.9999")  # the largest stores and reads back


def test_a_google_feed_price_out_of_range_is_a_row_error(merchant):
    feed = (
        b'<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel>'
        b"<item><g:id>BIG</g:id><g:title>Big</g:title><g:price>99999999999.00 USD</g:price></item>"
        b"<item><g:id>OK</g:id><g:title>Fine</g:title><g:price>5.00 USD</g:price></item>"
        b"</channel></rss>"
    )
    record = catalog_import_run(merchant=merchant, importer=importer_detect(feed), source="feed.xml", data=feed)
    assert record.errors == [
        {
            "row": 1,
            "field": "price",
            "message": "price 99999999999.00 is too large: the most is 9999999999.9999 (14 digits, 4 after the point)",
            "ref": "BIG",
        }
    ]
    assert list(Variant.objects.values_list("sku", flat=True)) == ["OK"]
