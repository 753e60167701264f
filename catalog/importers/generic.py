"""Any CSV, or any JSON list of objects, read through a column mapping: our field -> the merchant's column name
(CSV, matched case-insensitively) or key (JSON, dotted paths like `offers.price` reach into nested objects).

Our fields: sku, title and price (required); currency, description, compare_at_price, availability, brand,
product_type, url, key, image and images. A field the mapping leaves out is read from a column of its own name
when the file has one, so with no mapping at all this is the plain CSV format:

    sku,title,description,price,currency,image[,compare_at_price,key,brand,url]

Rows sharing a `key` are variants of one product (without a key each SKU is its own product). `image` and
`images` hold one or several URLs; local file paths (separated by `|`) are kept as they are, and the importing
service decides whether a path is allowed (only from the command line). A price without a currency is in the
`currency` column's currency, else options.default_currency.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from catalog.importers import text, values
from catalog.importers.base import (
    FeedRejected,
    ImportNote,
    ImportOptions,
    ParsedProduct,
    ParsedVariant,
    ParseResult,
    RowError,
)
from catalog.importers.tabular import (
    CellError,
    SkuClaims,
    currency_assumed_note,
    has_columns,
    in_file_order,
    located,
    price_with_compare_at,
    table_rows,
)

REQUIRED_FIELDS = ("sku", "title", "price")
OPTIONAL_FIELDS = (
    "currency",
    "description",
    "compare_at_price",
    "availability",
    "brand",
    "product_type",
    "url",
    "key",
    "image",
    "images",
)
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
IMAGE_FIELDS = ("image", "images")
_ABSENT = object()  # a JSON key that is not there, as opposed to one set to null


class GenericImporter:
    name = "generic"
    label = "Generic CSV/JSON with a column mapping"

    def sniff(self, head: bytes) -> bool:
        return False  # it needs the merchant's mapping, so it is chosen on purpose, never guessed

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        return _parse(data, mapping=options.mapping or {}, default_currency=options.default_currency)


class PlainCsvImporter:
    """The generic importer with no mapping: columns named after our fields."""

    name = "plain_csv"
    label = "Plain CSV (sku,title,price,currency,...)"

    def sniff(self, head: bytes) -> bool:
        return has_columns(head, ("sku",), ("title",), ("price",))

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        return _parse(data, mapping={}, default_currency=options.default_currency)


Record = tuple[int, Mapping[str, Any]]  # (row number, the row's cells or the JSON object)


def mapping_check(mapping: Any) -> dict[str, str]:
    """A saved mapping as {our field: their column}; FeedRejected saying what to fix when it is not one."""
    if not isinstance(mapping, Mapping) or not all(isinstance(name, str) for name in mapping.values()):
        raise FeedRejected(
            "the mapping must be an object of our field names to your column names, like "
            '{"sku": "Article No.", "title": "Name", "price": "Price (EUR)"}'
        )
    mapping = {field: name for field, name in mapping.items() if name.strip()}  # a form's blank choice maps nothing
    unknown = [field for field in mapping if field not in FIELDS]
    if unknown:
        raise FeedRejected(
            f"the mapping names fields we do not have: {', '.join(unknown)}. Map some of these: {', '.join(FIELDS)}"
        )
    return mapping


def _parse(data: bytes, *, mapping: Mapping[str, str], default_currency: str) -> ParseResult:
    mapping = mapping_check(mapping)
    feed = text.decode_feed(data)
    is_json = feed.lstrip()[:1] in ("[", "{")
    records, errors, names, table = _json_records(feed) if is_json else _csv_records(feed)
    sources = _sources(mapping, names, case_sensitive=is_json)
    reader = _RowReader(sources, lookup=_json_lookup if is_json else _cell_lookup, default_currency=default_currency)
    products: dict[str, ParsedProduct] = {}
    skus = SkuClaims()
    for row_number, record in records:
        try:
            product, variant = reader.read(row_number, record)
            skus.claim(variant.sku, row_number, sources["sku"])
        except CellError as exc:
            errors.append(exc.row_error(row_number))
            continue
        # The first good row of a key carries the product's fields; later rows add a variant and their images.
        grouped = products.setdefault(product.key, product)
        grouped.variants.append(variant)
        if grouped is not product:
            grouped.image_urls += [url for url in product.image_urls if url not in grouped.image_urls]
        if variant.title == grouped.title:
            variant.title = ""  # the product's own title says it
    if table is not None and (note := table.skipped_note()):
        yield ImportNote(note)
    if "currency" not in sources:
        yield currency_assumed_note(default_currency, "The file has no currency column")
    refs = {row_number: reader.ref(record) for row_number, record in records} if errors else {}
    yield from located(in_file_order(products.values(), errors), table.lines if table else {}, refs)


def _csv_records(feed: str) -> tuple[list[Record], list[RowError], list[str], text.Table]:
    table = text.read_table(feed)
    records, errors = [], []
    for item in table_rows(table):
        (errors if isinstance(item, RowError) else records).append(item)
    return records, errors, table.header, table


def _json_records(feed: str) -> tuple[list[Record], list[RowError], list[str], None]:
    try:
        document = json.loads(feed, parse_float=Decimal)  # Decimal keeps 19.99 exact
    except json.JSONDecodeError as exc:
        raise FeedRejected(
            f"the JSON is not valid at line {exc.lineno}, column {exc.colno}: {exc.msg}. "
            "Fix it there, or export the file again"
        ) from None
    items = _product_list(document)
    records, errors, names = [], [], {}
    for position, item in enumerate(items, start=1):
        if isinstance(item, dict):
            records.append((position, item))
            names.update(dict.fromkeys(_key_paths(item)))
        else:
            errors.append(
                RowError(
                    position,
                    "",
                    f"item {position} is a {type(item).__name__}, not an object with keys like sku, title and price",
                )
            )
    return records, errors, list(names), None


def _product_list(document: Any) -> list:
    """The items: the document itself when it is a list, else the one list of objects inside it."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = {key: value for key, value in document.items() if isinstance(value, list)}
        # A list of tags or of numbers is not the products; an empty list may be (a catalog with nothing in it).
        lists = [key for key, value in lists.items() if any(isinstance(item, dict) for item in value)] or [
            key for key, value in lists.items() if not value
        ]
        if len(lists) == 1:
            return document[lists[0]]
        if lists:
            raise FeedRejected(
                f"the JSON has several lists of objects ({', '.join(lists)}): keep only the list "
                "of products, or give it as the whole file"
            )
    raise FeedRejected(
        "the JSON holds no list of products: give a list of objects, or an object with one list "
        'of objects like {"products": [...]}'
    )


