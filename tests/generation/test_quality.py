"""The quality report measures what the thresholds need from a Timeline: the product's box in every shot, the time
on cards, when the product first shows, every text's height and place; unknown never passes."""

import pytest

from generation.assembly import quality
from generation.assembly.quality import quality_report
from generation.assembly.timeline import (
    CallToAction,
    LogoCard,
    PresenterClip,
    PriceCard,
    ProductCard,
    Segment,
    ShotClip,
    Timeline,
    Transition,
)

FADE = Transition("crossfade", 0.5)


def _timeline(*segments, width=270, height=480, **fields) -> Timeline:
    return Timeline(width=width, height=height, fps=30, segments=tuple(segments), **fields)


def _shot(box=(0.1, 0.2, 0.9, 0.75), duration=4.0, transition=None, **fields) -> Segment:
    return Segment(ShotClip("shot.mp4", product_box=box), duration, transition or Transition(), **fields)


def test_time_on_cards_counts_each_transition_once_and_the_product_shows_at_once():
    timeline = _timeline(
        _shot(),
        _shot(transition=FADE),
        Segment(PriceCard(price="$18.00"), 2.0, FADE),
        Segment(CallToAction(text="Shop now"), 2.0, FADE),
    )
    report = quality_report(timeline, None)
    # 4 + 4 + 2 + 2 - 3 x 0.5 = 10.5 s; the cards own 2 - 0.25 - 0.25 and 2 - 0.25 seconds of it.
    assert report["cards_share"] == pytest.approx(3.25 / 10.5, abs=1e-4)
    assert report["time_to_first_product"] == 0.0
    assert report["checks"]["cards_share"] is False and report["checks"]["time_to_first_product"] is True


def test_a_logo_card_first_delays_the_product_past_half_a_second():
    timeline = _timeline(Segment(LogoCard(name="Acme"), 1.5), _shot(transition=FADE))
    report = quality_report(timeline, None)
    assert report["time_to_first_product"] == pytest.approx(1.25)  # 1.5 - 0.5, then halfway through the fade
    assert report["checks"]["time_to_first_product"] is False


def test_the_product_box_must_be_large_in_every_shot_and_never_cut():
    tall, wide = (0.2, 0.15, 0.8, 0.72), (0.07, 0.4, 0.87, 0.6)
    report = quality_report(_timeline(_shot(tall), _shot(wide)), None)
    assert report["product_coverage"] == {
        "shots": 2,
        "measured": 2,
        "height": 0.2,
        "width": 0.6,
        "large_enough": True,
        "uncropped": True,
    }
    small = quality_report(_timeline(_shot(tall), _shot((0.3, 0.3, 0.7, 0.6))), None)
    assert small["checks"]["product_coverage"] is False
    # The size is the feeds' 9:16 rule; other shapes report it, and still need every box measured.
    square = quality_report(_timeline(_shot((0.3, 0.3, 0.7, 0.6)), width=270, height=270), None)
    assert square["product_coverage"]["height"] == 0.3 and square["checks"]["product_coverage"] is True
    unknown = quality_report(_timeline(_shot(None), width=270, height=270), None)
    assert unknown["checks"]["product_coverage"] is False
    # Touching the frame's edge, or reaching under the feed's buttons at the bottom of a 9:16 frame: cut.
    for box in ((0.0, 0.2, 0.9, 0.75), (0.1, 0.2, 0.9, 0.9)):
        assert quality_report(_timeline(_shot(box)), None)["checks"]["product_uncropped"] is False


def test_an_unmeasured_product_box_or_loudness_fails_rather_than_passes():
    report = quality_report(_timeline(_shot(None)), None)
    assert report["product_coverage"]["measured"] == 0 and report["product_coverage"]["height"] is None
    assert not report["checks"]["product_coverage"] and not report["checks"]["product_uncropped"]
    assert (report["integrated_lufs"], report["true_peak_dbtp"]) == (None, None)
    assert not report["checks"]["integrated_lufs"] and not report["checks"]["true_peak_dbtp"]


def test_a_presenter_shows_the_product_only_in_layouts_with_the_photo():
    card = ProductCard(title="Mug", price="$18.00")
    split = Segment(PresenterClip(host="host.mp4", layout="split", card=card, photo="photo.jpg"), 4.0)
    full = Segment(PresenterClip(host="host.mp4", layout="full", card=card), 4.0)
    assert quality.quality_report(_timeline(split), None)["time_to_first_product"] == 0.0
    report = quality.quality_report(_timeline(full), None)
    assert report["time_to_first_product"] is None and not report["checks"]["time_to_first_product"]
    # No product shots: nothing for the product-shot checks to measure, so they do not fail the video.
    assert report["product_coverage"]["shots"] == 0 and report["checks"]["product_coverage"]


def test_texts_are_measured_from_the_layers_text_boxes():
    timeline = _timeline(
        _shot(badge="-25%"), Segment(CallToAction(text="Shop now", url="https://shop.example"), 2.0, FADE)
    )
    report = quality_report(timeline, None)
    assert report["smallest_text_height"] is not None and report["cta_text_height"] >= report["smallest_text_height"]
    assert report["texts_outside_safe_zone"] == 0


def test_loudness_comes_from_the_meter_rounded(monkeypatch, tmp_path):
    from generation.assembly import loudness

    monkeypatch.setattr(
        loudness, "loudness_measure", lambda path: loudness.Loudness(integrated_lufs=-14.04, true_peak_dbtp=-1.26)
    )
    report = quality_report(_timeline(_shot()), tmp_path / "video.mp4")
    assert (report["integrated_lufs"], report["true_peak_dbtp"]) == (-14.0, -1.3)
    assert report["checks"]["integrated_lufs"] and report["checks"]["true_peak_dbtp"]


def test_a_silent_track_stores_as_json_and_fails_the_sound_checks(monkeypatch, tmp_path):
    """A video with no music and no voice measures -inf dBTP; the report must still be valid JSON (the column
    refuses NaN and infinity) and say the sound is unknown rather than pass it."""
    import json

    from generation.assembly import loudness

    monkeypatch.setattr(
        loudness,
        "loudness_measure",
        lambda path: loudness.Loudness(integrated_lufs=-200.0, true_peak_dbtp=float("-inf")),
    )
    report = quality_report(_timeline(_shot()), tmp_path / "video.mp4")
    json.dumps(report, allow_nan=False)
    assert report["true_peak_dbtp"] is None
    assert not report["checks"]["true_peak_dbtp"] and not report["checks"]["integrated_lufs"]
