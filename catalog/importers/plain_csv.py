"""The plain CSV format: one row per SKU.

    sku,title,description,price,currency,image[,compare_at_price,key,brand,url]

`image` is a URL, or (for operators on the command line) a file path relative to the CSV. Several images are
separated by `|`. Rows sharing a `key` become variants of one product; without a key each SKU is its own product.
The real feed formats (Google, Shopify, WooCommerce, Meta) get their own modules.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from catalog.money import currency_parse, price_parse
from catalog.services import VariantFields

REQUIRED_COLUMNS = ("sku", "title", "price", "currency")


@dataclass
class ParsedRow:
    row_number: int  # 1-based, the header is row 1, as a spreadsheet shows it
    key: str
    title: str
    description: str
    brand: str
    url: str
    variant: VariantFields
    image_refs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RowError:
    row_number: int
    field: str
    message: str


class FeedRejected(ValueError):
    """The file as a whole cannot be read; the message says what to fix."""


def parse(data: bytes) -> Iterator[ParsedRow | RowError]:
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in headers]
    if missing:
        raise FeedRejected(f"the header row lacks {', '.join(missing)}; the plain CSV needs the columns "
                           f"{', '.join(REQUIRED_COLUMNS)} (plus optional description, image, compare_at_price, key).")
    reader.fieldnames = headers
    for row_number, raw in enumerate(reader, start=2):
        if None in raw:
            yield RowError(row_number, "", f"has {len(headers) + len(raw[None])} cells but the header has "
                                           f"{len(headers)}: quote cells that contain commas")
            continue
        row = {name: (value or "").strip() for name, value in raw.items()}
        if not any(row.values()):
            continue
        yield _row_parse(row_number, row)


def _row_parse(row_number: int, row: dict[str, str]) -> ParsedRow | RowError:
    for name, limit in (("sku", 255), ("title", 500), ("key", 255)):
        value = row.get(name, "")
        if not value and name != "key":
            return RowError(row_number, name, f"{name} is empty: every row needs one")
        if len(value) > limit:
            return RowError(row_number, name, f"{name} is {len(value)} characters long; shorten it to {limit} or fewer")
    try:
        price = price_parse(row["price"])
    except ValueError as exc:
        return RowError(row_number, "price", str(exc))
    compare_at = None
    if row.get("compare_at_price"):
        try:
            compare_at = price_parse(row["compare_at_price"])
        except ValueError as exc:
            return RowError(row_number, "compare_at_price", str(exc))
    try:
        currency = currency_parse(row["currency"])
    except ValueError as exc:
        return RowError(row_number, "currency", str(exc))
    images = [ref.strip() for ref in row.get("image", "").split("|") if ref.strip()]
    return ParsedRow(
        row_number=row_number, key=row.get("key") or row["sku"], title=row["title"],
        description=row.get("description", ""), brand=row.get("brand", ""), url=row.get("url", ""),
        variant=VariantFields(sku=row["sku"], price=price, currency=currency, compare_at_price=compare_at),
        image_refs=images,
    )


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FeedRejected("the file is neither UTF-8 nor Windows-1252 text: save it as UTF-8 CSV")
