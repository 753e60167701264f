"""Shopify's product CSV export, with the classic headers (Handle, Variant SKU, Image Src...) or the ones Shopify
renamed in 2024 (URL handle, SKU, Product image URL...).

One product is every row sharing a Handle. The first row with a Title carries the product's fields; the rows
after it (blank Title) carry more variants, more images, or both. Decisions worth knowing:

- A variant's identity is its handle and option values: `<handle>` when it is the product's only variant, else
  `<handle>-<option values joined by ->`, so re-importing the same export updates the same variants. The SKU is
  data: Shopify does not make SKUs unique, and two products may share one (the import notes list them). A
  blank Variant SKU is not an error (many shops never fill it in): the variant's identity stands in for it.
- Shopify exports carry no currency: prices are in options.default_currency (the shop's currency). The
  per-market columns (`Price / United Kingdom`, `Compare At Price / International`...) are overrides for
  Shopify Markets, not the base price, and are ignored.
- Status comes from the Status column when the export has one, else from Published (true -> active,
  false -> draft).
- Availability comes from Variant Inventory Qty: above 0 in stock; 0 or less out of stock, or backorder when
  the Variant Inventory Policy is `continue` (the shop keeps selling); blank or untracked means in stock.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
    PriceCells,
    category_leaf,
    currency_assumed_note,
    has_columns,
    in_file_order,
    located,
    open_table,
    price_with_compare_at,
    table_rows,
)

OPTION_NUMBERS = (1, 2, 3)

# Our field -> how classic and 2024+ exports spell the column (matched case-insensitively).
COLUMN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "handle": ("Handle", "URL handle"),
    "title": ("Title",),
    "body": ("Body (HTML)", "Description"),
    "vendor": ("Vendor",),
    "type": ("Type",),
    "category": ("Product Category", "Product category"),
    "tags": ("Tags",),
    "published": ("Published", "Published on online store"),
    "status": ("Status",),
    "sku": ("Variant SKU", "SKU"),
    "price": ("Variant Price", "Price"),
    "compare_at": ("Variant Compare At Price", "Compare-at price", "Compare At Price"),
    "inventory_tracker": ("Variant Inventory Tracker", "Inventory tracker"),
    "inventory_qty": ("Variant Inventory Qty", "Inventory quantity"),
    "inventory_policy": ("Variant Inventory Policy", "Continue selling when out of stock"),
    "image": ("Image Src", "Product image URL"),
    "image_position": ("Image Position", "Image position"),
    "variant_image": ("Variant Image", "Variant image URL"),
    **{f"option{n}_name": (f"Option{n} Name",) for n in OPTION_NUMBERS},
    **{f"option{n}_value": (f"Option{n} Value",) for n in OPTION_NUMBERS},
}
# A row carries a variant when any of these has a value; rows with only Image Src add an image.
VARIANT_FIELDS = ("sku", "price", "compare_at", "inventory_qty", *(f"option{n}_value" for n in OPTION_NUMBERS))
STATUSES = ("active", "draft", "archived")
# Shopify names the option of a product without variants "Title" with the value "Default Title".
DEFAULT_OPTION = ("title", "default title")
_STOCK_SMALLEST, _STOCK_LARGEST = limits.STOCK.smallest, limits.STOCK.largest


class ShopifyCsvImporter:
    name = "shopify_csv"
    label = "Shopify product CSV"

    def sniff(self, head: bytes) -> bool:
        return has_columns(head, COLUMN_SPELLINGS["handle"], COLUMN_SPELLINGS["price"])

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        table = open_table(data)
        columns = Columns(table.header, COLUMN_SPELLINGS)
        missing = [
            f"{COLUMN_SPELLINGS[field][0]} (or {COLUMN_SPELLINGS[field][1]})"
            for field in ("handle", "price")
            if field not in columns
        ]
        if missing:
            raise FeedRejected(
                f"this is not a Shopify product CSV: the header has no {' and no '.join(missing)} "
                "column. Export it again from Shopify (Products > Export). The file has: "
                f"{', '.join(table.header)}"
            )
        rows_by_handle: dict[str, list[NumberedRow]] = {}
        errors: list[RowError] = []
        handle_key = columns.key("handle")
        for row in table_rows(table):
            if isinstance(row, RowError):
                errors.append(row)
            elif handle := row[1].get(handle_key, ""):
                group = rows_by_handle.get(handle)
                if group is None:
                    rows_by_handle[handle] = [row]
                else:
                    group.append(row)
            else:
                errors.append(
                    RowError(
                        row[0],
                        columns.name("handle"),
                        f"{columns.name('handle')} is empty: every row needs its product's handle",
                    )
                )
        builder = _ProductBuilder(columns, options.default_currency)
        build = builder.build
        products = []
        for handle, rows in rows_by_handle.items():
            product = build(handle, rows, errors)
            if product is not None:
                products.append(product)
        if note := table.skipped_note():
            yield ImportNote(note)
        yield currency_assumed_note(options.default_currency, "Shopify exports carry no currency")
        refs = {row[0]: handle for handle, rows in rows_by_handle.items() for row in rows} if errors else {}
        yield from located(in_file_order(products, errors), table.lines, refs)


# A variant read from its row, before its SKU is claimed: (row number, variant, whether the row gave its own SKU).
_VariantRow = tuple[int, ParsedVariant, bool]


class _ProductBuilder:
    """Turns the rows of one handle into a product. Every field's column is looked up once, here: a row's value
    for a field is `cells.get(key, "")` with the field's key (tabular.NO_COLUMN when the file lacks the column)."""

    def __init__(self, columns: Columns, currency: str):
        self.columns = columns
        self.currency = currency
        self.prices = PriceCells()
        key = columns.key
        self.title_key, self.image_key, self.image_position_key = key("title"), key("image"), key("image_position")
        self.price_key, self.compare_at_key, self.sku_key = key("price"), key("compare_at"), key("sku")
        self.variant_image_key = key("variant_image")
        self.inventory_qty_key, self.inventory_policy_key = key("inventory_qty"), key("inventory_policy")
        self.inventory_tracker_key = key("inventory_tracker")
        self.tracks_inventory = "inventory_tracker" in columns
        self.option_name_keys = tuple((n, key(f"option{n}_name")) for n in OPTION_NUMBERS)
        self.option_value_keys = tuple(key(f"option{n}_value") for n in OPTION_NUMBERS)
        # Only the variant fields the file has columns for can give a row a variant.
        self.variant_keys = tuple(key(field) for field in VARIANT_FIELDS if field in columns)
        self.price_column, self.compare_at_column = columns.name("price"), columns.name("compare_at")
        self.sku_column = columns.name("sku")

    def build(self, handle: str, rows: list[NumberedRow], errors: list[RowError]) -> ParsedProduct | None:
        first_row_number = rows[0][0]
        title_key = self.title_key
        titled = next((cells for _, cells in rows if cells.get(title_key, "")), None)
        if titled is None:
            errors.append(
                RowError(
                    first_row_number,
                    self.columns.name("title"),
                    f"no row of product {handle!r} has a {self.columns.name('title')}: "
                    "fill it in on the product's first row",
                )
            )
            return None
        option_names = tuple(titled.get(key, "") for _, key in self.option_name_keys)
        variant_rows: list[_VariantRow] = []
        images: list[tuple[float, int, str]] = []  # (position, order in file, url)
        variant_row_count = 0
        image_key, image_position_key, variant_keys = self.image_key, self.image_position_key, self.variant_keys
        variant = self._variant
        for order, (row_number, cells) in enumerate(rows):
            if url := cells.get(image_key, ""):
                images.append((_image_position(cells.get(image_position_key, "")), order, url))
            if any(map(cells.get, variant_keys)):
                variant_row_count += 1
                try:
                    variant_rows.append(variant(row_number, cells, option_names))
                except CellError as exc:
                    errors.append(exc.row_error(row_number))
        variants = self._keys_give(handle, variant_rows, variant_row_count, errors)
        if not variants:
            fix = (
                "fix the errors reported for its variant rows"
                if variant_row_count
                else f"give its first row a {self.columns.name('price')}"
            )
            errors.append(
                RowError(
                    first_row_number, "", f"product {handle!r} was not imported because it has no valid variant: {fix}"
                )
            )
            return None
        value = self.columns.value
        if len(images) == 1:
            image_urls = [images[0][2]]
        else:
            images.sort()
            image_urls = _unique(url for _, _, url in images)
        return ParsedProduct(
            row_number=first_row_number,
            key=handle,
            title=titled.get(title_key, ""),
            description=values.html_to_text(value(titled, "body")),
            brand=value(titled, "vendor"),
            # Shopify's standard taxonomy ("Apparel & Accessories > Jewelry") stands in for a blank Type.
            product_type=value(titled, "type") or category_leaf(value(titled, "category")),
            category=value(titled, "category"),
            tags=values.tags_split(value(titled, "tags")),
            status=self._status(first_row_number, titled, errors),
            variants=variants,
            image_urls=image_urls,
        )

    def _variant(self, row_number: int, cells: dict[str, str], option_names: tuple[str, ...]) -> _VariantRow:
        price, currency, compare_at = price_with_compare_at(
            cells.get(self.price_key, ""),
            cells.get(self.compare_at_key, ""),
            currency=self.currency,
            price_column=self.price_column,
            compare_column=self.compare_at_column,
            parse=self.prices.parse,
        )
        options = {}
        for n, name, key in zip(OPTION_NUMBERS, option_names, self.option_value_keys):
            if (value := cells.get(key, "")) and (name.lower(), value.lower()) != DEFAULT_OPTION:
                options[name or f"Option{n}"] = value
        sku = cells.get(self.sku_key, "")
        variant = ParsedVariant(
            sku=sku,
            price=price,
            currency=currency,
            title=" / ".join(options.values()),
            compare_at_price=compare_at,
            availability=self._availability(cells),
            options=options,
            image_urls=[url] if (url := cells.get(self.variant_image_key, "")) else [],
        )
        return row_number, variant, bool(sku)

    def _keys_give(
        self, handle: str, variant_rows: list[_VariantRow], variant_row_count: int, errors: list[RowError]
    ) -> list[ParsedVariant]:
        """Key each variant by handle and option values (SKU-less ones take that as their SKU too), and drop any
        whose options an earlier row of the product has (its own SKU tells them apart when it has one). The count
        includes rows with errors, so fixing one later does not rename the others."""
        keyed = []
        rows_by_key: dict[str, int] = {}
        for row_number, variant, has_own_sku in variant_rows:
            parts = [handle] if variant_row_count == 1 else [handle, *variant.options.values()]
            key = "-".join(parts)
            if key in rows_by_key and has_own_sku:
                key = f"{key}-{variant.sku}"
            if not has_own_sku:
                variant.sku = key
            first = rows_by_key.setdefault(key, row_number)
            if first != row_number:
                options = " / ".join(variant.options.values()) or "no options"
                errors.append(
                    RowError(
                        row_number,
                        self.sku_column,
                        f"product {handle!r} already has a variant with {options} on row {first}: give each "
                        f"variant its own option values or its own {self.sku_column}",
                        ref=handle,
                    )
                )
                continue
            variant.key = key
            keyed.append(variant)
        return keyed

    def _availability(self, cells: dict[str, str]) -> str:
        quantity_text = cells.get(self.inventory_qty_key, "")
        if not quantity_text or (self.tracks_inventory and not cells.get(self.inventory_tracker_key, "")):
            return "in_stock"
        try:
            quantity = Decimal(quantity_text)
        except InvalidOperation:
            quantity = Decimal("NaN")
        if not quantity.is_finite():
            column = self.columns.name("inventory_qty")
            raise CellError(
                column, f"{column} {quantity_text!r} is not a number: give the stock count, like 3, or leave it blank"
            )
        if not _STOCK_SMALLEST <= quantity <= _STOCK_LARGEST:
            column = self.columns.name("inventory_qty")
            raise CellError(column, limits.STOCK.problem(quantity, label=column))
        if quantity > 0:
            return "in_stock"
        # Classic exports say "continue"/"deny"; 2024+ exports answer "Continue selling when out of stock".
        keeps_selling = cells.get(self.inventory_policy_key, "").lower() in ("continue", "true", "yes")
        return "backorder" if keeps_selling else "out_of_stock"

    def _status(self, row_number: int, cells: dict[str, str], errors: list[RowError]) -> str:
        if "status" in self.columns:
            written = self._value(cells, "status")
            if written.lower() in STATUSES:
                return written.lower()
            if written:
                column = self.columns.name("status")
                errors.append(
                    RowError(
                        row_number,
                        column,
                        f"{column} {written!r} is not active, draft or archived: the product was imported as a draft",
                    )
                )
                return "draft"
        published = self._value(cells, "published").lower()
        return "draft" if published in ("false", "no", "0") else "active"

    def _value(self, cells: dict[str, str], field: str) -> str:
        return self.columns.value(cells, field)


def _image_position(text: str) -> float:
    """Rows without a readable Image Position keep their file order after the numbered ones."""
    try:
        return float(int(text))
    except ValueError:
        return float("inf")


def _unique(urls) -> list[str]:
    return list(dict.fromkeys(urls))
