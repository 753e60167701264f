"""Captions as plain data: split a caption into timed cues, wrap them, write SRT and WebVTT sidecars.

Pure on purpose (no media, no Pillow): the burned-in caption drawer and the sidecar writers share
one wrap, so what a viewer reads on screen and in the player's subtitle track is the same text.
Line lengths count code points, which is what SRT/WebVTT style guides (42 per line) count too.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_CHARS_PER_LINE = 42  # the usual broadcast/web subtitle line limit
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float  # seconds, exclusive
    text: str  # lines separated by "\n"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError(f"cue times must be finite, got {self.start!r} -> {self.end!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"a cue needs 0 <= start < end, got {self.start!r} -> {self.end!r}")
        if not self.text.strip():
            raise ValueError("a cue needs some text, got only whitespace")


def cue_lines(text: str, max_chars_per_line: int = MAX_CHARS_PER_LINE) -> list[str]:
    """Greedy word wrap of text into lines of at most max_chars_per_line columns, where a wide (CJK, full-width)
    character takes two columns, as on screen: 42 columns is 42 Latin letters or 21 kanji.

    Whitespace (newlines included) only separates words. A word longer than a line is cut into
    line-sized pieces rather than dropped or left to overflow. Blank text gives no lines.
    """
    _check_positive_int("max_chars_per_line", max_chars_per_line)
    lines: list[str] = []
    for piece in _pieces(text, max_chars_per_line):
        if lines and display_width(lines[-1]) + 1 + display_width(piece) <= max_chars_per_line:
            lines[-1] = f"{lines[-1]} {piece}"
        else:
            lines.append(piece)
    return lines


def display_width(text: str) -> int:
    """Columns text takes: two for East Asian wide and full-width characters, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def caption_cues(
    text: str,
    start: float,
    end: float,
    *,
    max_chars_per_line: int = MAX_CHARS_PER_LINE,
    max_lines: int = MAX_LINES,
) -> list[Cue]:
    """Consecutive cues showing text over [start, end), each at most max_lines lines.

    Each cue's share of the time is proportional to its character count (reading time follows the
    letters). Neighbouring cues share their boundary exactly, the first starts at `start` and the
    last ends at `end`. Blank text gives no cues.
    """
    _check_positive_int("max_lines", max_lines)
    if not (math.isfinite(start) and math.isfinite(end)) or not 0 <= start < end:
        raise ValueError(f"caption times need 0 <= start < end, got {start!r} -> {end!r}")
    lines = cue_lines(text, max_chars_per_line)
    texts = ["\n".join(lines[i : i + max_lines]) for i in range(0, len(lines), max_lines)]
    weights = [_letter_count(cue_text) for cue_text in texts]
    total = sum(weights)
    cues, done = [], 0
    boundary = start
    for index, (cue_text, weight) in enumerate(zip(texts, weights)):
        done += weight
        # The last boundary is `end` itself, so float error can never leave a gap at the end.
        next_boundary = end if index == len(texts) - 1 else start + (end - start) * done / total
        cues.append(Cue(boundary, next_boundary, cue_text))
        boundary = next_boundary
    return cues


SENTENCE_END = (".", "!", "?", "。", "！", "？", "…")
SPOKEN_PAUSE = 0.35  # a silence this long between words starts a new cue
MIN_SPOKEN_CUE = 0.6  # a cue that would flash by shorter than this stays up into the silence after it


def spoken_cues(
    words: Iterable[tuple[str, float, float]], *, max_chars_per_line: int = MAX_CHARS_PER_LINE, max_lines: int = 1
) -> list[Cue]:
    """Cues that follow speech: each starts when its first word is heard and ends when its last word ends, so the
    text is on screen while it is said. A cue breaks at a sentence end, at a pause, or when it would outgrow
    max_lines lines. `words` are (text, start, end) in seconds on the video's clock, in order."""
    _check_positive_int("max_lines", max_lines)
    groups: list[list[tuple[str, float, float]]] = []
    for word in words:
        text, start, end = word
        if not text.strip() or end <= start:
            continue
        current = groups[-1] if groups else None
        if current is not None:
            joined = " ".join(w[0] for w in current) + " " + text
            ends_sentence = current[-1][0].rstrip().endswith(SENTENCE_END)
            paused = start - current[-1][2] >= SPOKEN_PAUSE
            if not ends_sentence and not paused and len(cue_lines(joined, max_chars_per_line)) <= max_lines:
                current.append(word)
                continue
        groups.append([word])
    cues: list[Cue] = []
    for index, group in enumerate(groups):
        start, end = group[0][1], group[-1][2]
        following = groups[index + 1][0][1] if index + 1 < len(groups) else math.inf
        if end - start < MIN_SPOKEN_CUE:
            end = min(start + MIN_SPOKEN_CUE, following)
        lines = cue_lines(" ".join(w[0] for w in group), max_chars_per_line)
        cues.append(Cue(start, end, "\n".join(lines)))
    return cues


def srt_text(cues: Iterable[Cue]) -> str:
    """SubRip: numbered cues from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, a blank line after each."""
    blocks = [
        f"{number}\n{_timestamp(start, ',')} --> {_timestamp(end, ',')}\n{_cue_body(cue.text)}\n"
        for number, (start, end, cue) in enumerate(_timed_in_order(cues), start=1)
    ]
    return "\n".join(blocks)


def webvtt_text(cues: Iterable[Cue]) -> str:
    """WebVTT: the `WEBVTT` header, then `HH:MM:SS.mmm --> HH:MM:SS.mmm` cues, a blank line before each."""
    blocks = ["WEBVTT\n"] + [
        f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}\n{_vtt_escape(_cue_body(cue.text))}\n"
        for start, end, cue in _timed_in_order(cues)
    ]
    return "\n".join(blocks)


# --- helpers ----------------------------------------------------------------------------------------


def _check_positive_int(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _pieces(text: str, size: int) -> list[str]:
    """The words of text, with any word wider than size columns cut into pieces that fit."""
    pieces = []
    for word in text.split():
        piece, width = "", 0
        for character in word:
            columns = display_width(character)
            if piece and width + columns > size:
                pieces.append(piece)
                piece, width = "", 0
            piece, width = piece + character, width + columns
        pieces.append(piece)
    return pieces


def _letter_count(text: str) -> int:
    return sum(not character.isspace() for character in text)


def _timed_in_order(cues: Iterable[Cue]) -> list[tuple[int, int, Cue]]:
    """(start_ms, end_ms, cue) sorted by time; overlaps are refused, judged on the written milliseconds."""
    timed = sorted(((_to_ms(cue.start), _to_ms(cue.end), cue) for cue in cues), key=lambda item: item[:2])
    for (_, previous_end, previous), (next_start, _, following) in zip(timed, timed[1:]):
        if next_start < previous_end:
            raise ValueError(
                f"cues overlap: {previous.text!r} ends at {previous.end:.3f}s "
                f"after {following.text!r} starts at {following.start:.3f}s"
            )
    return timed


def _to_ms(seconds: float) -> int:
    return round(seconds * 1000)


def _timestamp(milliseconds: int, decimal_mark: str) -> str:
    seconds, ms = divmod(milliseconds, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_mark}{ms:03d}"


def _cue_body(text: str) -> str:
    # A blank line ends a cue in both formats, so blank lines inside the text are dropped.
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _vtt_escape(text: str) -> str:
    # WebVTT cue text is markup: a bare < or & starts a tag or entity (and escaping > also defuses "-->").
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
