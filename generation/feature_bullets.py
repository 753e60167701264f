"""Feature bullets for a FeatureList card, taken from a product description as merchants' feeds write it.

Feeds carry descriptions as HTML (Shopify's "Body (HTML)", often with a <ul> of details), as text with bullet
characters, or as plain prose (Google and Meta feeds, Japanese shops included). Pure text in, text out.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Bullet characters that mark an item wherever they stand; "-" and "*" only mark one at the start of a line,
# since elsewhere they are hyphens ("gold-plated") and footnote stars.
_INLINE_BULLETS = "•◦‣▪●·✓✔"
_INLINE_BULLET = re.compile(f"[{_INLINE_BULLETS}]")
_LINE_START_BULLET = re.compile(rf"^\s*(?:[-*]\s+|[{_INLINE_BULLETS}]\s*)")
# A sentence ends at . ! ? (or an ellipsis) before a space and a capital, digit or quote, or at Japanese and
# Chinese full stops; "No.10037" and "e.g. cotton" stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'“‘(\[A-Z0-9])|(?<=[。！？])\s*")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
# Tags that end a line of text: paragraphs, breaks, list items, headings, table cells.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li "
    "main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})
ELLIPSIS = "…"


def description_bullets(description: str, *, max_bullets: int = 4, max_chars: int = 60) -> tuple[str, ...]:
    """Up to max_bullets short feature lines from a product description, in the order it gives them.

    When the description has a list (HTML <li> items, or lines and items marked with •, -, *, ·, ✓), the list
    items are the bullets and the prose around it is left out (it is usually an intro or a "Details:" label).
    Otherwise every paragraph, <br> or newline-separated line and sentence is a candidate. Tags are stripped with
    the stdlib HTML parser (script and style contents dropped) and entities unescaped. Empty items and repeats
    (ignoring case and spacing) are dropped.

    Display choice: a bullet longer than max_chars is shortened at the last word boundary that fits and ends
    with "…" (counted in max_chars); text without spaces (Japanese) is cut at max_chars - 1 characters.
    """
    if isinstance(max_bullets, bool) or not isinstance(max_bullets, int) or max_bullets < 1:
        raise ValueError(f"max_bullets must be an integer >= 1, got {max_bullets!r}")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 2:
        raise ValueError(f"max_chars must be an integer >= 2, got {max_chars!r}")
    if not description or not description.strip():
        return ()
    listed, lines = _listed_and_lines(description)
    for line in lines:
        bulleted = _bulleted_items(line)
        if bulleted:
            listed.extend(bulleted)
    candidates = listed or [sentence for line in lines for sentence in _SENTENCE_END.split(line)]

    bullets: list[str] = []
    seen: set[str] = set()
    for candidate in candidates:
        text = _shorten(_squash(_LINE_START_BULLET.sub("", candidate)), max_chars)
        key = text.casefold()
        if not text.strip(" .,:;-–—") or key in seen:
            continue
        seen.add(key)
        bullets.append(text)
        if len(bullets) == max_bullets:
            break
    return tuple(bullets)


def _listed_and_lines(description: str) -> tuple[list[str], list[str]]:
    """(the <li> items, the other lines of text): HTML is parsed, plain text split at newlines."""
    if not _TAG.search(description):
        return [], [line for line in html.unescape(description).splitlines() if line.strip()]
    parser = _BlockTextParser()
    parser.feed(description)
    parser.close()
    return parser.list_items, parser.lines


def _bulleted_items(line: str) -> list[str]:
    """The items a line marks with bullet characters, or [] when it has none (then it is prose)."""
    if _LINE_START_BULLET.match(line):
        return [item for item in _INLINE_BULLET.split(_LINE_START_BULLET.sub("", line)) if item.strip()]
    if _INLINE_BULLET.search(line):
        # Text before the first bullet ("Features: • a • b") is a label, not an item.
        return [item for item in _INLINE_BULLET.split(line)[1:] if item.strip()]
    return []


def _squash(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    room = text[: max_chars - len(ELLIPSIS)]
    # Cut at the last space only when it keeps most of the room; a long unspaced run (Japanese) is cut as is.
    cut = room.rfind(" ")
    if cut >= len(room) // 2:
        room = room[:cut]
    return room.rstrip(" ,;:-–—") + ELLIPSIS


class _BlockTextParser(HTMLParser):
    """Collects text as lines that end at block tags; text inside <li> goes to list_items instead."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.list_items: list[str] = []
        self.lines: list[str] = []
        self._buffer: list[str] = []
        self._list_depth = 0
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "li":
                self._list_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "li":
                self._list_depth = max(0, self._list_depth - 1)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:  # <br/>: ends the line, opens nothing
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        # Newlines inside HTML are layout of the source, not line breaks: only tags break lines.
        text = _squash("".join(self._buffer))
        self._buffer.clear()
        if text:
            (self.list_items if self._list_depth else self.lines).append(text)
