"""Delimited text as merchants' spreadsheets really save it: any common encoding, any common delimiter.

decode_feed() turns bytes into text (UTF-8 with or without BOM, UTF-16 either way round, Shift-JIS, Windows-1252);
read_table() turns that text into a header and rows numbered as a spreadsheet shows them (and the file line where
that differs).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from catalog.importers.base import FeedRejected

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 4096  # enough of the file to see whether it is UTF-16 without BOM
_KANA = re.compile(r"[\u3040-\u30ff]")  # hiragana and katakana
# Excel's leading apostrophe keeps a cell from being read as a number, date or formula; it is not part of the value.
_PROTECTED_BY_APOSTROPHE = re.compile(
    r"[0+\-=@]"  # leading zeros, phone numbers, formulas, mentions
    r"|\d[\d.,\s]*$"  # a number
    r"|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"  # a date
)

# Line breaks as the csv module counts them (str.splitlines would also split on \u2028 and friends inside cells).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t\ufeff]*(?:\r\n|\r|\n))*")

Row = tuple[int, dict[str, str], list[str]]


def decode_feed(data: bytes) -> str:
    """The whole file as text. Raises FeedRejected, telling the merchant to save as UTF-8, when no encoding fits."""
    return _decode(data, complete=True)


def decode_head(head: bytes) -> str:
    """The first bytes of a file as text, for sniffing: the cut may fall inside a character, which is ignored."""
    return _decode(head, complete=False)


def _decode(data: bytes, *, complete: bool) -> str:
    for encoding in _candidate_encodings(data):
        text = _decode_strictly(data, encoding, complete=complete)
        if text is None:
            continue
        # A cp1252 file can happen to decode as Shift-JIS, but only into kanji: its accented letters are never
        # the 0x82/0x83 lead bytes of hiragana and katakana, which every Japanese text is full of.
        if encoding == "cp932" and not _KANA.search(text):
            continue
        return text.removeprefix("\ufeff")
    raise FeedRejected(
        "the file's text encoding was not recognised (it is not UTF-8, UTF-16, Shift-JIS or "
        "Windows-1252): save it as UTF-8 (in Excel: Save As > CSV UTF-8) and upload it again"
    )


def _candidate_encodings(data: bytes) -> list[str]:
    if data.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]  # the codec reads the BOM to choose the byte order
    # UTF-16 without BOM: ASCII characters (delimiters, digits, line breaks) put their NUL byte second (LE) or
    # first (BE), so at least one character in eight has one on the same side; U+3000 and friends put a few on the
    # other side, and a stray NUL in UTF-8 text is too rare to count.
    sample = data[:_SAMPLE_BYTES]
    nul_at_odd, nul_at_even = sample[1::2].count(0), sample[0::2].count(0)
    enough = len(sample) // 16 + 1
    if nul_at_odd >= enough and nul_at_odd > 4 * nul_at_even:
        return ["utf-16-le"]
    if nul_at_even >= enough and nul_at_even > 4 * nul_at_odd:
        return ["utf-16-be"]
    # cp932 is Windows' Shift-JIS, what Excel writes for Japanese; it adds ①, ㈱ and the like to shift_jis.
    return ["utf-8", "cp932", "cp1252"]


def _decode_strictly(data: bytes, encoding: str, *, complete: bool) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class Table:
    """A delimited file's header and rows. Iterate .rows for (row number, {header: cell}, surplus cells): the row
    number is the record's as a spreadsheet shows it (the header is row 1, an empty line is an empty row). While
    .rows is read, .lines collects the file line of each row whose line differs (a cell spanning lines before it,
    or lines skipped before the header)."""

    header: list[str]
    delimiter: str
    _body: str  # the text from the header line on
    _first_line: int  # the header's line number in the file
    skipped: str = ""  # what came before the header and was skipped: blank lines, spaces, tabs, byte-order marks
    lines: dict[int, int] = field(default_factory=dict, compare=False)

    @property
    def rows(self) -> Iterator[Row]:
        reader = csv.reader(io.StringIO(self._body, newline=""), delimiter=self.delimiter)
        next(reader)  # the header
        lines_read = reader.line_num
        header = self.header
        width = len(header)
        unique_header = len(set(header)) == width
        protected = _PROTECTED_BY_APOSTROPHE.match
        lines = self.lines
        first_line = self._first_line
        row_number = 1
        while True:
            line = first_line + lines_read  # the line the row starts on: quoted cells may span lines
            row_number += 1
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FeedRejected(
                    f"row {row_number} (line {line}) cannot be read ({exc}): check the quotes on that line, or "
                    "export the file again"
                ) from None
            lines_read = reader.line_num
            # Excel's protective apostrophe ('00123) goes; a real one ('Tis) stays.
            cells = [cell[1:] if cell[:1] == "'" and protected(cell, 1) else cell for cell in map(str.strip, raw)]
            if not any(cells):
                continue
            if line != row_number:
                lines[row_number] = line
            padded = cells + [""] * (width - len(cells)) if len(cells) < width else cells
            if unique_header:
                row = dict(zip(header, padded))
            else:
                row = {}
                for name, value in zip(header, padded):
                    row.setdefault(name, value)  # a repeated column name keeps its first column
            extra = padded[width:]
            while extra and not extra[-1]:
                extra.pop()  # a stray delimiter at the end of the line loses nothing
            yield row_number, row, extra

    def skipped_note(self) -> str:
        """What was skipped before the header, for the import's notes ("" when nothing was)."""
        if not self.skipped:
            return ""
        blank_lines = len(_LINE_BREAK.findall(self.skipped))
        what = [f"{blank_lines} blank line{'s' if blank_lines != 1 else ''}"] if blank_lines else []
        if "\ufeff" in self.skipped:
            what.append("a stray byte-order mark")
        if any(c in self.skipped for c in " \t"):
            what.append("spaces or tabs")
        listed = ", ".join(what[:-1]) + " and " + what[-1] if len(what) > 1 else "".join(what)
        return (
            f"Skipped {listed or 'whitespace'} before the header row (often printed by a WordPress "
            "plugin into the export); the header was read from the first line with text."
        )


def read_table(text: str, *, delimiter: str | None = None) -> Table:
    """Header and rows of delimited text; the delimiter is sniffed from the header line unless given."""
    leading_blank = _LEADING_BLANK_LINES.match(text).group()
    body = text[len(leading_blank) :].lstrip(" \t\ufeff")
    if not body.strip():
        raise FeedRejected("the file is empty: it needs a header row naming the columns, then one row per item")
    header_line = _LINE_BREAK.split(body, maxsplit=1)[0]
    delimiter = delimiter or sniff_delimiter(header_line)
    header = next(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter))
    header = [name.replace("\ufeff", "").strip() for name in header]
    first_line = len(_LINE_BREAK.findall(leading_blank)) + 1
    skipped = text[: len(text) - len(body)]
    return Table(header=header, delimiter=delimiter, _body=body, _first_line=first_line, skipped=skipped)


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of , ; tab | outside quotes in the header line (a comma when none occurs)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])  # ties go to the earlier, commoner one
    return best if counts[best] else ","


def read_header(head: bytes) -> list[str]:
    """The header names of a delimited file from its first bytes (for sniff()); [] when there is no text."""
    try:
        return read_table(decode_head(head)).header
    except (FeedRejected, csv.Error):
        return []
