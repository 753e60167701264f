"""Cell values as merchants write them: prices in any local style, availability words, HTML descriptions, URL lists.

Every parser raises ValueError with a message that tells the merchant what to write instead.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

# Longest first, so "US$" wins over "$".
_CURRENCY_SYMBOLS = {
    "US$": "USD",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "MX$": "MXN",
    "£": "GBP",
    "€": "EUR",
    "¥": "JPY",
    "￥": "JPY",
    "円": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "฿": "THB",
    "₱": "PHP",
    "zł": "PLN",
}
_DOLLAR_CURRENCIES = {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "TWD"}
_YEN_CURRENCIES = {"JPY", "CNY"}  # ¥ is both; the merchant's default currency says which
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")  # NBSP and thin spaces are thousands separators in Europe
_CODE_FIRST = re.compile(r"([A-Za-z]{3})\s*(.*)")
_CODE_LAST = re.compile(r"(.*?)\s*([A-Za-z]{3})")
_NUMBER = re.compile(r"\d[\d.,]*")
_THOUSANDS_GROUPS = re.compile(r"\d{1,3}(?:X\d{3})+")  # X stands for the thousands separator in use
_PRICE_EXAMPLE = "write it like 24.00 or 24.00 EUR"
_SYMBOLS_LONGEST_FIRST = sorted(_CURRENCY_SYMBOLS, key=len, reverse=True)
# The shapes most feeds write ("15.00 GBP", "15.00"): ASCII digits, no thousands separator, at most two decimals.
# parse_price reads them directly, with exactly the result the general path below gives them.
_PLAIN_PRICE_WITH_CODE = re.compile(r"([0-9]+(?:\.[0-9]{1,2})?) ([A-Za-z]{3})")
_PLAIN_PRICE = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_SPACE_GROUPED_NUMBER = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?")


def parse_price(text: str, *, default_currency: str | None = None) -> tuple[Decimal, str]:
    """'15.00 GBP', 'GBP 15.00', '£15.00', '1.299,50 EUR', '1 299,50 €', '¥9,350' -> (exact Decimal, ISO code).

    Which separator is the decimal one: when both '.' and ',' occur, the last one is decimal and the other groups
    thousands; when only one kind occurs once, it is decimal unless exactly three digits follow it and something
    other than a lone 0 precedes it ('1,299' and '1.299' are 1299, '0.125' and '12.5' are decimals); when one kind
    occurs several times, it groups thousands ('1.299.000'). Thousands groups must have three digits each.
    """
    if text.__class__ is str:
        match = _PLAIN_PRICE_WITH_CODE.fullmatch(text)
        if match:
            return Decimal(match.group(1)), match.group(2).upper()
        if default_currency and _PLAIN_PRICE.fullmatch(text):
            return Decimal(text), default_currency.strip().upper()
    original = text
    text = _SPACES.sub(" ", text or "").strip()
    if not text:
        raise ValueError(f"price is empty: {_PRICE_EXAMPLE}")
    try:
        text, currency = _currency_split(text, default_currency)
    except ValueError as exc:
        raise ValueError(f"price {original!r} {exc}") from None
    if text.startswith("-") or (text.startswith("(") and text.endswith(")")):
        raise ValueError(f"price {original!r} is negative: prices must be zero or more")
    number = _number_parse(text)
    if number is None:
        raise ValueError(f"price {original!r} is not a number: {_PRICE_EXAMPLE}")
    if currency is None:
        raise ValueError(f"price {original!r} has no currency: add a currency code, like {text} USD")
    return number, currency


def names_currency(text: str) -> bool:
    """Whether a price cell writes a currency (a code or a symbol) rather than leaving it to the default."""
    return bool(_NOT_NUMBER.search(text))


_NOT_NUMBER = re.compile(r"[^\d.,\s\u00a0\u202f\u2009'-]")


def parse_currency(text: str) -> str:
    """A 3-letter ISO 4217 code, upper-cased."""
    code = (text or "").strip().upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise ValueError(f"currency {text!r} is not a 3-letter currency code: write one like USD, EUR or GBP")
    return code


def _currency_split(text: str, default_currency: str | None) -> tuple[str, str | None]:
    """The amount without its currency, and that currency (the default when none is written)."""
    found = []
    for symbol in _SYMBOLS_LONGEST_FIRST:
        if symbol in text:
            found.append(_symbol_currency(symbol, default_currency))
            text = text.replace(symbol, " ", 1).strip()
            break
    if "$" in text:
        dollar = default_currency.upper() if (default_currency or "").upper() in _DOLLAR_CURRENCIES else "USD"
        found.append(dollar)
        text = text.replace("$", " ", 1).strip()
    for pattern, code_group, rest_group in ((_CODE_FIRST, 1, 2), (_CODE_LAST, 2, 1)):
        match = pattern.fullmatch(text)
        if match:
            found.append(match.group(code_group).upper())
            text = match.group(rest_group).strip()
            break
    if len(set(found)) > 1:
        raise ValueError(f"names two currencies ({' and '.join(found)}): write just one, like {text} {found[-1]}")
    if found:
        return text, found[0]
    return text, default_currency.strip().upper() if default_currency else None


def _symbol_currency(symbol: str, default_currency: str | None) -> str:
    currency = _CURRENCY_SYMBOLS[symbol]
    if currency == "JPY" and symbol == "¥" and (default_currency or "").upper() in _YEN_CURRENCIES:
        return default_currency.upper()
    return currency


def _number_parse(text: str) -> Decimal | None:
    if " " in text:  # "1 299,50": spaces may only group thousands
        if not _SPACE_GROUPED_NUMBER.fullmatch(text):
            return None
        text = text.replace(" ", "")
    if not _NUMBER.fullmatch(text):
        return None
    separators = [char for char in text if char in ".,"]
    decimal_separator = _decimal_separator(text, separators)
    if decimal_separator:
        whole, fraction = text.rsplit(decimal_separator, 1)
    else:
        whole, fraction = text, ""
    if not fraction and decimal_separator:
        return None  # "24." is a typo, not a price
    if any(char in ".," for char in whole):
        thousands = ({".", ","} - {decimal_separator}).pop() if decimal_separator else separators[0]
        if any(char in ".," and char != thousands for char in whole):
            return None
        if not _THOUSANDS_GROUPS.fullmatch(whole.replace(thousands, "X")):
            return None
        whole = whole.replace(thousands, "")
    try:
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:
        return None


def _decimal_separator(text: str, separators: list[str]) -> str | None:
    if not separators:
        return None
    last = separators[-1]
    if len(set(separators)) == 2:
        return last
    if len(separators) > 1:
        return None  # one kind, several times: thousands groups
    whole, fraction = text.split(last)
    if len(fraction) == 3 and whole != "0":
        return None
    return last


_AVAILABILITY = {
    "instock": "in_stock",
    "available": "in_stock",
    "": "in_stock",
    "outofstock": "out_of_stock",
    "soldout": "out_of_stock",
    "discontinued": "out_of_stock",
    "preorder": "preorder",
    "availablefororder": "preorder",
    "backorder": "backorder",
    "onbackorder": "backorder",
}


_AVAILABILITY_NOISE = re.compile(r"[\s_\-]+")
_AVAILABILITY_SEEN: dict[str, str] = {}  # feeds repeat the same few words on every row
_AVAILABILITY_SEEN_MAX = 256


def normalise_availability(text: str) -> str:
    """'in stock', 'In_Stock', 'sold out', 'pre-order', 'http://schema.org/InStock'... -> a Variant.Availability."""
    if text.__class__ is str:
        known = _AVAILABILITY_SEEN.get(text)
        if known is not None:
            return known
    word = (text or "").strip().lower().rsplit("/", 1)[-1]  # schema.org URLs name the value last
    key = _AVAILABILITY_NOISE.sub("", word)
    if key not in _AVAILABILITY:
        raise ValueError(
            f"availability {text!r} is not one we know: write in stock, out of stock, preorder or backorder"
        )
    if text.__class__ is str and len(_AVAILABILITY_SEEN) < _AVAILABILITY_SEEN_MAX:
        _AVAILABILITY_SEEN[text] = _AVAILABILITY[key]
    return _AVAILABILITY[key]


_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
}
_INVISIBLE_TAGS = {"script", "style", "template", "head", "noscript"}
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][^<>]*>|<!--")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _INVISIBLE_TAGS:
            self.hidden_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _INVISIBLE_TAGS:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCK_TAGS and tag != "li":  # the next item starts its own line: no gap between items
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag not in _INVISIBLE_TAGS:  # <br/>, <hr/>: a line break; <script/> hides nothing
            self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(re.sub(r"\s+", " ", data))  # in HTML a source line break is just a space


# The fast path of html_to_text: markup made only of tags whose extent and name html.parser reads without doubt,
# and text. Anything else (declarations, "<?", "</ x>", odd attribute syntax, "<" before a letter that starts no such
# tag...) goes to _TextCollector, which remains the reference.
_SPACE = r"[ \t\n\r\f]"  # HTMLParser's \s is Unicode-wide: other spaces send the tag to the slow path
_TAG_NAME = r"[a-zA-Z][-.:_a-zA-Z0-9]*"
_ATTRIBUTES = (
    rf"(?:{_SPACE}+[a-zA-Z_:@][-.:_@a-zA-Z0-9]*"  # a name, and maybe a value: quoted, or bare printable ASCII
    rf"(?:{_SPACE}*={_SPACE}*(?:\"[^\"<>]*\"|'[^'<>]*'|[!#-&(-.0-;?-_a-~]+(?={_SPACE}|>)))?)*"
)
# Splits into text, start tag name, "/" of "<br/>", end tag name, text, ...
_PLAIN_TAG = re.compile(rf"<(?:({_TAG_NAME}){_ATTRIBUTES}{_SPACE}*(/?)|/({_TAG_NAME}){_SPACE}*)>")
_LITERAL_LT = re.compile(r"<(?![a-zA-Z/!?])")  # HTMLParser passes these on as text
_RAW_TEXT_START = re.compile(rf"<([sS][cC][rR][iI][pP][tT]|[sS][tT][yY][lL][eE]){_ATTRIBUTES}{_SPACE}*>")
# What HTMLParser looks for to end a <script> or <style>, and then what it accepts as that end tag.
_RAW_TEXT_END = {name: re.compile(rf"</\s*{name}\s*>", re.I) for name in ("script", "style")}
_END_TAG = re.compile(r"</\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>")
_BREAK = "\x01"  # stands for the collector's "\n" in the fast path; no text can hold it (checked, or unescaped to "")
_START_TAG_TEXT = {tag: _BREAK for tag in _BLOCK_TAGS}
_START_TAG_TEXT.update({"br": _BREAK, "li": _BREAK + "\u2022 "})
_END_TAG_TEXT = {tag: _BREAK for tag in _BLOCK_TAGS if tag != "li"}
_BLANK_LINES = re.compile(r"\n\n\n+")


def _fast_markup_text(text: str) -> str | None:
    """What _TextCollector would make of text, but with _BREAK for its line breaks and the text in between not yet
    whitespace-collapsed; None when this might differ from what it makes."""
    if _BREAK in text:
        return None
    out: list[str] = []
    depth = 0  # _TextCollector.hidden_depth
    pos = 0
    raw_start = _RAW_TEXT_START.search(text) if ("<s" in text or "<S" in text) else None
    while True:
        depth = _fast_segment(text[pos : raw_start.start()] if raw_start else text[pos:] if pos else text, out, depth)
        if depth is None:
            return None
        if raw_start is None:
            break
        depth += 1  # <script> and <style> are invisible; HTMLParser reads on to their end tag as text
        name = raw_start.group(1).lower()
        end_search = _RAW_TEXT_END[name].search
        pos = raw_start.end()
        while True:
            end = end_search(text, pos)
            if end is None:  # never closed: HTMLParser keeps the rest waiting for more input
                return "".join(out)
            gt = text.find(">", end.start() + 1) + 1
            tag = _END_TAG.match(text, end.start())
            pos = gt
            if tag and tag.group(1).lower() == name:
                break
        depth = depth - 1 if depth > 0 else 0
        raw_start = _RAW_TEXT_START.search(text, pos)
    return "".join(out)


def _fast_segment(text: str, out: list[str], depth: int) -> int | None:
    parts = _PLAIN_TAG.split(text)
    count = len(parts)
    less_than = text.count("<")
    if less_than != (count - 1) // 4 and less_than - (count - 1) // 4 != len(_LITERAL_LT.findall(text)):
        return None  # some "<" is neither one of these tags nor plain text
    unescape = html.unescape
    data = parts[0]
    if data and not depth:
        out.append(unescape(data) if "&" in data else data)
    for name, slash, end_name, data in zip(parts[1::4], parts[2::4], parts[3::4], parts[4::4]):
        if name is not None:
            tag = name.lower()
            if tag in _INVISIBLE_TAGS:
                if not slash:  # <script/> hides nothing
                    if tag == "script" or tag == "style":
                        return None
                    depth += 1
            elif tag in _START_TAG_TEXT:
                out.append(_START_TAG_TEXT[tag])
        else:
            tag = end_name.lower()
            if tag in _INVISIBLE_TAGS:
                depth = depth - 1 if depth > 0 else 0
            elif tag in _END_TAG_TEXT:
                out.append(_BREAK)
        if data and not depth:
            out.append(unescape(data) if "&" in data else data)
    return depth


def html_to_text(text: str) -> str:
    """Plain text from an HTML description, or from plain text with HTML leftovers (entities, stray '-->')."""
    text = text or ""
    if "<" not in text and "&" not in text and text.isprintable():
        # One line of plain text (no line breaks, which are never printable), nothing to unescape: what the
        # general path below makes of it, directly.
        return " ".join(text.replace("-->", " ").split())
    if "<" in text and _LOOKS_LIKE_HTML.search(text):  # every HTML tag and comment starts with "<"
        if "<!--" in text:
            text = _COMMENT.sub(" ", text)  # also one left open at the end, which HTMLParser would print
        fast = _fast_markup_text(text)
        if fast is not None:  # the same as the general path below, done faster
            if "-->" in fast:
                fast = fast.replace("-->", " ")
            if _BREAK not in fast:
                return " ".join(fast.split())
            text = "\n".join([" ".join(line.split()) for line in fast.split(_BREAK)])
            if "\n\n\n" in text:
                text = _BLANK_LINES.sub("\n\n", text)  # at most one blank line in a row
            return text.strip("\n")
        collector = _TextCollector()
        collector.feed(text)
        collector.close()
        text = "".join(collector.parts)
    else:
        text = html.unescape(text)
    text = text.replace("-->", " ")  # the end of a comment whose start an export cut off
    return _tidy([" ".join(line.split()) for line in text.splitlines()])


def _tidy(lines: list[str]) -> str:
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):  # at most one blank line in a row
            tidy.append(line)
    return "\n".join(tidy).strip()


_URL_SEPARATOR = re.compile(r"\s+|\s*[,|]\s*(?=https?://)", re.IGNORECASE)


def split_urls(text: str) -> list[str]:
    """The http(s) URLs in a list joined by commas, pipes or whitespace, in order, without duplicates.

    A comma or pipe separates only where a new URL starts, so a comma inside a URL (image CDNs use them) survives.
    """
    urls: list[str] = []
    for part in _URL_SEPARATOR.split(text or ""):
        part = part.strip(" ,|")
        if _WEB_URL.match(part) and part not in urls:  # is_web_url(part)
            urls.append(part)
    return urls


_WEB_URL = re.compile(r"https?://[^\s/?#]+", re.IGNORECASE)


def is_web_url(text: str) -> bool:
    return bool(_WEB_URL.match(text or ""))


TAGS_MAX = 50
TAG_MAX_CHARS = 100


def tags_split(text: str) -> list[str]:
    """ "summer, Sale ,summer" -> ["summer", "Sale"]: comma-separated tags, trimmed, each once, at most TAGS_MAX of
    at most TAG_MAX_CHARS characters (a longer one is cut: tags choose products, they are not shown)."""
    tags: list[str] = []
    for tag in (text or "").split(","):
        tag = tag.strip()[:TAG_MAX_CHARS]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:TAGS_MAX]
