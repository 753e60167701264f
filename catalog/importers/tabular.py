"""What the spreadsheet-style importers (Shopify, WooCommerce, generic) share: finding our fields among a file's
columns, turning cells into prices, refusing a SKU seen twice, and putting products and errors in file order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from operator import attrgetter

from catalog import limits
from catalog.importers import text, values
from catalog.importers.base import ImportNote, ParsedProduct, RowError

NumberedRow = tuple[int, dict[str, str]]  # (row number as a spreadsheet shows it, cells by header name)

# The cell key of a field the file has no column for: no row's cells have it, so `cells.get(key, "")` is "".
NO_COLUMN: str = object()  # type: ignore[assignment]


class CellError(ValueError):
    """One cell is wrong: `column` is the name the merchant's file gives it."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column

    def row_error(self, row_number: int) -> RowError:
        return RowError(row_number, self.column, str(self))


class Columns:
    """Our field names -> the file's header names, matched case-insensitively through a table of spellings."""

    def __init__(self, header: Sequence[str], spellings: Mapping[str, Sequence[str]]):
        self.header = list(header)
        by_lower: dict[str, str] = {}
        for name in self.header:
            by_lower.setdefault(name.strip().lower(), name)
        self._names: dict[str, str] = {}
        for field, candidates in spellings.items():
            found = next((by_lower[c.lower()] for c in candidates if c.lower() in by_lower), None)
            if found is not None:
                self._names[field] = found

    def __contains__(self, field: str) -> bool:
        return field in self._names

    def name(self, field: str) -> str:
        """The file's own spelling of the column, for messages the merchant can match to their file."""
        return self._names.get(field, field)

    def key(self, field: str) -> str:
        """The header name to look the field up by in a row's cells, resolved once per file rather than per cell:
        `cells.get(columns.key(field), "")` is the field's value ("" when the file has no such column)."""
        return self._names.get(field, NO_COLUMN)

    def value(self, cells: Mapping[str, str], field: str) -> str:
        return cells.get(self._names.get(field, NO_COLUMN), "")


def open_table(data: bytes) -> text.Table:
    return text.read_table(text.decode_feed(data))


def table_rows(table: text.Table) -> Iterator[NumberedRow | RowError]:
    """Every row with its cells, or a RowError for a row with more cells than the header has columns."""
    width = len(table.header)
    for row_number, cells, extra in table.rows:
        if extra:  # text.read_table already dropped empty trailing cells
            yield RowError(
                row_number,
                "",
                f"has {width + len(extra)} cells but the header has {width}: quote cells that contain the delimiter",
            )
        else:
            yield row_number, cells


def has_columns(head: bytes, *groups: Sequence[str]) -> bool:
    """For sniff(): True when the header in a file's first bytes has, for every group, one of its spellings
    (case-insensitive)."""
    present = {name.strip().lower() for name in text.read_header(head)}
    return all(any(name.lower() in present for name in group) for group in groups)


def price_with_compare_at(
    price_text: str,
    compare_text: str,
    *,
    currency: str,
    price_column: str,
    compare_column: str,
    parse: Callable[[str, str, str], tuple[Decimal, str]] | None = None,
) -> tuple[Decimal, str, Decimal | None]:
    """(price, currency, compare_at) from two cells; `currency` is the one to assume when a cell names none. The
    compare-at price is kept only when it is higher than the price: shops export 0.00 or the price itself there
    to mean "not on sale". `parse` reads one cell (parse_price_cell unless given, e.g. a PriceCells' parse)."""
    parse = parse or parse_price_cell
    price, found_currency = parse(price_text, price_column, currency)
    if compare_text:
        compare_at, compare_currency = parse(compare_text, compare_column, found_currency)
        if compare_currency != found_currency:
            raise CellError(
                compare_column,
                f"{compare_column} is in {compare_currency} but the price is in "
                f"{found_currency}: write both in the same currency",
            )
        if compare_at > price:
            return price, found_currency, compare_at
    return price, found_currency, None


def parse_price_cell(cell: str, column: str, currency: str) -> tuple[Decimal, str]:
    if not cell:
        raise CellError(column, f"{column} is empty: give a price like 24.00")
    try:
        price, found_currency = values.parse_price(cell, default_currency=currency)
    except ValueError as exc:
        raise CellError(column, str(exc)) from None
    # Compare-at prices have the same limit (the same field shape); checked here, where the column's name is known.
    if problem := limits.PRICE.problem(price, label=column):
        raise CellError(column, problem)
    return price, found_currency


class PriceCells:
    """parse_price_cell for one file, remembering what each (cell, currency) read as: a catalog repeats the same
    few prices on thousands of rows. parse_price is a pure function and Decimals are immutable, so a remembered
    result is the one parsing again would give; cells that are wrong are not remembered (their CellError names
    the column they are in)."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, str], tuple[Decimal, str]] = {}

    def parse(self, cell: str, column: str, currency: str) -> tuple[Decimal, str]:
        key = (cell, currency)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = self._parsed[key] = parse_price_cell(cell, column, currency)
        return parsed


def category_leaf(path: str) -> str:
    """ "Clothing > Hoodies" -> "Hoodies": the most specific category, our product type."""
    return path.rsplit(">", 1)[-1].strip()


class SkuClaims:
    """Remembers which row each SKU came from, so a SKU used twice is reported rather than silently merged."""

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}

    def claim(self, sku: str, row_number: int, column: str) -> None:
        first = self._rows.setdefault(sku, row_number)
        if first != row_number:
            raise CellError(column, f"SKU {sku!r} is already used on row {first}: give every variant its own SKU")


def in_file_order(products: Iterable[ParsedProduct], errors: Iterable[RowError]) -> list[ParsedProduct | RowError]:
    """Products and errors by row number (a product's errors before it when they share its first row)."""
    return sorted([*errors, *products], key=_ROW_NUMBER)


_ROW_NUMBER = attrgetter("row_number")


def located(
    items: Iterable[ParsedProduct | RowError | ImportNote], lines: Mapping[int, int], refs: Mapping[int, str]
) -> Iterator[ParsedProduct | RowError | ImportNote]:
    """Each row error with the product's handle or id (`refs`: row number -> ref) and the file line where it
    differs from the row number (`lines`, from text.Table.lines); each product with its line likewise."""
    for item in items:
        if isinstance(item, RowError):
            line, ref = lines.get(item.row_number), item.ref or refs.get(item.row_number, "")
            if line is not None or ref != item.ref:
                item = replace(item, line=line, ref=ref)
        elif lines and isinstance(item, ParsedProduct):
            item.line = lines.get(item.row_number)
        yield item


def currency_assumed_note(currency: str, why: str) -> ImportNote:
    return ImportNote(
        f"{why}: prices were read as {currency}, the merchant's default currency. If that is wrong, change the "
        "default currency (dashboard settings, the merchant API or create_merchant --currency) and import again."
    )
