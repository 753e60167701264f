"""Feature bullets from product descriptions as merchants' feeds write them."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from generation.feature_bullets import description_bullets

FEEDS = Path(__file__).resolve().parents[3] / "shared" / "feeds"


def test_html_list_items_are_the_bullets_and_the_prose_around_them_is_left_out():
    description = (
        "<p>Emanating romantic charm, the Pink Aura Ensemble is a coordinated set.</p>"
        "<p><strong>Details:</strong></p><ul>"
        "<li><p><strong>Material:</strong> Gold-plated Zamac &amp; pink stones</p></li>\n"
        "<li>Includes: Necklace,\n earrings&nbsp;and ring</li><li>  </li></ul>"
    )

    assert description_bullets(description) == (
        "Material: Gold-plated Zamac & pink stones",
        "Includes: Necklace, earrings and ring",
    )


def test_html_paragraphs_and_breaks_split_into_lines_and_sentences():
    description = (
        '<p style="text-align: center;">SILVER NOMAD</p>\n<p>A quiet shimmer of movement.<br>'
        "Handcrafted silver charms. They catch the light.</p><script>alert('x')</script><style>p{}</style>"
    )

    assert description_bullets(description) == (
        "SILVER NOMAD",
        "A quiet shimmer of movement.",
        "Handcrafted silver charms.",
        "They catch the light.",
    )


@pytest.mark.parametrize(
    "description",
    [
        "• Soft cotton • Machine washable • Made in Portugal",
        "Features: • Soft cotton · Machine washable ✓ Made in Portugal",
        "- Soft cotton\n- Machine washable\n* Made in Portugal",
        "✓ Soft cotton\n✓ Machine washable\n✓ Made in Portugal",
        "<p>Why it's great:<br>- Soft cotton<br>- Machine washable<br>- Made in Portugal</p>",
    ],
)
def test_bullet_characters_mark_items(description):
    assert description_bullets(description) == ("Soft cotton", "Machine washable", "Made in Portugal")


def test_hyphens_inside_words_are_not_bullets():
    assert description_bullets("A gold-plated, hand-made ring - adjustable.") == (
        "A gold-plated, hand-made ring - adjustable.",
    )


def test_plain_text_splits_at_newlines_then_sentences_keeping_abbreviations_whole():
    description = "Made of oak. Finished by hand in the U.K. by e.g. two carpenters!\nNo.10037 fits 2 sizes? Yes"

    assert description_bullets(description, max_bullets=10) == (
        "Made of oak.",
        "Finished by hand in the U.K. by e.g. two carpenters!",
        "No.10037 fits 2 sizes?",
        "Yes",
    )


def test_japanese_sentences_split_at_full_stops():
    assert description_bullets("大きく口の開くダブルファスナー仕様。丸洗いできます！軽い") == (
        "大きく口の開くダブルファスナー仕様。",
        "丸洗いできます！",
        "軽い",
    )


def test_empty_items_and_duplicates_are_dropped_order_kept():
    description = "<ul><li>Waterproof</li><li></li><li>Light</li><li>waterproof </li><li>-</li><li>Warm</li></ul>"

    assert description_bullets(description) == ("Waterproof", "Light", "Warm")


def test_long_bullets_are_shortened_at_a_word_boundary_with_an_ellipsis():
    bullets = description_bullets(
        "<li>Handcrafted silver charms gather along delicate strands, catching the light</li>", max_chars=40
    )

    assert bullets == ("Handcrafted silver charms gather along…",)
    assert len(bullets[0]) <= 40
    assert description_bullets("ころんと可愛い小ぶりなサイズですがしっかりとしたマチ幅", max_chars=10) == (
        "ころんと可愛い小ぶ…",
    )


def test_at_most_max_bullets():
    description = "\n".join(f"• Feature {n}" for n in range(10))

    assert description_bullets(description) == tuple(f"Feature {n}" for n in range(4))
    assert len(description_bullets(description, max_bullets=7)) == 7


def test_blank_or_tag_only_descriptions_give_no_bullets():
    assert description_bullets("") == ()
    assert description_bullets("  \n ") == ()
    assert description_bullets("<p><br></p><ul><li> </li></ul>") == ()


@pytest.mark.parametrize(("argument", "value"), [("max_bullets", 0), ("max_chars", 1), ("max_bullets", True)])
def test_bad_limits_are_refused(argument, value):
    with pytest.raises(ValueError, match=argument):
        description_bullets("Soft. Warm.", **{argument: value})


def _feed_rows(name: str) -> list[dict[str, str]]:
    path = FEEDS / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the real feeds live in shared/feeds beside the checkout")
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_a_real_shopify_description_gives_its_details_list():
    rows = _feed_rows("shopify_products_export.csv")
    body = next(row["Body (HTML)"] for row in rows if row["Handle"] == "pink-aura-ensemble" and row["Body (HTML)"])

    assert description_bullets(body) == (
        "Material: Gold-plated Zamac with pink stone accents",
        "Includes: Necklace, earrings, and cocktail ring",
        "Design: Coordinated feminine ensemble",
        "Style: Romantic, polished, and refined",
    )


def test_every_real_description_gives_short_clean_bullets():
    rows = _feed_rows("shopify_products_export.csv") + _feed_rows("meta_catalog_feed.csv")
    descriptions = [row.get("Body (HTML)") or row.get("description") or "" for row in rows]
    descriptions = [text for text in descriptions if text.strip()]

    assert len(descriptions) > 100
    for description in descriptions:
        bullets = description_bullets(description)
        assert 1 <= len(bullets) <= 4, description[:200]
        for bullet in bullets:
            assert 0 < len(bullet) <= 60 and bullet == bullet.strip()
            # "<クラリーノ>" is Japanese quoting, not markup: only tags must be gone.
            assert not re.search(r"</?[a-zA-Z]", bullet) and "&amp;" not in bullet and "\n" not in bullet
