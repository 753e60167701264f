"""Catalog imports asked for through the API: the request is checked and recorded at once (a queued
CatalogImport, the file in media storage or the URL on the record), and a worker runs it later through the
same code path as `manage.py import_catalog` (catalog.importing.catalog_import_run).

Everything a merchant can get wrong up front (format, mapping, size, URL scheme, an unrecognised file) is a
ValidationError naming the field; what can only go wrong later (the download, a feed that cannot be read) marks
the import failed with the reason. Rows are never lost to a bad neighbour: that is catalog_import_run's job.
"""

from __future__ import annotations

import logging
from pathlib import PurePath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from catalog import dispatch
from catalog.feeds import (
    MappingNotFound,
    feed_fetch,
    feed_reader_choose,
    format_undetected_message,
    mapping_missing_message,
)
from catalog.importers import IMPORTERS, SNIFF_BYTES, importer_detect
from catalog.importers.base import FeedRejected, Importer, ImportOptions
from catalog.importing import catalog_import_run
from catalog.models import CatalogImport
from catalog.payloads import catalog_import_payload
from catalog.selectors import import_mapping_get
from shop_video.safe_http import FetchFailed, FetchRefused
from shop_video.tenancy.models import Merchant

logger = logging.getLogger(__name__)


def catalog_import_request_create(
    *,
    merchant: Merchant,
    file: UploadedFile | None = None,
    url: str = "",
    feed_format: str = "",
    mapping_name: str = "",
    archive_missing: bool = False,
) -> CatalogImport:
    """Check an import request and record it as queued; the import task is sent when the transaction commits.
    Raises ValidationError ({field: message}) for anything the merchant should change."""
    url, feed_format, mapping_name = url.strip(), feed_format.strip(), mapping_name.strip()
    _source_check(file=file, url=url)
    _options_check(merchant=merchant, feed_format=feed_format, mapping_name=mapping_name)
    if file is not None and not feed_format and not mapping_name:
        feed_format = _format_detect(file)
    if mapping_name:
        feed_format = "generic"
    with transaction.atomic():
        record = CatalogImport.objects.create(
            merchant=merchant,
            source=_source_name(file=file, url=url),
            format=feed_format,
            mapping_name=mapping_name,
            archive_missing=archive_missing,
            status=CatalogImport.Status.QUEUED,
        )
        if file is not None:
            record.file.name = _file_store(record=record, file=file)
            record.save(update_fields=["file"])
        transaction.on_commit(lambda: dispatch.import_send(import_id=record.pk))
    return record


