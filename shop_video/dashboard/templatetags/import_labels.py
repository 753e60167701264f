"""An import's status and feed format in a merchant's words: "Imported with 3 errors" rather than "Succeeded" when
rows were refused, "Shopify CSV" rather than the importer's code name `shopify_csv`."""

from django import template

from catalog.importers import IMPORTERS, importer_get
from catalog.models import CatalogImport

register = template.Library()


def _with_errors(record: CatalogImport) -> bool:
    return record.status == CatalogImport.Status.SUCCEEDED and record.failed_count > 0


@register.filter
def import_status_label(record: CatalogImport) -> str:
    if _with_errors(record):
        return f"Imported with {record.failed_count} error{'s' if record.failed_count != 1 else ''}"
    if record.status == CatalogImport.Status.SUCCEEDED:
        return "Imported"
    return record.get_status_display()


@register.filter
def import_status_class(record: CatalogImport) -> str:
    """The CSS status class: `partial` for an import that kept its good rows and refused others."""
    return "partial" if _with_errors(record) else record.status


@register.filter
def import_format_label(record: CatalogImport) -> str:
    return importer_get(record.format).label if record.format in IMPORTERS else record.format
