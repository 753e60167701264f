"""WooCommerce's built-in product CSV export (Products > Export), one row per product or variation.

Types (the first word counts: "simple, virtual" is simple):
- simple and external: one product with one variant; an external product keeps its External URL as its url.
- variable: a product whose variants are the `variation` rows naming it in Parent, as `id:123` or by its SKU.
  A variation may come before its parent in the file.
- grouped: a bundle of other products that has no price of its own; it is imported only when it has one.

The header may be in the admin's language (WooCommerce translates it): woocommerce_headers.py holds WooCommerce's
own translations; a file whose header matches none is not taken for a WooCommerce export.

Identity: a product is keyed by its SKU, or by `woo-<ID>` (the WooCommerce post id, stable across exports) when
it has no SKU or an earlier product in the file has the same one (WooCommerce does not make SKUs unique when
they are imported by hand or by plugins); a variation within its product by `woo-<ID>`, else its SKU. A blank SKU
falls back to `woo-<ID>` as data too, so it can still be named. A sale price lower than the regular price is the
price, with the regular price as compare-at. The export carries no currency: prices are in
options.default_currency (the import notes say so). Scheduled sale dates are not checked: a sale price in the
file counts.
"""

from __future__ import annotations

import re
from decimal import Decimal

from catalog import limits
from catalog.importers import values
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
    Columns,
    NumberedRow,
    category_leaf,
    currency_assumed_note,
    in_file_order,
    located,
    open_table,
    parse_price_cell,
    table_rows,
)
from catalog.importers.text import read_header
from catalog.importers.woocommerce_headers import ENGLISH, LANGUAGE_NAMES, TRANSLATIONS

# Every language's header spellings, English first: locale -> our field -> the header.
HEADERS: dict[str, dict[str, str]] = {"en": ENGLISH, **TRANSLATIONS}
REQUIRED_FIELDS = ("type", "sku", "name", "regular_price")
# Brands came with WooCommerce 9.6, after the translation files we have: matched in English in every language.
BRAND_SPELLINGS = ("Brands", "Brand")
TYPES = ("simple", "variable", "variation", "grouped", "external")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")  # WooCommerce writes a comma inside a category name as "\,"


def header_language(header: list[str]) -> str | None:
    """The locale whose WooCommerce headers the file's header has (every required one), English first; None when
    it matches no language we have."""
    present = {name.strip().lower() for name in header}
    for locale, spellings in HEADERS.items():
        if all(spellings[field].lower() in present for field in REQUIRED_FIELDS):
            return locale
    return None


def column_spellings(locale: str) -> dict[str, tuple[str, ...]]:
    """Our field -> the header in that language, then in English (a hand-edited file may mix them)."""
    translated = HEADERS[locale]
    spellings = {field: tuple(dict.fromkeys((translated[field], english))) for field, english in ENGLISH.items()}
    return {**spellings, "brand": BRAND_SPELLINGS}


class WooCommerceCsvImporter:
    name = "woocommerce_csv"
    label = "WooCommerce product CSV"

    def sniff(self, head: bytes) -> bool:
        header = read_header(head)
        locale = header_language(header)
        if locale is None:
            return False
        present = {name.strip().lower() for name in header}
        return any(HEADERS[locale][field].lower() in present for field in ("parent", "images"))

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        table = open_table(data)
        locale = header_language(table.header)
        if locale is None:
            present = {name.lower() for name in table.header}
            missing = [ENGLISH[field] for field in REQUIRED_FIELDS if ENGLISH[field].lower() not in present]
            raise FeedRejected(
                f"this is not a WooCommerce product CSV: the header has no {', '.join(missing)} (nor their "
                f"translation into {', '.join(LANGUAGE_NAMES[code] for code in TRANSLATIONS)}). "
                "Export it again from WooCommerce (Products > Export, all columns). The file has: "
                f"{', '.join(table.header)}"
            )
        columns = Columns(table.header, column_spellings(locale))
        rows: list[NumberedRow] = []
        errors: list[RowError] = []
        for item in table_rows(table):
            (errors if isinstance(item, RowError) else rows).append(item)
        if note := table.skipped_note():
            yield ImportNote(note)
        if locale != "en":
            yield ImportNote(f"The header is WooCommerce's {LANGUAGE_NAMES[locale]} ({locale}) one; read as such.")
        yield currency_assumed_note(options.default_currency, "WooCommerce exports carry no currency")
        builder = _CatalogBuilder(columns, options.default_currency, errors, locale)
        products = builder.build(rows)
        refs = {row_number: builder.ref(cells) for row_number, cells in rows} if errors else {}
        yield from located(in_file_order(products, errors), table.lines, refs)


