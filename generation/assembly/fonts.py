"""Which font draws a title card: the brand kit's own, else a bundled one that has the title's script."""

from __future__ import annotations

import re
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
LATIN_FONT = FONTS_DIR / "DejaVuSans-Bold.ttf"
CJK_FONT = FONTS_DIR / "ipaexg.ttf"
# Kana, CJK punctuation, ideographs (and their extensions / compatibility forms), half-width katakana.
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def title_font(*texts: str, brand_font: Path | None = None) -> Path:
    if brand_font is not None:
        return brand_font
    return CJK_FONT if any(_CJK.search(text) for text in texts) else LATIN_FONT
