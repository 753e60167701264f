"""decode_feed and read_table: bytes and delimited text as merchants' spreadsheets save them."""

import codecs

import pytest

from catalog.importers.base import FeedRejected
from catalog.importers.text import decode_feed, decode_head, read_header, read_table

SAMPLE = "sku,title,price\nA-1,Café crème,4.50 EUR\n"


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        SAMPLE.encode("utf-16"),  # with BOM, native order
        codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("utf-16-le"),  # no BOM: found by its NUL bytes
        SAMPLE.encode("utf-16-be"),
        SAMPLE.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1252"],
)
def test_decode_feed_reads_every_common_encoding(data):
    assert decode_feed(data) == SAMPLE


def test_decode_feed_reads_shift_jis():
    text = "id,title,price\n10037,クロールバリエ ショルダーバッグ①,9350 JPY\n"
    assert decode_feed(text.encode("cp932")) == text
    assert decode_feed("商品,ねだん\n".encode("shift_jis")) == "商品,ねだん\n"


@pytest.mark.parametrize("text", ["Größe;Preis\nÄrmel;12\n", "Crème brûlée – €5\n", "naïve façade\n"])
def test_decode_feed_prefers_cp1252_when_shift_jis_yields_no_kana(text):
    # "Größe...Ärmel" is valid Shift-JIS too, but decodes to a private-use kanji and half-width katakana.
    assert decode_feed(text.encode("cp1252")) == text


def test_decode_feed_finds_utf16_without_bom_despite_ideographic_spaces():
    text = "id,title\n1,バッグ\u3000黒\n"  # U+3000 puts a NUL on the "wrong" side
    assert decode_feed(text.encode("utf-16-le")) == text
    assert decode_feed(text.encode("utf-16-be")) == text


def test_decode_feed_keeps_utf8_with_a_stray_nul():
    assert decode_feed(b"id,title\n1,Mug\x00\n") == "id,title\n1,Mug\x00\n"


def test_decode_feed_rejects_undecodable_bytes_asking_for_utf8():
    with pytest.raises(FeedRejected, match="save it as UTF-8"):
        decode_feed(b"sku,title\nA,\x81\x8d\x81")


def test_decode_head_ignores_a_character_cut_at_the_end():
    head = "id,title\n1,クロール".encode()[:-1]
    assert decode_head(head) == "id,title\n1,クロー"
    assert read_header(head) == ["id", "title"]


def rows(text, **kwargs):
    return list(read_table(text, **kwargs).rows)


def test_read_table_numbers_rows_as_a_spreadsheet_does_and_keeps_file_lines_where_they_differ():
    text = 'sku,description,price\r\nA,"line one\r\nline two",1\r\n\r\nB,plain,2\r\n'
    table = read_table(text)
    assert list(table.rows) == [
        (2, {"sku": "A", "description": "line one\r\nline two", "price": "1"}, []),
        (4, {"sku": "B", "description": "plain", "price": "2"}, []),  # row 3 (line 4) is blank and skipped
    ]
    assert table.lines == {4: 5}  # B starts on line 5: A's cell spans two lines


def test_read_table_skips_whitespace_before_the_header_counting_its_lines():
    table = read_table("\n  \r\n\t\n   sku;price\nA;1\n")
    assert table.header == ["sku", "price"]
    assert table.delimiter == ";"
    assert list(table.rows) == [(2, {"sku": "A", "price": "1"}, [])]  # the header is row 1 ...
    assert table.lines == {2: 5}  # ... on line 4
    assert table.skipped_note().startswith("Skipped 3 blank lines and spaces or tabs before the header row")


def test_read_table_skips_a_byte_order_mark_after_a_tab_before_the_header():
    table = read_table("\t\ufeffsku,price\nA,1\n")  # a plugin printed a tab, then the file's BOM
    assert table.header == ["sku", "price"]
    assert list(table.rows) == [(2, {"sku": "A", "price": "1"}, [])]
    assert "a stray byte-order mark" in table.skipped_note()
    assert read_table("sku,price\nA,1\n").skipped_note() == ""


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_read_table_sniffs_the_delimiter(delimiter):
    text = delimiter.join(["sku", "title", "price"]) + "\n" + delimiter.join(["A", "Mug", "1"]) + "\n"
    table = read_table(text)
    assert table.delimiter == delimiter
    assert list(table.rows) == [(2, {"sku": "A", "title": "Mug", "price": "1"}, [])]


def test_read_table_sniffing_ignores_delimiters_inside_quoted_header_names():
    table = read_table('"name, full; long";sku;price\nMug;A;1\n')
    assert table.delimiter == ";"
    assert table.header == ["name, full; long", "sku", "price"]


def test_read_table_uses_a_given_delimiter():
    assert rows("a;b,c\n1;2,3\n", delimiter=",") == [(2, {"a;b": "1;2", "c": "3"}, [])]


def test_read_table_strips_header_names_and_a_bom_left_in_the_text():
    assert read_table("\ufeff sku , Title\u00a0,\ufeffprice\nA,B,C\n").header == ["sku", "Title", "price"]


def test_read_table_strips_cells_and_pads_missing_trailing_cells():
    assert rows("a,b,c\n  x  ,y\n") == [(2, {"a": "x", "b": "y", "c": ""}, [])]


def test_read_table_reports_surplus_cells_but_not_a_stray_trailing_delimiter():
    assert rows("a,b\n1,2,3,\n4,5,\n") == [(2, {"a": "1", "b": "2"}, ["3"]), (3, {"a": "4", "b": "5"}, [])]


def test_read_table_skips_fully_blank_rows():
    assert rows("a,b\n,\n , \n1,2\n") == [(4, {"a": "1", "b": "2"}, [])]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("'00123", "00123"),
        ("'123", "123"),
        ("'1,299.50", "1,299.50"),
        ("'2024-03-01", "2024-03-01"),
        ("'+44 20 7946 0000", "+44 20 7946 0000"),
        ("'-5", "-5"),
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'@shop", "@shop"),
        ("'Tis the season", "'Tis the season"),
        ("'quoted'", "'quoted'"),
        ("'", "'"),
    ],
)
def test_read_table_removes_excels_protective_apostrophe_only_where_excel_adds_it(cell, value):
    assert rows(f"sku;title\n{cell};x\n")[0][1]["sku"] == value


def test_read_table_rejects_an_empty_file():
    with pytest.raises(FeedRejected, match="empty"):
        read_table(" \n\r\n")
