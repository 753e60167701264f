"""Meta (Facebook, Instagram) catalog CSV/TSV: Google's attribute names as columns, read by google.py's table code.

Meta feeds write availability as "in stock" with a space, comma-join additional_image_link URLs in one cell and
often carry HTML leftovers in descriptions; the shared value parsers take all of that as it comes.
"""

from __future__ import annotations

from catalog.importers.base import ImportOptions, ParseResult
from catalog.importers.google import attribute_name, is_google_specific, parse_attribute_table
from catalog.importers.text import read_header

META_SIGNATURE = {"id", "title", "price", "image_link"}  # what Meta requires of every catalog item


class MetaCsvImporter:
    name = "meta_csv"
    label = "Meta catalog CSV"

    def sniff(self, head: bytes) -> bool:
        # Meta and Google delimited feeds share attribute names; Meta is the fallback for tables that show nothing
        # Google-only (see google.is_google_specific), so the two sniffs never both claim a file.
        header = read_header(head)
        names = {attribute_name(column) for column in header}
        return META_SIGNATURE <= names and not is_google_specific(header)

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        yield from parse_attribute_table(data, options=options, label=self.label)
