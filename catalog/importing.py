"""Running a catalog import: an importer parses the file into products; they are upserted in batches with a
handful of queries per batch (not per row), every good row is kept, every bad one reported by number, and the
products' photos are attached (local files, operators only) or queued for fetching (URLs)."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from catalog import dispatch, limits
from catalog.bulk_insert import bulk_insert
from catalog.images import ImageRejected
from catalog.importers.base import FeedRejected, Importer, ImportNote, ImportOptions, ParsedProduct, RowError
from catalog.importers.prefetch import parsed_ahead
from catalog.models import CatalogImport, Product, ProductImage, Variant
from catalog.services import product_image_add
from catalog.signals import products_changed_on_commit
from shop_video.embed_cache import embed_version_bump_on_commit
from shop_video.tenancy.models import Merchant

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
ProgressFn = Callable[[int], None]  # called with the number of products and errors handled so far
_PRICE_MAX = max(limits.PRICE.largest, limits.COMPARE_AT_PRICE.largest)
_PRICE_MIN = -_PRICE_MAX
_LIMITS = {
    "key": 255,
    "title": 500,
    "description": limits.DESCRIPTION_MAX_CHARS,
    "brand": 200,
    "product_type": 200,
    "category": 500,
    "url": 2000,
}
_PRODUCT_FIELDS = ("title", "description", "brand", "product_type", "category", "tags", "url", "status")
# Columns no feed fills, given to new rows as their model defaults: COPY applies none, and they are NOT NULL.
_PRODUCT_UNFILLED: dict = {}
_VARIANT_FIELDS = (
    "key",
    "sku",
    "title",
    "price",
    "compare_at_price",
    "currency",
    "availability",
    "options",
    "position",
)


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    errors: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seen_keys: set[str] = field(default_factory=set)
    sku_products: dict[str, str] = field(default_factory=dict)  # sku -> the first product key that has it
    repeated_skus: dict[str, list[str]] = field(default_factory=dict)  # sku -> every product key, when several
    images_to_fetch: list[int] = field(default_factory=list)
    batch_product_ids: dict[str, int] = field(default_factory=dict)  # key -> id of the batch being applied

    def error(self, row: int, field_name: str, message: str, *, ref: str = "", line: int | None = None) -> None:
        entry = {"row": row, "field": field_name, "message": message}
        if ref:
            entry["ref"] = ref
        if line is not None and line != row:
            entry["line"] = line
        self.errors.append(entry)

    def product_error(self, product: ParsedProduct, field_name: str, message: str) -> None:
        self.error(product.row_number, field_name, message, ref=product.key, line=product.line)


def catalog_import_run(
    *,
    merchant: Merchant,
    importer: Importer,
    source: str,
    data: bytes,
    options: ImportOptions | None = None,
    base_dir: Path | None = None,
    archive_missing: bool = False,
    on_progress: ProgressFn | None = None,
    record: CatalogImport | None = None,
) -> CatalogImport:
    """Import a whole feed. `base_dir` allows local image paths relative to it (operators on the command line;
    uploads through the web never get one). `archive_missing` archives this merchant's products that the feed
    does not contain (never deletes them); it does nothing if the feed yielded no product at all. `record` is an
    import already recorded (an API request's, whose id the client holds); else one is made."""
    if record is None:
        record = CatalogImport.objects.create(
            merchant=merchant,
            source=source[:2000],
            format=importer.name,
            status=CatalogImport.Status.RUNNING,
            started_at=timezone.now(),
        )
    else:
        record.format, record.status, record.started_at = importer.name, CatalogImport.Status.RUNNING, timezone.now()
        record.save(update_fields=["format", "status", "started_at"])
    tally = _Tally()
    try:
        items = parsed_ahead(importer.parse(data, options=options or ImportOptions()))
        with _fewer_gc_passes():
            _consume(merchant, items, tally, base_dir, on_progress)
        if archive_missing and tally.seen_keys:
            tally.archived = (
                Product.objects.filter(merchant=merchant)
                .exclude(key__any=list(tally.seen_keys))
                .exclude(status=Product.Status.ARCHIVED)
                .update(status=Product.Status.ARCHIVED)
            )
    except FeedRejected as exc:
        record.status, record.error = CatalogImport.Status.FAILED, str(exc)
    except Exception as exc:  # never leave an import "running": record why, keep the batches done so far
        record.status, record.error = CatalogImport.Status.FAILED, f"the import stopped unexpectedly: {exc}"
        _record_finish(record, tally)
        raise
    else:
        record.status = CatalogImport.Status.SUCCEEDED
    _record_finish(record, tally)
    _images_fetch_send(tally.images_to_fetch)
    return record


@contextlib.contextmanager
def _fewer_gc_passes():
    """A feed allocates hundreds of thousands of objects that live until their batch is written; at CPython's
    default gen-0 threshold (700) the collector keeps re-scanning them (measured: 7-11% of a 50,000-row import).
    Process-wide while it lasts, which suits a worker or command running one import at a time."""
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def catalog_import_summary(record: CatalogImport) -> str:
    return (
        f"created={record.created_count} updated={record.updated_count} unchanged={record.unchanged_count} "
        f"failed={record.failed_count} archived={record.archived_count} status={record.status}"
    )


def _consume(merchant, items: Iterable[ParsedProduct | RowError], tally: _Tally, base_dir, on_progress) -> None:
    batch: list[ParsedProduct] = []
    for done, item in enumerate(items, start=1):
        if isinstance(item, RowError):
            tally.error(item.row_number, item.field, item.message, ref=item.ref, line=item.line)
        elif isinstance(item, ImportNote):
            tally.notes.append(item.message)
        elif _acceptable(item, tally):
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                _batch_apply(merchant, batch, tally, base_dir)
                batch = []
        if on_progress:
            on_progress(done)
    if batch:
        _batch_apply(merchant, batch, tally, base_dir)
    tally.notes.extend(_repeated_skus_notes(tally.repeated_skus))


def _acceptable(product: ParsedProduct, tally: _Tally) -> bool:
    """Checks the database would otherwise make at the worst moment (or, on SQLite, never); a refusal is a row
    error. Every importer bounds its numbers with the column's name; this is the net under all of them."""
    for name, limit in _LIMITS.items():
        value = getattr(product, name)
        if len(value) > limit:
            tally.product_error(
                product, name, f"{name} is {len(value)} characters long; shorten it to {limit} or fewer"
            )
            return False
    if not product.variants:
        tally.product_error(product, "", "the product has no variant with a price; add a SKU and a price")
        return False
    keys = set()
    sku_products, repeated, product_key = tally.sku_products, tally.repeated_skus, product.key
    for variant in product.variants:
        key, sku = variant.key or variant.sku, variant.sku
        variant.key = key
        if len(key) > 255 or len(sku) > 255:
            name, value = ("SKU", sku) if len(sku) > 255 else ("variant key", key)
            tally.product_error(product, "sku", f"{name} is {len(value)} characters long; shorten it to 255 or fewer")
            return False
        if not key or key in keys:
            why = "has no SKU" if not key else f"is the same variant ({key!r}) twice"
            tally.product_error(product, "sku", f"the product {why}: give each variant its own SKU")
            return False
        keys.add(key)
        # The magnitude is checked here for every importer (a comparison per price); the digits after the point
        # are the importers' to check, where the cell's column is known (tabular.parse_price_cell, google.py).
        price, compare_at = variant.price, variant.compare_at_price
        if not _PRICE_MIN <= price <= _PRICE_MAX or (
            compare_at is not None and not _PRICE_MIN <= compare_at <= _PRICE_MAX
        ):
            problem = limits.PRICE.problem(price, label="price") or limits.COMPARE_AT_PRICE.problem(
                compare_at, label="compare-at price"
            )
            tally.product_error(product, "price", problem)
            return False
    for variant in product.variants:
        first = sku_products.setdefault(variant.sku, product_key)
        if first != product_key and variant.sku:
            holders = repeated.setdefault(variant.sku, [first])
            if product_key not in holders:
                holders.append(product_key)
    return True


def _repeated_skus_notes(repeated: dict[str, list[str]], *, shown: int = 20) -> list[str]:
    """One warning per SKU found on several products (all were imported), the first `shown` of them."""
    notes = [
        f"SKU {sku!r} is on {len(keys)} products ({', '.join(keys)}): all were imported; name one by its handle "
        "or id where a SKU is asked for (renders, the API, live rooms)."
        for sku, keys in list(repeated.items())[:shown]
    ]
    if len(repeated) > shown:
        notes.append(f"{len(repeated) - shown} more SKUs are on several products each.")
    return notes


def _batch_apply(merchant, batch: list[ParsedProduct], tally: _Tally, base_dir) -> None:
    # The same key twice in one batch (a feed listing a product twice): the later one wins, as on re-import.
    unique = list({product.key: product for product in batch}.values())
    tally.batch_product_ids.clear()
    try:
        with transaction.atomic():
            outcomes = _upsert(merchant, unique, tally)
    except DatabaseError:
        # Find the rows the database refuses, one savepoint each, and keep the rest.
        outcomes = {}
        for product in unique:
            try:
                with transaction.atomic():
                    outcomes.update(_upsert(merchant, [product], tally))
            except DatabaseError as exc:
                tally.product_error(product, "", f"could not be saved: {exc}".strip())
    embed_version_bump_on_commit(merchant_id=merchant.pk)  # bulk writes send no signals: storefront embeds
    changed_ids = []
    for product in unique:
        if product.key not in outcomes:
            continue
        tally.seen_keys.add(product.key)
        outcome = outcomes[product.key]
        if any(not _is_url(ref) for ref in _image_urls(product)):
            if _local_images_attach(merchant, product, tally, base_dir) and outcome == "unchanged":
                outcome = "updated"
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        if outcome != "unchanged":
            changed_ids.append(tally.batch_product_ids[product.key])
    # Nor do campaigns keeping videos current hear of bulk writes: the created and updated products are announced.
    products_changed_on_commit(merchant_id=merchant.pk, product_ids=changed_ids)


def _upsert(merchant, products: list[ParsedProduct], tally: _Tally) -> dict[str, str]:
    """Upsert one batch. Existing rows are read as tuples and compared, new ones COPYed in: a few queries per
    batch and no model instance per row, which is where an ORM import spends its time."""
    now = timezone.now()
    existing = {
        row[1]: row
        for row in Product.objects.filter(merchant=merchant, key__any=[p.key for p in products])
        .order_by()
        .values_list("pk", "key", *_PRODUCT_FIELDS)
    }
    outcomes, new_rows, changed = {}, [], []
    for parsed in products:
        values = tuple(getattr(parsed, name) for name in _PRODUCT_FIELDS)
        current = existing.get(parsed.key)
        if current is None:
            new_rows.append((merchant.pk, parsed.key, *values, *_PRODUCT_UNFILLED.values(), now, now))
            outcomes[parsed.key] = "created"
        elif current[2:] != values:
            changed.append(Product(pk=current[0], **dict(zip(_PRODUCT_FIELDS, values)), updated_at=now))
            outcomes[parsed.key] = "updated"
        else:
            outcomes[parsed.key] = "unchanged"
    columns = ("merchant_id", "key", *_PRODUCT_FIELDS, *_PRODUCT_UNFILLED, "created_at", "updated_at")
    bulk_insert(Product, columns, new_rows)
    if changed:
        Product.objects.bulk_update(changed, [*_PRODUCT_FIELDS, "updated_at"])
    pks = {key: row[0] for key, row in existing.items()}
    if new_rows:
        pks.update(
            Product.objects.filter(merchant=merchant, key__any=[row[1] for row in new_rows]).values_list("key", "pk")
        )
    tally.batch_product_ids.update(pks)
    stored_ids = [row[0] for row in existing.values()]  # only products stored before this batch can have variants
    for key in _variants_upsert(merchant, products, pks, stored_ids, now):
        outcomes[key] = "updated" if outcomes[key] == "unchanged" else outcomes[key]
    for key in _url_images_add(merchant, products, pks, tally, now):
        outcomes[key] = "updated" if outcomes[key] == "unchanged" else outcomes[key]
    return outcomes


def _variants_upsert(
    merchant, products: list[ParsedProduct], pks: dict[str, int], stored_ids: list[int], now
) -> set[str]:
    """Create and update each product's variants by their key within it; return the keys of products whose
    variants changed. A stored variant whose key the feed no longer gives (keyed by SKU before variants had keys)
    is adopted by its product and SKU, so the upgrade changes no variant's identity."""
    # Products created in this batch have no variants yet: asking for them anyway made PostgreSQL scan the growing,
    # not yet analysed table once per batch on a first import (twice as slow over 50,000 rows).
    existing = (
        {
            (row[1], row[2]): row
            # order_by(): the model's ordering joins product and merchant and sorts, which a dict does not need
            for row in Variant.objects.filter(product_id__any=stored_ids)
            .order_by()
            .values_list("pk", "product_id", *_VARIANT_FIELDS)
        }
        if stored_ids
        else {}
    )
    adoptable = None  # made on the first variant not found by its key (never on a first import or a re-import)
    changed_keys, new_rows, changed = set(), [], []
    for parsed in products:
        product_id = pks[parsed.key]
        for position, variant in enumerate(parsed.variants):
            current = existing.get((product_id, variant.key))
            if current is None and existing:
                if adoptable is None:
                    adoptable = _variants_adoptable(existing, products, pks)
                current = adoptable.pop((product_id, variant.sku), None)
            values = (
                variant.key,
                variant.sku,
                variant.title,
                variant.price,
                variant.compare_at_price,
                variant.currency,
                variant.availability,
                variant.options,
                position,
            )
            if current is None:
                new_rows.append((merchant.pk, product_id, *values, now, now))
                changed_keys.add(parsed.key)
            elif current[2:] != values:  # Decimal("24.0000") == Decimal("24.00"): stored scale does not matter
                changed.append(Variant(pk=current[0], **dict(zip(_VARIANT_FIELDS, values)), updated_at=now))
                changed_keys.add(parsed.key)
    bulk_insert(Variant, ("merchant_id", "product_id", *_VARIANT_FIELDS, "created_at", "updated_at"), new_rows)
    if changed:
        Variant.objects.bulk_update(changed, [*_VARIANT_FIELDS, "updated_at"])
    return changed_keys


def _variants_adoptable(existing: dict[tuple[int, str], tuple], products, pks) -> dict[tuple[int, str], tuple]:
    """Stored variants whose key this batch does not give, by (product, SKU): each may be adopted once."""
    wanted = {(pks[p.key], v.key) for p in products for v in p.variants}
    adoptable: dict[tuple[int, str], tuple] = {}
    for (product_id, key), row in existing.items():
        if (product_id, key) not in wanted:
            adoptable.setdefault((product_id, row[3]), row)
    return adoptable


def _url_images_add(merchant, products: list[ParsedProduct], pks: dict[str, int], tally: _Tally, now) -> set[str]:
    """Record each new image URL as a pending image (fetched after commit); return keys that gained one."""
    wanted = [(p.key, url) for p in products for url in _image_urls(p) if _is_url(url)]
    if not wanted:
        return set()
    key_of = {pks[key]: key for key, _ in wanted}
    stored = ProductImage.objects.filter(product_id__any=list(key_of))
    known = set(stored.values_list("product_id", "source_url"))
    # Photos that failed before are tried again on every re-import (their servers may be back); the
    # products themselves are unchanged by that.
    retry = list(
        stored.filter(status=ProductImage.Status.FAILED, source_url__any=list({url for _, url in wanted})).values_list(
            "pk", flat=True
        )
    )
    if retry:
        ProductImage.objects.filter(pk__in=retry).update(status=ProductImage.Status.PENDING, error="")
        tally.images_to_fetch.extend(retry)
    counts: dict[int, int] = {}
    for product_id, _ in known:
        counts[product_id] = counts.get(product_id, 0) + 1
    new_rows = []
    for key, url in wanted:
        product_id = pks[key]
        if (product_id, url) not in known:
            known.add((product_id, url))
            position = counts.get(product_id, 0)
            counts[product_id] = position + 1
            new_rows.append(
                (merchant.pk, product_id, url, position, ProductImage.Status.PENDING, "", "", 0, "", now, now)
            )
    bulk_insert(
        ProductImage,
        (
            "merchant_id",
            "product_id",
            "source_url",
            "position",
            "status",
            "file",
            "sha256",
            "size_bytes",
            "error",
            "created_at",
            "updated_at",
        ),
        new_rows,
    )
    if new_rows:
        added = {(row[1], row[2]) for row in new_rows}
        rows = stored.filter(status=ProductImage.Status.PENDING).values_list("pk", "product_id", "source_url")
        tally.images_to_fetch.extend(pk for pk, product_id, url in rows if (product_id, url) in added)
    return {key_of[row[1]] for row in new_rows}


def _local_images_attach(merchant, product: ParsedProduct, tally: _Tally, base_dir: Path | None) -> bool:
    stored = Product.objects.get(merchant=merchant, key=product.key)
    gained = False
    for ref in _image_urls(product):
        if _is_url(ref):
            continue
        try:
            if base_dir is None:
                raise ImageRejected("only http(s) image URLs are accepted here")
            path = (base_dir / ref).resolve()
            if not path.is_file():
                raise ImageRejected(f"no such file {path}")
            if path.stat().st_size > settings.IMAGE_MAX_BYTES:
                raise ImageRejected(
                    f"the file is {path.stat().st_size:,} bytes; the limit is {settings.IMAGE_MAX_BYTES:,} bytes"
                )
            before = stored.images.count()
            product_image_add(product=stored, data=path.read_bytes())
            gained |= stored.images.count() > before
        except (ImageRejected, OSError) as exc:
            tally.product_error(product, "image", f"{ref}: {exc}")
    return gained


def _image_urls(product: ParsedProduct) -> list[str]:
    urls = list(product.image_urls)
    for variant in product.variants:
        urls.extend(url for url in variant.image_urls if url not in urls)
    return urls


def _is_url(ref: str) -> bool:
    return ref.startswith(("http://", "https://"))


def _record_finish(record: CatalogImport, tally: _Tally) -> None:
    record.created_count, record.updated_count = tally.created, tally.updated
    record.unchanged_count, record.archived_count = tally.unchanged, tally.archived
    record.failed_count = len({error["row"] for error in tally.errors})
    record.errors, record.notes, record.finished_at = tally.errors, tally.notes, timezone.now()
    record.save()


def _images_fetch_send(image_ids: list[int]) -> None:
    """One message per batch: the worker fans it out into one retrying fetch task per image."""
    for start in range(0, len(image_ids), BATCH_SIZE):
        chunk = image_ids[start : start + BATCH_SIZE]
        transaction.on_commit(lambda chunk=chunk: dispatch.images_fetch_send(image_ids=chunk))