class _CatalogBuilder:
    def __init__(self, columns: Columns, currency: str, errors: list[RowError], locale: str = "en"):
        self.columns = columns
        self.currency = currency
        self.errors = errors
        self.product_keys: dict[str, int] = {}  # key -> the row of the product that has it
        self.attributes = _attribute_columns(columns.header, locale)

    def build(self, rows: list[NumberedRow]) -> list[ParsedProduct]:
        typed = []
        for row_number, cells in rows:
            words = self._value(cells, "type").lower().replace(",", " ").split()
            kind = words[0] if words else "simple"  # as WooCommerce's own importer assumes
            if kind in TYPES:
                typed.append((kind, row_number, cells))
            else:
                column = self.columns.name("type")
                self.errors.append(
                    RowError(
                        row_number,
                        column,
                        f"{column} {kind!r} is not a WooCommerce product type: use one of {', '.join(TYPES)}",
                    )
                )
        variations = self._variations_by_parent(typed)
        products = []
        for kind, row_number, cells in typed:
            if kind == "variation":
                continue
            try:
                products.append(self._product(kind, row_number, cells, variations.get(row_number, [])))
            except CellError as exc:
                self.errors.append(exc.row_error(row_number))
        return products

    def _variations_by_parent(self, typed: list[tuple[str, int, dict[str, str]]]) -> dict[int, list[NumberedRow]]:
        """Variation rows under their parent's row number; a variation whose parent is not in the file is an
        error. Parents are found by `id:<ID>` or by SKU, wherever they are in the file."""
        parents: dict[str, tuple[str, int]] = {}
        for kind, row_number, cells in typed:
            if kind != "variation":
                for ref in (f"id:{self._value(cells, 'id')}", self._value(cells, "sku")):
                    if ref not in ("id:", ""):
                        parents.setdefault(ref, (kind, row_number))
        by_parent: dict[int, list[NumberedRow]] = {}
        column = self.columns.name("parent")
        for kind, row_number, cells in typed:
            if kind != "variation":
                continue
            ref = self._value(cells, "parent")
            parent = parents.get(ref) or parents.get(f"id:{ref}")
            if not ref:
                message = f"{column} is empty: a variation needs its variable product's SKU or id:<ID> there"
            elif parent is None:
                message = (
                    f"{column} {ref!r} is not in this file: export the variable product together with its "
                    "variations, or correct the reference"
                )
            elif parent[0] != "variable":
                message = (
                    f"{column} {ref!r} is a {parent[0]} product on row {parent[1]}: only variable products "
                    "have variations"
                )
            else:
                by_parent.setdefault(parent[1], []).append((row_number, cells))
                continue
            self.errors.append(RowError(row_number, column, message))
        return by_parent

    def _product(
        self, kind: str, row_number: int, cells: dict[str, str], variation_rows: list[NumberedRow]
    ) -> ParsedProduct:
        title = self._value(cells, "name")
        if not title:
            raise CellError(self.columns.name("name"), f"{self.columns.name('name')} is empty: give the product a name")
        key = self._product_key(row_number, cells)
        if kind == "grouped" and not (self._value(cells, "regular_price") or self._value(cells, "sale_price")):
            raise CellError(
                self.columns.name("regular_price"),
                f"{title!r} is a grouped product, and grouped products have no price of their own: it "
                "was not imported (the products in the group are imported from their own rows)",
            )
        if kind == "variable":
            variants = self._variants(row_number, title, variation_rows)
        else:
            variants = [self._variant(row_number, cells, sku=self._sku(row_number, cells), options={}, image_urls=[])]
        description = self._value(cells, "description") or self._value(cells, "short_description")
        category = _UNESCAPED_COMMA.split(self._value(cells, "categories"))[0].replace("\\,", ",")
        return ParsedProduct(
            row_number=row_number,
            key=key,
            title=title,
            # The exporter writes line breaks as the two characters \n.
            description=values.html_to_text(description.replace("\\n", "\n")),
            brand=_UNESCAPED_COMMA.split(self._value(cells, "brand"))[0].strip(),
            product_type=category_leaf(category),
            category=category.strip(),
            tags=values.tags_split(", ".join(_UNESCAPED_COMMA.split(self._value(cells, "tags")))),
            url=self._value(cells, "external_url") if kind == "external" else "",
            # Published is 1, 0 (draft) or -1 (private): a private product is not for shoppers either.
            status="draft" if self._value(cells, "published") in ("0", "-1") else "active",
            variants=variants,
            image_urls=values.split_urls(self._value(cells, "images")),
        )

    def _variants(self, row_number: int, title: str, variation_rows: list[NumberedRow]) -> list[ParsedVariant]:
        variants = []
        for variation_row_number, cells in variation_rows:
            options = {
                name: value
                for name_column, value_column in self.attributes
                if (name := cells.get(name_column, "")) and (value := cells.get(value_column, ""))
            }
            try:
                variants.append(
                    self._variant(
                        variation_row_number,
                        cells,
                        sku=self._sku(variation_row_number, cells),
                        options=options,
                        image_urls=values.split_urls(self._value(cells, "images")),
                    )
                )
            except CellError as exc:
                self.errors.append(exc.row_error(variation_row_number))
        if not variants:
            fix = (
                "fix the errors reported for its variation rows"
                if variation_rows
                else "export its variations together with it"
            )
            raise CellError("", f"variable product {title!r} was not imported because it has no valid variation: {fix}")
        return variants

    def _variant(
        self, row_number: int, cells: dict[str, str], *, sku: str, options: dict[str, str], image_urls: list[str]
    ) -> ParsedVariant:
        price, currency, compare_at = self._prices(cells)
        availability = self._availability(cells)
        for field in ("stock", "position"):
            self._count_check(cells, field)
        post_id = self._value(cells, "id")
        return ParsedVariant(
            key=f"woo-{post_id}" if post_id else sku,
            sku=sku,
            price=price,
            currency=currency,
            title=" / ".join(options.values()),
            compare_at_price=compare_at,
            availability=availability,
            options=options,
            image_urls=image_urls,
        )

    def _prices(self, cells: dict[str, str]) -> tuple[Decimal, str, Decimal | None]:
        regular_column, sale_column = self.columns.name("regular_price"), self.columns.name("sale_price")
        regular, sale = self._value(cells, "regular_price"), self._value(cells, "sale_price")
        if not sale:
            price, currency = parse_price_cell(regular, regular_column, self.currency)
            return price, currency, None
        sale_price, currency = parse_price_cell(sale, sale_column, self.currency)
        if not regular:
            return sale_price, currency, None
        regular_price, _ = parse_price_cell(regular, regular_column, currency)
        # A "sale" price that is not lower than the regular one is no sale: the regular price stands.
        return (sale_price, currency, regular_price) if sale_price < regular_price else (regular_price, currency, None)

    def _availability(self, cells: dict[str, str]) -> str:
        in_stock = self._value(cells, "in_stock")
        if in_stock in ("", "1"):
            return "in_stock"
        if in_stock == "0":
            return "out_of_stock"
        try:
            return values.normalise_availability(in_stock)  # "backorder", and words from hand-edited files
        except ValueError as exc:
            raise CellError(self.columns.name("in_stock"), str(exc)) from None

    def _product_key(self, row_number: int, cells: dict[str, str]) -> str:
        """The SKU, unless an earlier product in the file has it (then woo-<ID>): each product keeps its own."""
        sku, post_id = self._value(cells, "sku"), self._value(cells, "id")
        key = sku if sku and sku not in self.product_keys else (f"woo-{post_id}" if post_id else sku)
        if not key:
            column = self.columns.name("sku")
            raise CellError(column, f"{column} is empty and so is ID: give the product a SKU")
        first = self.product_keys.setdefault(key, row_number)
        if first != row_number:
            column = self.columns.name("id")
            raise CellError(
                column, f"SKU {sku!r} is also on row {first} and this row has no {column}: export the ID column too"
            )
        return key

    def ref(self, cells: dict[str, str]) -> str:
        """The row's product as WooCommerce names it: id:<ID>, else its SKU."""
        post_id = self._value(cells, "id")
        return f"id:{post_id}" if post_id else self._value(cells, "sku")

    def _count_check(self, cells: dict[str, str], field: str) -> None:
        """Stock and menu order are whole numbers in WooCommerce; one out of range is a broken cell."""
        text = self._value(cells, field)
        if not text:
            return
        try:
            number = Decimal(text)
        except ArithmeticError:
            return  # not read, so not checked: only a number can be out of range
        column = self.columns.name(field)
        if problem := limits.STOCK.problem(number, label=column):
            raise CellError(column, problem)

    def _sku(self, row_number: int, cells: dict[str, str]) -> str:
        if sku := self._value(cells, "sku"):
            return sku
        if post_id := self._value(cells, "id"):
            return f"woo-{post_id}"
        column = self.columns.name("sku")
        raise CellError(column, f"{column} is empty and so is ID: give the product a SKU")

    def _value(self, cells: dict[str, str], field: str) -> str:
        return self.columns.value(cells, field)


def _attribute_columns(header: list[str], locale: str = "en") -> list[tuple[str, str]]:
    """("Attribute 1 name", "Attribute 1 value(s)") pairs, in the header's own spelling (the file's language or
    English)."""
    by_lower = {name.strip().lower(): name for name in header}
    pairs = []
    for spellings in dict.fromkeys((HEADERS[locale]["attribute_name"], ENGLISH["attribute_name"])):
        pattern = re.compile(re.escape(spellings.lower()).replace("%d", r"(\d+)"))
        values_spelling = HEADERS[locale if spellings != ENGLISH["attribute_name"] else "en"]["attribute_values"]
        for lower, name in by_lower.items():
            if (match := pattern.fullmatch(lower)) and (
                value := by_lower.get(values_spelling.lower().replace("%d", match[1]))
            ):
                pairs.append((name, value))
    return list(dict.fromkeys(pairs))
