"""What every feed importer produces: products with their variants and image URLs, or row errors.

An importer reads one feed format and knows nothing about the database; catalog/importing.py upserts what
it yields. Row numbers are what a merchant can find in their file: the line number for delimited text (the
header is line 1), the item's position (1-based) for XML and JSON.
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


@dataclass
class ParsedVariant:
    sku: str
    price: Decimal  # what the customer pays now (the sale price when on sale)
    currency: str  # ISO 4217
    title: str = ""
    compare_at_price: Decimal | None = None  # the regular price when on sale, else None
    availability: str = "in_stock"  # a catalog.models.Variant.Availability value
    options: dict[str, str] = field(default_factory=dict)  # {"Size": "M"}
    image_urls: list[str] = field(default_factory=list)  # images specific to this variant


@dataclass
class ParsedProduct:
    row_number: int  # where the product starts in the file
    key: str  # the stable product id: Shopify handle, item_group_id, parent SKU, or the SKU itself
    title: str
    description: str = ""  # plain text (HTML already cleaned)
    brand: str = ""
    product_type: str = ""
    url: str = ""
    status: str = "active"  # active | draft | archived
    variants: list[ParsedVariant] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)  # product images in feed order, no duplicates


@dataclass(frozen=True)
class ImportOptions:
    default_currency: str = "USD"  # for prices written with an ambiguous symbol ("$") or none at all
    mapping: Mapping[str, str] | None = None  # generic importer: our field -> their column or JSON key


ParseResult = Iterator[ParsedProduct | RowError]


class Importer(Protocol):
    name: str  # the --format value, e.g. "shopify_csv"
    label: str  # for people, e.g. "Shopify product CSV"

    def sniff(self, head: bytes) -> bool:
        """True if the first bytes of a file (up to 64 KiB) look like this format."""

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        """Yield every product and every row error, in file order. Raise FeedRejected for a file that cannot
        be read at all (wrong format, missing required columns, hostile XML)."""
