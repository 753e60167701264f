"""Google Merchant Center feeds: the RSS/Atom XML form and the delimited (TSV/CSV) form.

Both carry the same attributes (id, title, price, item_group_id, ...); each item is one variant, and items sharing
an item_group_id anywhere in the file are one product. meta.py reads Meta's CSV through the same delimited code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from decimal import Decimal

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError, fromstring

from catalog import limits
from catalog.importers.base import (
    FeedRejected,
    ImportNote,
    ImportOptions,
    ParsedProduct,
    ParsedVariant,
    ParseResult,
    RowError,
)
from catalog.importers.tabular import currency_assumed_note, located
from catalog.importers.text import decode_feed, decode_head, read_header, read_table
from catalog.importers.values import (
    html_to_text,
    is_web_url,
    names_currency,
    normalise_availability,
    parse_price,
    split_urls,
)

GOOGLE_NS = "http://base.google.com/ns/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
REQUIRED_ATTRIBUTES = ("id", "title", "price")
VARIANT_OPTIONS = {"color": "Color", "size": "Size", "material": "Material", "pattern": "Pattern"}
# Attributes only Google's spec defines. Meta reads the same attribute names, so a delimited file without any of
# these (or a g: prefix) is left to meta_csv; both parse identically, so a wrong guess only changes the label.
# gtin and mpn are not among them: Meta exports carry them too.
GOOGLE_ONLY_ATTRIBUTES = {
    "google_product_category",
    "identifier_exists",
    "excluded_destination",
    "included_destination",
    "shopping_ads_excluded_country",
    "ads_redirect",
    "multipack",
    "is_bundle",
}
_XML_ROOT = re.compile(
    r"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*<(?:[\w.-]+:)?(?:rss|feed)[\s>/]",
    re.DOTALL,
)

Attributes = dict[str, list[str]]  # attribute name -> its values in feed order (XML may repeat an element)
Item = tuple[int, Attributes]


class GoogleXmlImporter:
    name = "google_xml"
    label = "Google Merchant Center XML"

    def sniff(self, head: bytes) -> bool:
        try:
            text = decode_head(head)
        except FeedRejected:
            return False  # not text at all (a spreadsheet, an archive): another importer's to judge
        return GOOGLE_NS in text and bool(_XML_ROOT.match(text.removeprefix("\ufeff")))

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        yield from products_from_items(_xml_items(_xml_root(data)), options=options)


class GoogleDelimitedImporter:
    name = "google_csv"
    label = "Google Merchant Center CSV/TSV"

    def sniff(self, head: bytes) -> bool:
        header = read_header(head)
        names = {attribute_name(column) for column in header}
        return set(REQUIRED_ATTRIBUTES) <= names and is_google_specific(header)

    def parse(self, data: bytes, *, options: ImportOptions) -> ParseResult:
        yield from parse_attribute_table(data, options=options, label=self.label)


def attribute_name(column: str) -> str:
    """'g:image_link', 'Image Link' and 'image link' (Google's own template) all name image_link."""
    name = column.strip().lower().removeprefix("g:")
    return re.sub(r"[\s-]+", "_", name)


def is_google_specific(header: list[str]) -> bool:
    """A g: prefix or a column only Google defines; without one, a Google-style table is taken to be Meta's."""
    names = {attribute_name(column) for column in header}
    return bool(names & GOOGLE_ONLY_ATTRIBUTES) or any(column.strip().lower().startswith("g:") for column in header)


def parse_attribute_table(data: bytes, *, options: ImportOptions, label: str) -> ParseResult:
    """A delimited feed whose columns are Google attribute names (Google's TSV/CSV, Meta's catalog CSV)."""
    table = read_table(decode_feed(data))
    names = [attribute_name(column) for column in table.header]
    missing = [name for name in REQUIRED_ATTRIBUTES if name not in names]
    if missing:
        raise FeedRejected(
            f"the header row has no {', '.join(missing)} column: a {label} file needs the columns "
            f"{', '.join(REQUIRED_ATTRIBUTES)} (usually with description, link, image_link and "
            "availability)"
        )
    name_of = dict(zip(table.header, names))
    # Columns naming the same attribute ("g:id" and "id") collect their values in one list; without any, each
    # attribute has one column and so at most one value.
    names_unique = len(set(name_of.values())) == len(name_of)

    def items() -> Iterator[Item | RowError]:
        for row_number, cells, extra in table.rows:
            if extra:
                yield RowError(
                    row_number,
                    "",
                    f"the row has {len(extra)} more cell(s) than the header has "
                    "columns: put quotes around cells that contain the delimiter",
                )
                continue
            attributes: Attributes
            if names_unique:
                attributes = {name_of[column]: [value] for column, value in cells.items() if value}
            else:
                attributes = {}
                for column, value in cells.items():
                    if value:
                        attributes.setdefault(name_of[column], []).append(value)
            yield row_number, attributes

    if note := table.skipped_note():
        yield ImportNote(note)
    yield from located(products_from_items(items(), options=options), table.lines, {})


def _xml_root(data: bytes):
    try:
        # forbid_dtd: entities are how billion-laughs and XXE attacks work, and a product feed has no use for them.
        return fromstring(data, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise FeedRejected(
            "the XML declares entities (a <!DOCTYPE ...>); feeds must not, because entities can expand "
            "without limit or read other files: export the feed again without a DOCTYPE"
        ) from None
    except ParseError as exc:
        raise FeedRejected(
            f"the file is not well-formed XML ({exc}): export the feed again, or open it in a "
            "browser, which shows where it breaks"
        ) from None


def _xml_items(root) -> Iterator[Item]:
    _, root_name = _split_tag(root.tag)
    if root_name == "rss":
        elements = [
            item
            for channel in root
            if _split_tag(channel.tag)[1] == "channel"
            for item in channel
            if _split_tag(item.tag)[1] == "item"
        ]
    elif root_name == "feed":
        elements = [entry for entry in root if _split_tag(entry.tag)[1] == "entry"]
    else:
        raise FeedRejected(
            f"the XML's root element is <{root_name}>, not <rss> or <feed>: export the feed from "
            "Google Merchant Center (or your shop's Google feed) as RSS 2.0 or Atom"
        )
    tag_kinds: dict[str, tuple[bool | None, str]] = {}  # a feed repeats a handful of tags on every item
    for position, element in enumerate(elements, start=1):
        yield position, _xml_attributes(element, tag_kinds)


def _xml_attributes(item, tag_kinds: dict[str, tuple[bool | None, str]] | None = None) -> Attributes:
    """The item's attributes from its child elements; a g: element wins over its unprefixed twin (Atom's <id>)."""
    prefixed: Attributes = {}
    unprefixed: Attributes = {}
    if tag_kinds is None:
        tag_kinds = {}
    for child in item:
        if len(child):
            continue  # structured attributes (shipping, tax) are not product data we keep
        tag = child.tag
        kind = tag_kinds.get(tag)
        if kind is None:
            kind = tag_kinds[tag] = _tag_kind(tag)
        is_prefixed, name = kind
        if is_prefixed is None:
            continue  # another namespace's element: not a Google attribute
        # A childless element's text is all its text; Atom: <link href="..."/>
        text = child.text
        value = (text.strip() if text else "") or child.get("href", "").strip()
        if not value:
            continue
        target = prefixed if is_prefixed else unprefixed
        values = target.get(name)
        if values is None:
            target[name] = [value]
        else:
            values.append(value)
    if not unprefixed:
        return prefixed
    return unprefixed | prefixed


def _tag_kind(tag: str) -> tuple[bool | None, str]:
    """(True for a g: element, False for an unprefixed or Atom one, None for any other namespace; local name)."""
    namespace, name = _split_tag(tag)
    if namespace == GOOGLE_NS:
        return True, name
    if namespace in ("", ATOM_NS):
        return False, name
    return None, name


def _split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def products_from_items(items: Iterable[Item | RowError], *, options: ImportOptions) -> ParseResult:
    """Products in order of first appearance, with the row errors where they occur; groups span the whole file."""
    stream: list[ParsedProduct | RowError] = []
    products: dict[str, ParsedProduct] = {}
    image_sets: dict[str, set[str]] = {}  # each product's image_urls as a set, for quick duplicate checks
    rows_by_id: dict[str, int] = {}
    currency_assumed = False
    for item in items:
        if isinstance(item, RowError):
            stream.append(item)
            continue
        row_number, attributes = item
        first = _first_values(attributes)
        variant, images, errors = _item_read(row_number, first, attributes, options)
        if not currency_assumed and "price" in first and not names_currency(first["price"]):
            currency_assumed = True
            stream.append(currency_assumed_note(options.default_currency, "Some prices name no currency"))
        if errors and (ref := first.get("id", "")):
            errors = [replace(error, ref=ref) for error in errors]
        if variant and variant.sku in rows_by_id:
            errors.append(
                RowError(
                    row_number,
                    "id",
                    f"id {variant.sku!r} is already used on row {rows_by_id[variant.sku]}: give every item its own id",
                    ref=variant.sku,
                )
            )
            variant = None
        stream.extend(errors)
        if variant is None:
            continue
        rows_by_id[variant.sku] = row_number
        key = first.get("item_group_id") or variant.sku
        product = products.get(key)
        if product is None:
            product = products[key] = _product_start(row_number, key, first)
            stream.append(product)
            seen = image_sets[key] = set()
        else:
            seen = image_sets[key]
        product.variants.append(variant)
        for url in images:
            if url not in seen:
                seen.add(url)
                product.image_urls.append(url)
    yield from stream


def _first_values(attributes: Attributes) -> dict[str, str]:
    """Each attribute's first value, stripped (an attribute an item lacks is simply absent)."""
    return {name: values[0].strip() for name, values in attributes.items() if values}


def _item_read(
    row_number: int, first: dict[str, str], attributes: Attributes, options: ImportOptions
) -> tuple[ParsedVariant | None, list[str], list[RowError]]:
    """The item's variant (None when it cannot be sold as written), its image URLs, and what is wrong with it."""
    get = first.get
    if all(map(get, REQUIRED_ATTRIBUTES)):  # as nearly every item does
        errors = []
    else:
        errors = [
            RowError(row_number, name, f"{name} is empty: every item needs one")
            for name in REQUIRED_ATTRIBUTES
            if not get(name)
        ]
    price = _price_read(row_number, get("price", ""), "price", options, errors)
    sale_price = _price_read(row_number, get("sale_price", ""), "sale_price", options, errors)
    if price and sale_price and sale_price[1] != price[1]:
        errors.append(
            RowError(
                row_number,
                "sale_price",
                f"sale_price is in {sale_price[1]} but price is in {price[1]}: write both in the same currency",
            )
        )
    try:
        availability = normalise_availability(get("availability", ""))
    except ValueError as exc:
        availability = ""
        errors.append(RowError(row_number, "availability", str(exc)))

    images = []
    image_link = get("image_link", "")
    if image_link and not is_web_url(image_link):
        errors.append(
            RowError(
                row_number,
                "image_link",
                f"image_link {image_link!r} is not a web address: give the image's full URL, starting with https://",
            )
        )
    elif image_link:
        images.append(image_link)
    for value in attributes.get("additional_image_link", []):
        images.extend(url for url in split_urls(value) if url not in images)
    link = get("link", "")
    if link and not is_web_url(link):
        errors.append(
            RowError(
                row_number,
                "link",
                f"link {link!r} is not a web address: give the product page's full URL, starting with https://",
            )
        )
    if errors and any(error.field not in ("image_link", "link") for error in errors):  # a bad address still sells
        return None, images, errors

    amount, currency = price
    compare_at = None
    if sale_price and sale_price[0] < amount:
        amount, compare_at = sale_price[0], amount
    variant = ParsedVariant(
        sku=get("id", ""),
        price=amount,
        currency=currency,
        title=get("title", ""),
        compare_at_price=compare_at,
        availability=availability,
        options={label: value for name, label in VARIANT_OPTIONS.items() if (value := get(name))},
        image_urls=images[:1] if get("item_group_id") else [],  # its own photo within a group
    )
    return variant, images, errors


def _price_read(
    row_number: int, text: str, name: str, options: ImportOptions, errors: list[RowError]
) -> tuple[Decimal, str] | None:
    """The attribute's (amount, currency), or None when absent or unreadable (which is added to errors)."""
    if not text:
        return None
    try:
        price = parse_price(text, default_currency=options.default_currency)
    except ValueError as exc:
        errors.append(RowError(row_number, name, str(exc)))
        return None
    if problem := limits.PRICE.problem(price[0], label=name):
        errors.append(RowError(row_number, name, problem))
        return None
    return price


def _product_start(row_number: int, key: str, first: dict[str, str]) -> ParsedProduct:
    link = first.get("link", "")
    return ParsedProduct(
        row_number=row_number,
        key=key,
        title=first.get("title", ""),
        description=html_to_text(first.get("description", "")),
        brand=first.get("brand", ""),
        product_type=first.get("product_type", ""),
        # Google's product_type is the merchant's own category path; google_product_category is often an id.
        category=first.get("product_type", "") or first.get("google_product_category", ""),
        url=link if is_web_url(link) else "",
    )