def _key_paths(item: dict, prefix: str = "") -> Iterator[str]:
    for key, value in item.items():
        yield prefix + key
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = value[0]
        if isinstance(value, dict):
            yield from _key_paths(value, f"{prefix}{key}.")


def _sources(mapping: Mapping[str, str], names: list[str], *, case_sensitive: bool) -> dict[str, str]:
    """Our field -> the file's column or key path. Raises FeedRejected when the mapping names what the file
    lacks, or when a required field has nowhere to come from."""
    by_spelling: dict[str, str] = {}
    for name in names:
        by_spelling.setdefault(name if case_sensitive else name.strip().lower(), name)

    def find(name: str) -> str | None:
        return by_spelling.get(name if case_sensitive else name.strip().lower())

    missing = [f"{name!r} (for {field})" for field, name in mapping.items() if find(name) is None]
    if missing:
        raise FeedRejected(
            f"the mapping names {'a column' if len(missing) == 1 else 'columns'} the file does not "
            f"have: {', '.join(missing)}. The file has: {', '.join(names)}"
        )
    sources = {field: find(name) for field, name in mapping.items()}
    for field in FIELDS:
        if field not in sources and (same_name := find(field)) is not None:
            sources[field] = same_name
    unmapped = [field for field in REQUIRED_FIELDS if field not in sources]
    if unmapped:
        raise FeedRejected(
            f"nothing gives the {', '.join(unmapped)}: map {'it' if len(unmapped) == 1 else 'them'} "
            f"to your {'column' if len(unmapped) == 1 else 'columns'}, or name the columns "
            f"{', '.join(unmapped)}. The file has: {', '.join(names)}"
        )
    return sources


