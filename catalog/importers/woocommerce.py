"""WooCommerce's built-in product CSV export (Products > Export), one row per product or variation.

Types (the first word counts: "simple, virtual" is simple):
- simple and external: one product with one variant; an external product keeps its External URL as its url.
- variable: a product whose variants are the `variation` rows naming it in Parent, as `id:123` or by its SKU.
  A variation may come before its parent in the file.
- grouped: a bundle of other products that has no price of its own; it is imported only when it has one.

A blank SKU falls back to `woo-<ID>` (the WooCommerce post id, stable across exports). A sale price lower than
the regular price is the price, with the regular price as compare-at. The export carries no currency: prices
are in options.default_currency. Scheduled sale dates are not checked: a sale price in the file counts.
"""

from __future__ import annotations

import re
from decimal import Decimal

from catalog.importers import values
from catalog.importers.base import FeedRejected, ImportOptions, ParsedProduct, ParsedVariant, ParseResult, RowError
from catalog.importers.tabular import (
    CellError,
    Columns,
    NumberedRow,
    SkuClaims,
    category_leaf,
    has_columns,
    in_file_order,
    open_table,
    parse_price_cell,
    table_rows,
)

COLUMN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "id": ("ID",),
    "type": ("Type",),
    "sku": ("SKU",),
    "name": ("Name",),
    "published": ("Published",),
    "short_description": ("Short description",),
    "description": ("Description",),
    "in_stock": ("In stock?",),
    "sale_price": ("Sale price",),
    "regular_price": ("Regular price",),
    "categories": ("Categories",),
    "images": ("Images",),
    "parent": ("Parent",),
    "external_url": ("External URL",),
    "brand": ("Brands", "Brand"),
}
REQUIRED_FIELDS = ("type", "sku", "name", "regular_price")
TYPES = ("simple", "variable", "variation", "grouped", "external")
_ATTRIBUTE_NAME = re.compile(r"attribute (\d+) name")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")  # WooCommerce writes a comma inside a category name as "\,"


class WooCommerceCsvImporter:
    name = "woocommerce_csv"
    label = "WooCommerce product CSV"

    def sniff(self, head: bytes) -> bool:
        return has_columns(head, ("Type",), ("SKU",), ("Regular price",), ("Parent", "Images"))

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        table = open_table(data)
        columns = Columns(table.header, COLUMN_SPELLINGS)
        missing = [COLUMN_SPELLINGS[field][0] for field in REQUIRED_FIELDS if field not in columns]
        if missing:
            raise FeedRejected(
                f"this is not a WooCommerce product CSV: the header has no {', '.join(missing)}. "
                "Export it again from WooCommerce (Products > Export, all columns). The file has: "
                f"{', '.join(table.header)}"
            )
        rows: list[NumberedRow] = []
        errors: list[RowError] = []
        for item in table_rows(table):
            (errors if isinstance(item, RowError) else rows).append(item)
        builder = _CatalogBuilder(columns, options.default_currency, errors)
        yield from in_file_order(builder.build(rows), errors)


class _CatalogBuilder:
    def __init__(self, columns: Columns, currency: str, errors: list[RowError]):
        self.columns = columns
        self.currency = currency
        self.errors = errors
        self.skus = SkuClaims()
        self.attributes = _attribute_columns(columns.header)

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
        key = self._sku(row_number, cells)
        if kind == "grouped" and not (self._value(cells, "regular_price") or self._value(cells, "sale_price")):
            raise CellError(
                self.columns.name("regular_price"),
                f"{title!r} is a grouped product, and grouped products have no price of their own: it "
                "was not imported (the products in the group are imported from their own rows)",
            )
        if kind == "variable":
            variants = self._variants(row_number, title, variation_rows)
        else:
            variants = [self._variant(row_number, cells, sku=key, options={}, image_urls=[])]
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
        self.skus.claim(sku, row_number, self.columns.name("sku"))
        return ParsedVariant(
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

    def _sku(self, row_number: int, cells: dict[str, str]) -> str:
        if sku := self._value(cells, "sku"):
            return sku
        if post_id := self._value(cells, "id"):
            return f"woo-{post_id}"
        column = self.columns.name("sku")
        raise CellError(column, f"{column} is empty and so is ID: give the product a SKU")

    def _value(self, cells: dict[str, str], field: str) -> str:
        return self.columns.value(cells, field)


def _attribute_columns(header: list[str]) -> list[tuple[str, str]]:
    """("Attribute 1 name", "Attribute 1 value(s)") pairs, in the header's own spelling."""
    by_lower = {name.strip().lower(): name for name in header}
    pairs = []
    for lower, name in by_lower.items():
        if (match := _ATTRIBUTE_NAME.fullmatch(lower)) and (value := by_lower.get(f"attribute {match[1]} value(s)")):
            pairs.append((name, value))
    return pairs