def catalog_import_request_run(*, import_id: int) -> CatalogImport | None:
    """Run a queued import (the worker's side). Returns the finished record, or None when the import was not
    queued any more (another delivery of the same message has it)."""
    claimed = CatalogImport.objects.filter(pk=import_id, status=CatalogImport.Status.QUEUED).update(
        status=CatalogImport.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    record = CatalogImport.objects.select_related("merchant").get(pk=import_id)
    try:
        data = _feed_read(record)
        importer, options = _importer_for(record, data)
        _run_into(record, importer=importer, data=data, options=options)
    except (FeedRejected, FetchRefused, FetchFailed) as exc:  # the feed, not us: the message says what to do
        _record_fail(record, str(exc))
    except Exception as exc:  # a bug or an outage: keep what was imported, never leave it "running"
        logger.exception("catalog import %s stopped unexpectedly", record.pk)
        if record.status != CatalogImport.Status.FAILED:
            _record_fail(record, f"The import stopped unexpectedly: {exc}")
    _finished_event_emit(record)
    return record


def _finished_event_emit(record: CatalogImport) -> None:
    """catalog_import.finished carries the same JSON as GET /api/v1/catalog/imports/{id}."""
    from shop_video.webhooks.services import webhook_event_emit

    webhook_event_emit(merchant=record.merchant, event="catalog_import.finished", data=catalog_import_payload(record))


# --- checks -------------------------------------------------------------------------------------------------


def _source_check(*, file: UploadedFile | None, url: str) -> None:
    if file is None and not url:
        raise ValidationError(
            {"file": "Send the feed as `file` (multipart/form-data), or its address as `url` (JSON)."}
        )
    if file is not None and url:
        raise ValidationError({"url": "Send either a `file` or a `url`, not both."})
    if file is not None:
        if file.size == 0:
            raise ValidationError({"file": "The file is empty; export the feed again and upload it."})
        if file.size > settings.FEED_MAX_BYTES:
            raise ValidationError(
                {
                    "file": f"The file is {file.size:,} bytes; the limit is "
                    f"{settings.FEED_MAX_BYTES:,} bytes. Split the feed or send its `url`."
                }
            )
        return
    if len(url) > 2000:
        raise ValidationError({"url": f"The URL is {len(url):,} characters long; the limit is 2,000."})
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError(
            {
                "url": f"Only http:// and https:// URLs can be imported; got "
                f"{(parts.scheme + '://') if parts.scheme else url[:100]!r}."
            }
        )
    if not parts.hostname:
        raise ValidationError({"url": "The URL has no host name; send it like https://shop.example/feed.xml."})
    if any(char.isspace() or ord(char) < 32 for char in url):
        raise ValidationError({"url": "The URL contains spaces or control characters; percent-encode them (%20)."})
    try:
        parts.port  # noqa: B018 (raises for a port that is not a number from 0 to 65535)
    except ValueError:
        raise ValidationError({"url": "The URL's port is not a number from 1 to 65535."}) from None


def _source_name(*, file: UploadedFile | None, url: str) -> str:
    if file is None:
        return url
    return PurePath((file.name or "").replace("\x00", "")).name[:255] or "feed"


def _options_check(*, merchant: Merchant, feed_format: str, mapping_name: str) -> None:
    if feed_format and feed_format not in IMPORTERS:
        raise ValidationError(
            {
                "format": f"Unknown format {feed_format!r}; use one of {', '.join(IMPORTERS)}, or "
                "leave it out to detect the format from the file."
            }
        )
    if not mapping_name:
        return
    if feed_format and feed_format != "generic":
        raise ValidationError(
            {
                "format": f"A mapping is read with the generic format, not {feed_format!r}; "
                "leave `format` out or set it to generic."
            }
        )
    if import_mapping_get(merchant=merchant, name=mapping_name) is None:
        raise ValidationError({"mapping": mapping_missing_message(merchant=merchant, mapping_name=mapping_name)})


def _format_detect(file: UploadedFile) -> str:
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    try:
        return importer_detect(head).name
    except FeedRejected:
        raise ValidationError({"format": format_undetected_message()}) from None


# --- storing and running --------------------------------------------------------------------------------------


def _file_store(*, record: CatalogImport, file: UploadedFile) -> str:
    """The upload goes to private storage under a random name of ours (CatalogImport.file's upload_to): never
    their path, nor their extension (a feed is data, never a page)."""
    record.file.save(file.name or "feed", file, save=False)
    return record.file.name


def _feed_read(record: CatalogImport) -> bytes:
    if record.file:
        try:
            with record.file.open("rb") as handle:
                return handle.read()
        except OSError as exc:
            raise FeedRejected(
                f"The uploaded file could not be read back from storage ({exc}); upload it again."
            ) from None
    return feed_fetch(url=record.source)


def _importer_for(record: CatalogImport, data: bytes) -> tuple[Importer, ImportOptions]:
    try:
        return feed_reader_choose(
            merchant=record.merchant, data=data, feed_format=record.format, mapping_name=record.mapping_name
        )
    except MappingNotFound:  # it was there when the import was asked for
        raise FeedRejected(
            f"The mapping {record.mapping_name!r} was deleted before the import ran; save it "
            "again and send the import again."
        ) from None


def _run_into(record: CatalogImport, *, importer: Importer, data: bytes, options: ImportOptions) -> None:
    """Run the import onto `record`, the id the client already holds."""
    catalog_import_run(
        merchant=record.merchant,
        importer=importer,
        source=record.source,
        data=data,
        options=options,
        archive_missing=record.archive_missing,
        record=record,
    )


def _record_fail(record: CatalogImport, reason: str) -> CatalogImport:
    record.status, record.error, record.finished_at = CatalogImport.Status.FAILED, reason, timezone.now()
    record.save(update_fields=["status", "error", "finished_at"])
    return record
