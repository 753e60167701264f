"""What every feed importer produces: products with their variants and image URLs, or row errors.

An importer reads one feed format and knows nothing about the database; catalog/importing.py upserts what
it yields. Row numbers are what a merchant can find in their file: the row as a spreadsheet shows it for delimited
text (the header is row 1; `line` adds the file's line where a cell spanning lines makes the two differ), the
item's position (1-based) for XML and JSON.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


class FeedRejected(ValueError):
    """The file as a whole cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class RowError:
    row_number: int
    field: str  # the column or element the problem is in ("" when it is the whole row)
    message: str  # what is wrong and what to change
    ref: str = ""  # the product's handle or id as the file gives it, when the row has one
    line: int | None = None  # the file line the row starts on, only where it differs from row_number


@dataclass(frozen=True)
class ImportNote:
    """Something the import did or assumed that the merchant should know, without refusing any row (header
    lines skipped, a currency assumed, a SKU found on several products)."""

    message: str


@dataclass
class ParsedVariant:
    sku: str  # data, as the feed gives it ("" when it has none); shops repeat SKUs across products
    price: Decimal  # what the customer pays now (the sale price when on sale)
    currency: str  # ISO 4217
    title: str = ""
    compare_at_price: Decimal | None = None  # the regular price when on sale, else None
    availability: str = "in_stock"  # a catalog.models.Variant.Availability value
    options: dict[str, str] = field(default_factory=dict)  # {"Size": "M"}
    image_urls: list[str] = field(default_factory=list)  # images specific to this variant
    key: str = ""  # the feed's identity of the variant within its product; the SKU when empty


@dataclass
class ParsedProduct:
    row_number: int  # where the product starts in the file
    key: str  # the stable product id: Shopify handle, item_group_id, parent SKU, or the SKU itself
    title: str
    description: str = ""  # plain text (HTML already cleaned)
    brand: str = ""
    product_type: str = ""
    category: str = ""  # the feed's category path, "Home > Kitchen > Mugs" (campaign selections)
    tags: list[str] = field(default_factory=list)  # values.tags_split: trimmed, unique, bounded
    url: str = ""
    status: str = "active"  # active | draft | archived
    variants: list[ParsedVariant] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)  # product images in feed order, no duplicates
    line: int | None = None  # the file line it starts on, only where it differs from row_number


@dataclass(frozen=True)
class ImportOptions:
    default_currency: str = "USD"  # for prices written with an ambiguous symbol ("$") or none at all
    mapping: Mapping[str, str] | None = None  # generic importer: our field -> their column or JSON key


ParseResult = Iterator[ParsedProduct | RowError | ImportNote]


class Importer(Protocol):
    name: str  # the --format value, e.g. "shopify_csv"
    label: str  # for people, e.g. "Shopify product CSV"

    def sniff(self, head: bytes) -> bool:
        """True if the first bytes of a file (up to 64 KiB) look like this format."""

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        """Yield every product and every row error, in file order (and notes, anywhere). Raise FeedRejected for a file that cannot
        be read at all (wrong format, missing required columns, hostile XML)."""