def _cell_lookup(record: Mapping[str, Any], name: str) -> Any:
    return record.get(name, _ABSENT)


def _json_lookup(record: Mapping[str, Any], path: str) -> Any:
    """A dotted path into nested objects; a list on the way gives its first item (schema.org `offers`)."""
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else _ABSENT
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


class _RowReader:
    """One row or JSON object -> (a product with this row's fields, the row's variant)."""

    def __init__(self, sources: dict[str, str], *, lookup, default_currency: str):
        self.sources = sources
        self.lookup = lookup
        self.default_currency = default_currency

    def read(self, row_number: int, record: Mapping[str, Any]) -> tuple[ParsedProduct, ParsedVariant]:
        for field in REQUIRED_FIELDS:
            if not self._text(record, field):
                raise CellError(self.sources[field], f"{self.sources[field]} is empty: every row needs its {field}")
        sku, title = self._text(record, "sku"), self._text(record, "title")
        currency = self._currency(record)
        price_column, compare_column = self.sources["price"], self.sources.get("compare_at_price", "compare_at_price")
        price, price_currency, compare_at = price_with_compare_at(
            self._text(record, "price"),
            self._text(record, "compare_at_price"),
            currency=currency or self.default_currency,
            price_column=price_column,
            compare_column=compare_column,
        )
        if currency and price_currency != currency:
            raise CellError(
                price_column,
                f"{price_column} is in {price_currency} but {self.sources['currency']} "
                f"says {currency}: make them agree",
            )
        variant = ParsedVariant(
            sku=sku,
            price=price,
            currency=price_currency,
            title=title,
            compare_at_price=compare_at,
            availability=self._availability(record),
        )
        product = ParsedProduct(
            row_number=row_number,
            key=self._text(record, "key") or sku,
            title=title,
            description=values.html_to_text(self._text(record, "description")),
            brand=self._text(record, "brand"),
            product_type=self._text(record, "product_type"),
            url=self._text(record, "url"),
            image_urls=self._images(record),
        )
        return product, variant

    def ref(self, record: Mapping[str, Any]) -> str:
        """The row's product key, else its SKU: how a merchant finds the row again."""
        try:
            return self._text(record, "key") or self._text(record, "sku")
        except CellError:
            return ""

    def _currency(self, record: Mapping[str, Any]) -> str | None:
        if not (written := self._text(record, "currency")):
            return None
        try:
            return values.parse_currency(written)
        except ValueError as exc:
            raise CellError(self.sources["currency"], str(exc)) from None

    def _availability(self, record: Mapping[str, Any]) -> str:
        try:
            return values.normalise_availability(self._text(record, "availability"))
        except ValueError as exc:
            raise CellError(self.sources["availability"], str(exc)) from None

    def _images(self, record: Mapping[str, Any]) -> list[str]:
        refs: list[str] = []
        for field in (field for field in IMAGE_FIELDS if field in self.sources):
            value = self._raw(record, field)
            for item in value if isinstance(value, list) else [value]:
                refs.extend(ref for ref in _image_refs(_scalar_text(item, self.sources[field])) if ref not in refs)
        return refs

    def _text(self, record: Mapping[str, Any], field: str) -> str:
        return _scalar_text(self._raw(record, field), self.sources.get(field, field))

    def _raw(self, record: Mapping[str, Any], field: str) -> Any:
        if field not in self.sources:
            return None
        value = self.lookup(record, self.sources[field])
        return None if value is _ABSENT else value


def _scalar_text(value: Any, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise CellError(
            column,
            f"{column} holds a {'list' if isinstance(value, list) else 'nested object'}, "
            "not a single value: map the field to a key inside it",
        )
    return str(value).strip()


def _image_refs(cell: str) -> list[str]:
    """URLs (however they are joined) and local paths (separated by `|`), in order."""
    refs: list[str] = []
    for part in (part.strip() for part in cell.split("|")):
        for ref in values.split_urls(part) if values.is_web_url(part) else [part] if part else []:
            if ref not in refs:
                refs.append(ref)
    return refs
