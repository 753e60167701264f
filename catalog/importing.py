"""Running a catalog import: parse rows, upsert each in its own savepoint, keep every good row, report every
bad one by number, and attach the rows' photos."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from catalog.images import ImageRejected
from catalog.importers import plain_csv
from catalog.models import CatalogImport, Product
from catalog.services import product_image_add, product_upsert
from shop_video.tenancy.models import Merchant

ProgressFn = Callable[[int], None]  # called with the number of rows done


def catalog_import_file(*, merchant: Merchant, source: str, data: bytes, base_dir: Path | None = None,
                        on_progress: ProgressFn | None = None) -> CatalogImport:
    """Import a plain CSV. `base_dir` allows image paths relative to it (operators on the command line only;
    uploads through the web never get local paths)."""
    record = CatalogImport.objects.create(merchant=merchant, source=source, format="plain_csv",
                                          status=CatalogImport.Status.RUNNING, started_at=timezone.now())
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    errors: list[dict] = []
    try:
        for done, item in enumerate(plain_csv.parse(data), start=1):
            if isinstance(item, plain_csv.RowError):
                errors.append({"row": item.row_number, "field": item.field, "message": item.message})
            else:
                outcome, image_errors = _row_apply(merchant=merchant, row=item, base_dir=base_dir)
                counts[outcome] += 1
                errors.extend(image_errors)
            if on_progress:
                on_progress(done)
    except plain_csv.FeedRejected as exc:
        record.status, record.error = CatalogImport.Status.FAILED, str(exc)
    except Exception as exc:  # never leave an import "running": record why, keep the rows done so far
        record.status, record.error = CatalogImport.Status.FAILED, f"the import stopped unexpectedly: {exc}"
        _record_finish(record, counts, errors)
        raise
    else:
        record.status = CatalogImport.Status.SUCCEEDED
    _record_finish(record, counts, errors)
    return record


def _record_finish(record: CatalogImport, counts: dict[str, int], errors: list[dict]) -> None:
    record.created_count, record.updated_count, record.unchanged_count = counts["created"], counts["updated"], counts["unchanged"]
    record.failed_count = len({error["row"] for error in errors if error["field"] != "image"})
    record.errors, record.finished_at = errors, timezone.now()
    record.save()


def _row_apply(*, merchant: Merchant, row: plain_csv.ParsedRow, base_dir: Path | None) -> tuple[str, list[dict]]:
    try:
        with transaction.atomic():
            product, outcome = product_upsert(merchant=merchant, key=row.key, title=row.title,
                                              description=row.description, brand=row.brand, url=row.url,
                                              variants=[row.variant])
    except (DatabaseError, ValidationError) as exc:
        # The savepoint is rolled back; this row is reported and the import goes on.
        return "failed", [{"row": row.row_number, "field": "", "message": f"could not be saved: {exc}"}]
    errors = []
    for ref in row.image_refs:
        try:
            added = _image_attach(product=product, ref=ref, base_dir=base_dir)
        except (ImageRejected, OSError) as exc:
            errors.append({"row": row.row_number, "field": "image", "message": f"{ref}: {exc}"})
        else:
            if added and outcome == "unchanged":
                outcome = "updated"
    return outcome, errors


def _image_attach(*, product: Product, ref: str, base_dir: Path | None) -> bool:
    """Attach one image reference; True when the product gained an image."""
    if ref.startswith(("http://", "https://")):
        from catalog.fetching import product_image_queue_fetch

        return product_image_queue_fetch(product=product, url=ref)
    if base_dir is None:
        raise ImageRejected("only http(s) image URLs are accepted here")
    path = (base_dir / ref).resolve()
    if not path.is_file():
        raise ImageRejected(f"no such file {path}")
    if path.stat().st_size > settings.IMAGE_MAX_BYTES:
        raise ImageRejected(f"the file is {path.stat().st_size:,} bytes; the limit is {settings.IMAGE_MAX_BYTES:,} bytes")
    before = product.images.count()
    product_image_add(product=product, data=path.read_bytes(), source_url="")
    return product.images.count() > before


def catalog_import_summary(record: CatalogImport) -> str:
    return (f"created={record.created_count} updated={record.updated_count} "
            f"unchanged={record.unchanged_count} failed={record.failed_count} status={record.status}")


