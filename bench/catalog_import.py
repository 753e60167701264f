"""Catalog import throughput: parse + upsert of a generated 50,000-row feed into PostgreSQL, against bare bulk
inserts of the same rows (products, variants, image rows) in the same run.

Two baselines: Django's bulk_create (what a Django import usually is) and PostgreSQL COPY of ready-made tuples
(the fastest bare insert there is). ratio = our time / COPY time (lower is better; the target is 3 or less);
rows/s is ours (target 10,000 or more). A re-import of the same feed (every row unchanged) is timed too. Runs in a throwaway test
database on DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/shop_video) and drops it afterwards.
Usage: python bench/catalog_import.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/shop_video")
# Image-fetch messages go to a throwaway embedded broker, not to a real queue.
os.environ["CELERY_BROKER_URL"] = "filesystem://localhost/"
os.environ["CELERY_BROKER_DIR"] = tempfile.mkdtemp(prefix="bench-broker-")

VARIANTS_PER_PRODUCT = 2


def google_feed(rows: int) -> bytes:
    items = []
    for i in range(rows):
        group = i // VARIANTS_PER_PRODUCT
        items.append(
            f"<item><g:id>SKU-{i:06d}</g:id><g:item_group_id>P-{group:06d}</g:item_group_id>"
            f"<g:title>{escape(f'Linen shirt {group} & co')}</g:title>"
            f"<g:description>Soft linen, size {i % VARIANTS_PER_PRODUCT}</g:description>"
            f"<g:link>https://shop.example.com/p/{group}</g:link>"
            f"<g:image_link>https://cdn.example.com/img/{group}.jpg</g:image_link>"
            f"<g:price>{19 + i % 50}.99 GBP</g:price><g:availability>in stock</g:availability>"
            f"<g:brand>Example</g:brand></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">'
        f"<channel><title>bench</title>{''.join(items)}</channel></rss>"
    ).encode()


def shopify_csv(rows: int) -> bytes:
    lines = [
        "Handle,Title,Body (HTML),Vendor,Type,Published,Option1 Name,Option1 Value,Variant SKU,"
        "Variant Price,Variant Compare At Price,Variant Inventory Qty,Image Src,Image Position,Status"
    ]
    for i in range(rows):
        group, first = i // VARIANTS_PER_PRODUCT, i % VARIANTS_PER_PRODUCT == 0
        head = (
            f"shirt-{group},Linen shirt {group},<p>Soft <b>linen</b></p>,Example,Shirts,TRUE"
            if first
            else f"shirt-{group},,,,,"
        )
        lines.append(
            f"{head},Size,{'SML'[i % 3]}{i},SH-{i:06d},{19 + i % 50}.99,,5,"
            f"{f'https://cdn.example.com/s/{group}.jpg,1' if first else ','},{'active' if first else ''}"
        )
    return ("\n".join(lines) + "\n").encode()


def copy_same_rows(merchant, rows: int) -> None:
    """The strict baseline: the same rows as ready-made tuples, COPYed in, 500 products per transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, rows, 500):
            with transaction.atomic():
                indexes = range(start, min(start + 500, rows))
                groups = sorted({i // VARIANTS_PER_PRODUCT for i in indexes})
                with cursor.copy(
                    "COPY catalog_product (merchant_id, key, title, description, brand, product_type, "
                    "url, status, created_at, updated_at) FROM STDIN"
                ) as copy:
                    for g in groups:
                        copy.write_row(
                            (
                                merchant.pk,
                                f"P-{g:06d}",
                                f"Linen shirt {g}",
                                "",
                                "",
                                "",
                                f"https://shop.example.com/p/{g}",
                                "active",
                                now,
                                now,
                            )
                        )
                cursor.execute(
                    "SELECT key, id FROM catalog_product WHERE merchant_id = %s AND key = ANY(%s)",
                    [merchant.pk, [f"P-{g:06d}" for g in groups]],
                )
                ids = dict(cursor.fetchall())
                with cursor.copy(
                    "COPY catalog_variant (merchant_id, product_id, key, sku, title, price, currency, "
                    "availability, options, position, created_at, updated_at) FROM STDIN"
                ) as copy:
                    for i in indexes:
                        copy.write_row(
                            (
                                merchant.pk,
                                ids[f"P-{i // VARIANTS_PER_PRODUCT:06d}"],
                                f"SKU-{i:06d}",  # the variant's key (a Google id), then its SKU
                                f"SKU-{i:06d}",
                                "",
                                Decimal(f"{19 + i % 50}.99"),
                                "GBP",
                                "in_stock",
                                "{}",
                                0,
                                now,
                                now,
                            )
                        )
                with cursor.copy(
                    "COPY catalog_productimage (merchant_id, product_id, file, sha256, size_bytes, "
                    "position, source_url, status, error, created_at, updated_at) FROM STDIN"
                ) as copy:
                    for g in groups:
                        copy.write_row(
                            (
                                merchant.pk,
                                ids[f"P-{g:06d}"],
                                "",
                                "",
                                0,
                                0,
                                f"https://cdn.example.com/img/{g}.jpg",
                                "pending",
                                "",
                                now,
                                now,
                            )
                        )


def bulk_create_same_rows(merchant, rows: int) -> None:
    """The usual baseline: the same products, variants and image rows as model objects, bulk_create'd."""
    from django.db import transaction

    from catalog.models import Product, ProductImage, Variant

    for start in range(0, rows, 500):
        with transaction.atomic():
            indexes = range(start, min(start + 500, rows))
            groups = sorted({i // VARIANTS_PER_PRODUCT for i in indexes})
            products = Product.objects.bulk_create(
                [
                    Product(
                        merchant=merchant,
                        key=f"P-{g:06d}",
                        title=f"Linen shirt {g}",
                        url=f"https://shop.example.com/p/{g}",
                    )
                    for g in groups
                ]
            )
            by_group = dict(zip(groups, products))
            Variant.objects.bulk_create(
                [
                    Variant(
                        merchant=merchant,
                        product=by_group[i // VARIANTS_PER_PRODUCT],
                        key=f"SKU-{i:06d}",
                        sku=f"SKU-{i:06d}",
                        price=Decimal(f"{19 + i % 50}.99"),
                        currency="GBP",
                    )
                    for i in indexes
                ]
            )
            ProductImage.objects.bulk_create(
                [
                    ProductImage(merchant=merchant, product=p, source_url=f"https://cdn.example.com/img/{g}.jpg")
                    for g, p in by_group.items()
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 rows instead of 50,000")
    rows = 5_000 if parser.parse_args().quick else 50_000

    import django

    django.setup()
    from django.db import connection

    from catalog.importers import importer_get
    from catalog.importers.base import ImportOptions
    from catalog.importing import catalog_import_run
    from shop_video.tenancy.services import merchant_create

    if connection.vendor != "postgresql":
        sys.exit("bench/catalog_import.py measures PostgreSQL: set DATABASE_URL to a PostgreSQL server")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        feeds = {"google_xml": google_feed(rows), "shopify_csv": shopify_csv(rows)}
        results = []
        for index, (name, data) in enumerate(feeds.items()):
            started = time.perf_counter()
            bulk_create_same_rows(merchant_create(slug=f"bulk-create-{index}"), rows)
            bulk_seconds = time.perf_counter() - started
            started = time.perf_counter()
            copy_same_rows(merchant_create(slug=f"copy-{index}"), rows)
            copy_seconds = time.perf_counter() - started

            merchant = merchant_create(slug=f"import-{index}")
            options = ImportOptions(default_currency="GBP")
            started = time.perf_counter()
            first = catalog_import_run(
                merchant=merchant, importer=importer_get(name), source=name, data=data, options=options
            )
            import_seconds = time.perf_counter() - started
            started = time.perf_counter()
            again = catalog_import_run(
                merchant=merchant, importer=importer_get(name), source=name, data=data, options=options
            )
            reimport_seconds = time.perf_counter() - started
            assert first.failed_count == 0 and first.created_count == rows // VARIANTS_PER_PRODUCT, first.errors[:3]
            assert again.unchanged_count == first.created_count, (again.created_count, again.updated_count)
            results.append((name, import_seconds, reimport_seconds, bulk_seconds, copy_seconds))
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)

    print(f"catalog import, {rows:,} rows ({VARIANTS_PER_PRODUCT} variants + 1 image per product), PostgreSQL")
    print(
        f"{'feed':<13}{'import s':>9}{'rows/s':>9}{'re-import s':>12}{'bulk_create s':>14}{'COPY s':>8}"
        f"{'vs bulk_create':>15}{'vs COPY':>9}"
    )
    for name, seconds, again, bulk, copy in results:
        print(
            f"{name:<13}{seconds:>9.2f}{rows / seconds:>9,.0f}{again:>12.2f}{bulk:>14.2f}{copy:>8.2f}"
            f"{seconds / bulk:>15.2f}{seconds / copy:>9.2f}"
        )
    worst = max(results, key=lambda r: r[1] / r[4])
    print(
        f"catalog_import ratio={worst[1] / worst[4]:.2f} rows={rows} "
        + " ".join(
            f"{name}_rows_per_s={rows / s:.0f} {name}_vs_copy={s / c:.2f} {name}_vs_bulk_create={s / b:.2f}"
            for name, s, _, b, c in results
        )
    )


if __name__ == "__main__":
    main()
