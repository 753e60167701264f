"""Caption cues, their wrap, and the SRT/WebVTT sidecars read back by an independent parser (webvtt-py)."""

from __future__ import annotations

import html
import io

import pytest
import webvtt

from generation.assembly.captions import Cue, caption_cues, cue_lines, srt_text, webvtt_text

LONG_CAPTION = (
    "Hand-thrown stoneware espresso cups, glazed by hand in small batches, dishwasher safe, "
    "and shipped in plastic-free packaging to anywhere in the world within three working days. "
    "Supercalifragilisticexpialidociousnessandthensomemoreletters too."
)


def letters(text: str) -> str:
    return "".join(text.split())


def caption_ms(timestamp) -> int:
    hours, minutes, seconds, milliseconds = timestamp.to_tuple()
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds


# --- Cue --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, text",
    [(-0.1, 1.0, "x"), (1.0, 1.0, "x"), (2.0, 1.0, "x"), (0.0, 1.0, "  \n "), (0.0, float("inf"), "x")],
)
def test_cue_refuses_bad_times_and_blank_text(start, end, text):
    with pytest.raises(ValueError):
        Cue(start, end, text)


# --- wrap -------------------------------------------------------------------------------------------


def test_cue_lines_wraps_on_words_within_the_limit():
    lines = cue_lines("the quick brown fox jumps over the lazy dog", 10)
    assert lines == ["the quick", "brown fox", "jumps over", "the lazy", "dog"]


def test_cue_lines_hard_splits_an_overlong_word_without_losing_it():
    lines = cue_lines("a abcdefghijklmnopqrstuvwxyz b", 10)
    assert all(len(line) <= 10 for line in lines)
    assert letters("".join(lines)) == "aabcdefghijklmnopqrstuvwxyzb"
    assert lines == ["a", "abcdefghij", "klmnopqrst", "uvwxyz b"]


def test_cue_lines_of_blank_text_is_empty_and_limit_is_checked():
    assert cue_lines("   \n\t") == []
    with pytest.raises(ValueError, match="max_chars_per_line"):
        cue_lines("text", 0)


# --- splitting into cues ----------------------------------------------------------------------------


@pytest.mark.parametrize("max_chars, max_lines", [(42, 2), (20, 1), (12, 3), (5, 2)])
def test_caption_cues_keep_every_word_fit_the_limits_and_tile_the_time(max_chars, max_lines):
    cues = caption_cues(LONG_CAPTION, 1.25, 9.5, max_chars_per_line=max_chars, max_lines=max_lines)

    assert len(cues) > 1
    assert letters("".join(cue.text for cue in cues)) == letters(LONG_CAPTION)
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= max_lines
        assert all(0 < len(line) <= max_chars for line in lines)
    assert cues[0].start == 1.25 and cues[-1].end == 9.5
    assert all(before.end == after.start for before, after in zip(cues, cues[1:]))


def test_caption_cues_keep_whole_words_in_order():
    text = "one two three four five six seven eight nine ten eleven twelve"
    cues = caption_cues(text, 0.0, 6.0, max_chars_per_line=14, max_lines=1)
    assert " ".join(cue.text for cue in cues).split() == text.split()


def test_caption_cue_time_follows_character_count():
    # Two one-line cues: 10 letters then 30 letters share 4 s as 1 s and 3 s.
    cues = caption_cues("aaaaaaaaaa " + "b" * 30, 0.0, 4.0, max_chars_per_line=30, max_lines=1)
    assert [cue.text for cue in cues] == ["aaaaaaaaaa", "b" * 30]
    assert cues[0].end == pytest.approx(1.0)


def test_short_caption_is_one_cue_and_blank_caption_none():
    assert caption_cues("Only $12", 0.5, 2.0) == [Cue(0.5, 2.0, "Only $12")]
    assert caption_cues("  ", 0.0, 1.0) == []


@pytest.mark.parametrize("start, end", [(1.0, 1.0), (-1.0, 2.0), (3.0, 2.0)])
def test_caption_cues_refuse_bad_span(start, end):
    with pytest.raises(ValueError):
        caption_cues("text", start, end)


