"""A catalog import as the API shows it and the catalog_import.finished webhook sends it: one dict, built here
(catalog.api's CatalogImportSerializer only describes it for the schema)."""

from __future__ import annotations

from datetime import datetime

from rest_framework.fields import DateTimeField

from catalog.models import CatalogImport

ERRORS_SHOWN = 1000  # row errors listed in an import's JSON; errors_total counts them all


def _moment(value: datetime | None) -> str | None:
    return DateTimeField().to_representation(value) if value else None  # as DRF writes it, to the byte


def catalog_import_payload(record: CatalogImport) -> dict:
    return {
        "id": record.pk,
        "status": record.status,
        "source": record.source,
        "source_type": "file" if record.file else "url",
        "format": record.format or None,  # empty until a URL's feed is downloaded and recognised
        "mapping": record.mapping_name or None,
        "archive_missing": record.archive_missing,
        "counts": {
            "created": record.created_count,
            "updated": record.updated_count,
            "unchanged": record.unchanged_count,
            "failed": record.failed_count,
            "archived": record.archived_count,
        },
        "errors": list(record.errors[:ERRORS_SHOWN]),
        "errors_total": len(record.errors),
        "notes": list(record.notes),  # what it skipped or assumed without refusing a row
        "error": record.error or None,  # why the whole import failed
        "created_at": _moment(record.created_at),
        "started_at": _moment(record.started_at),
        "finished_at": _moment(record.finished_at),
    }
