"""The feed formats we read, and which one a file is. Adding a format is one module plus a line here."""

from __future__ import annotations

from django.utils.module_loading import import_string

from catalog.importers.base import FeedRejected, Importer

# In detection order: the most specific formats first; the generic one needs a mapping and is never guessed.
IMPORTERS = {
    "google_xml": "catalog.importers.google.GoogleXmlImporter",
    "shopify_csv": "catalog.importers.shopify.ShopifyCsvImporter",
    "woocommerce_csv": "catalog.importers.woocommerce.WooCommerceCsvImporter",
    "google_csv": "catalog.importers.google.GoogleDelimitedImporter",
    "meta_csv": "catalog.importers.meta.MetaCsvImporter",
    "plain_csv": "catalog.importers.generic.PlainCsvImporter",
    "generic": "catalog.importers.generic.GenericImporter",
}
SNIFF_BYTES = 64 * 1024


def importer_get(name: str) -> Importer:
    try:
        return import_string(IMPORTERS[name])()
    except KeyError:
        raise FeedRejected(f"Unknown format {name!r}; use one of {', '.join(IMPORTERS)}.") from None


def importer_detect(data: bytes) -> Importer:
    """The importer whose sniff() recognises the file's first bytes; FeedRejected naming the formats if none."""
    head = data[:SNIFF_BYTES]
    for name in IMPORTERS:
        if name == "generic":
            continue
        importer = importer_get(name)
        if importer.sniff(head):
            return importer
    labels = "; ".join(f"{name} ({importer_get(name).label})" for name in IMPORTERS)
    raise FeedRejected(
        "The file's format was not recognised. Export it again from your shop in one of these "
        f"formats, or choose one as the import's format: {labels}."
    )