# --- SRT and WebVTT ---------------------------------------------------------------------------------


def sample_cues() -> list[Cue]:
    cues = caption_cues(LONG_CAPTION, 0.0, 7.2, max_chars_per_line=32)
    return cues + [
        Cue(7.2, 8.0, "Café crème — 5 € & <free> refills"),
        Cue(8.0, 3661.0101, "日本語のキャプション\nsecond line"),
    ]


def test_srt_layout():
    text = srt_text([Cue(1.0, 2.5, "Hello"), Cue(0.0, 1.0, "First\nline two")])
    assert text == ("1\n00:00:00,000 --> 00:00:01,000\nFirst\nline two\n\n2\n00:00:01,000 --> 00:00:02,500\nHello\n")


def test_webvtt_layout():
    text = webvtt_text([Cue(0.0004, 61.2346, "Hi")])
    assert text == "WEBVTT\n\n00:00:00.000 --> 00:01:01.235\nHi\n"


def test_srt_reads_back_with_webvtt_py(tmp_path):
    cues = sample_cues()
    path = tmp_path / "captions.srt"
    path.write_text(srt_text(reversed(cues)), encoding="utf-8")  # given out of order: written sorted

    parsed = webvtt.from_srt(str(path)).captions

    assert [caption.raw_text for caption in parsed] == [cue.text for cue in cues]
    assert [caption_ms(c.start_time) for c in parsed] == [round(cue.start * 1000) for cue in cues]
    assert [caption_ms(c.end_time) for c in parsed] == [round(cue.end * 1000) for cue in cues]


def test_webvtt_reads_back_with_webvtt_py(tmp_path):
    cues = sample_cues()
    path = tmp_path / "captions.vtt"
    path.write_text(webvtt_text(cues), encoding="utf-8")

    for parsed in (webvtt.read(str(path)), webvtt.from_buffer(io.StringIO(webvtt_text(cues)))):
        captions = parsed.captions
        # webvtt-py leaves entities as written; markup-significant characters arrive escaped.
        assert [html.unescape(caption.raw_text) for caption in captions] == [cue.text for cue in cues]
        assert [caption_ms(c.start_time) for c in captions] == [round(cue.start * 1000) for cue in cues]
        assert [caption_ms(c.end_time) for c in captions] == [round(cue.end * 1000) for cue in cues]
    assert "&lt;free&gt;" in path.read_text(encoding="utf-8")


def test_blank_lines_inside_a_cue_cannot_end_it_early():
    cue = Cue(0.0, 1.0, "first\n\n  \nsecond")
    assert webvtt.from_string(webvtt_text([cue])).captions[0].raw_text == "first\nsecond"


@pytest.mark.parametrize("write", [srt_text, webvtt_text])
def test_overlapping_cues_are_refused(write):
    with pytest.raises(ValueError, match="overlap"):
        write([Cue(0.0, 2.0, "a"), Cue(1.5, 3.0, "b")])


@pytest.mark.parametrize("write", [srt_text, webvtt_text])
def test_touching_cues_are_fine(write):
    write([Cue(0.0, 1.0, "a"), Cue(1.0, 2.0, "b")])


def test_no_cues():
    assert srt_text([]) == ""
    assert webvtt.from_string(webvtt_text([])).captions == []


def test_wide_characters_take_two_columns_so_a_japanese_line_fits_the_screen():
    from generation.assembly.captions import display_width

    assert display_width("Bag") == 3 and display_width("鞄バッグ") == 8 and display_width("ＡＢ") == 4
    lines = cue_lines("真" * 30, 42)
    assert lines == ["真" * 21, "真" * 9]  # 21 kanji is 42 columns; nothing lost
    title = (
        "No.10037 クロールバリエ 2WAY ショルダーバッグ 本革 レザー 斜めがけ 大容量 通勤 通学 プレゼント ギフト 送料無料"
    )
    assert all(display_width(line) <= 42 for line in cue_lines(title, 42))
    assert "".join(cue_lines(title, 42)).replace(" ", "") == title.replace(" ", "")
