"""A rendition's quality report: is it a video a merchant would post? Measured from its Timeline (what each
segment shows, where each text sits) and its encoded file (loudness), and checked against the thresholds feeds
ask for (docs/templates.md, "Quality report"). Stored in Rendition.quality, returned by the API, shown in the
dashboard; the preset tests assert every check passes.

Unknown is never a pass: a shot whose product box nobody measured, or a loudness that could not be measured,
fails its check with the value None."""

from __future__ import annotations

import math
from pathlib import Path

from generation.assembly import cards, overlays
from generation.assembly.timeline import CARD_TYPES, Box, CallToAction, PresenterClip, ShotClip, Timeline, safe_area

# The thresholds (issue 15): the product big and first, cards a minority, text a phone can read, feed loudness.
MIN_PRODUCT_HEIGHT = 0.50  # of a 9:16 frame's height, in the shot where the product is smallest ...
MIN_PRODUCT_WIDTH = 0.80  # ... or of its width, for a product wider than tall (other shapes: reported, not checked)
MAX_CARDS_SHARE = 0.30
MAX_TIME_TO_PRODUCT = 0.5  # seconds
MIN_TEXT_HEIGHT = 0.035  # of the frame height
MIN_CTA_HEIGHT = 0.05
TARGET_LUFS, LUFS_TOLERANCE = -14.0, 1.0
MAX_TRUE_PEAK = -1.0  # dBTP
EDGE_TOLERANCE = 0.005  # a product box this close to an edge of the frame or the safe area is cut by it
PRODUCT_LAYOUTS = ("split", "pip")  # presenter layouts that show the product photo beside the host


def quality_report(timeline: Timeline, video_path: str | Path | None) -> dict:
    """The measurements and, under "checks", whether each meets its threshold (true/false)."""
    coverage = _product_coverage(timeline)
    boxes = _text_boxes(timeline)
    heights = _text_heights(boxes, timeline.height)
    loudness = _loudness(video_path)
    smallest = min((height for height, _ in heights), default=None)
    cta = [height for height, is_cta in heights if is_cta]
    report = {
        "product_coverage": coverage,
        "cards_share": round(_cards_share(timeline), 4),
        "time_to_first_product": _time_to_first_product(timeline),
        "smallest_text_height": round(smallest, 4) if smallest is not None else None,
        "cta_text_height": round(max(cta), 4) if cta else None,
        "texts_outside_safe_zone": _texts_outside_safe_zone(boxes, timeline),
        "integrated_lufs": loudness[0],
        "true_peak_dbtp": loudness[1],
    }
    report["checks"] = _checks(report)
    return report


def _checks(report: dict) -> dict[str, bool]:
    coverage = report["product_coverage"]
    first, lufs, peak = report["time_to_first_product"], report["integrated_lufs"], report["true_peak_dbtp"]
    return {
        # Product shots only (a presenter-only video has none to measure; time_to_first_product still needs the
        # product on screen).
        "product_coverage": coverage["large_enough"],
        "product_uncropped": coverage["uncropped"],
        "cards_share": report["cards_share"] <= MAX_CARDS_SHARE,
        "time_to_first_product": first is not None and first <= MAX_TIME_TO_PRODUCT,
        # No text at all (a card-less bumper without captions) has nothing to be too small.
        "smallest_text_height": report["smallest_text_height"] is None
        or report["smallest_text_height"] >= MIN_TEXT_HEIGHT,
        "cta_text_height": report["cta_text_height"] is None or report["cta_text_height"] >= MIN_CTA_HEIGHT,
        "texts_outside_safe_zone": report["texts_outside_safe_zone"] == 0,
        "integrated_lufs": lufs is not None and abs(lufs - TARGET_LUFS) <= LUFS_TOLERANCE,
        "true_peak_dbtp": peak is not None and peak <= MAX_TRUE_PEAK,
    }


# --- the product ------------------------------------------------------------------------------------------------


def _product_coverage(timeline: Timeline) -> dict:
    """Over the product shots, the smallest product box's height and width (fractions of the frame), whether every
    shot's box is large enough (in 9:16, the feeds' shape the issue sets a size for: tall enough, or wide enough for
    a wide product), and whether none touches an edge of the frame or of the safe area. A shot without a measured
    box counts as failing both, in every shape."""
    tall = timeline.height / timeline.width > 1.5
    frame = safe_area(timeline.width, timeline.height)
    safe = (
        frame.left / timeline.width,
        frame.top / timeline.height,
        frame.right / timeline.width,
        frame.bottom / timeline.height,
    )
    boxes = [
        getattr(segment.content, "product_box", None)
        for segment in timeline.segments
        if isinstance(segment.content, ShotClip)
    ]
    known = [box for box in boxes if box is not None]
    heights = [bottom - top for _, top, _, bottom in known]
    widths = [right - left for left, _, right, _ in known]
    large = all(
        box is not None and (not tall or box[3] - box[1] >= MIN_PRODUCT_HEIGHT or box[2] - box[0] >= MIN_PRODUCT_WIDTH)
        for box in boxes
    )
    uncropped = all(box is not None and _inside(box, safe) for box in boxes)
    return {
        "shots": len(boxes),
        "measured": len(known),
        "height": round(min(heights), 4) if heights else None,
        "width": round(min(widths), 4) if widths else None,
        "large_enough": large,
        "uncropped": uncropped,
    }


def _inside(box: tuple[float, float, float, float], safe: tuple[float, float, float, float]) -> bool:
    """Clear of the frame's edges and within the safe area: the product is cut by neither."""
    left, top, right, bottom = box
    if left <= EDGE_TOLERANCE or top <= EDGE_TOLERANCE or right >= 1 - EDGE_TOLERANCE or bottom >= 1 - EDGE_TOLERANCE:
        return False
    return (
        left >= safe[0] - EDGE_TOLERANCE
        and top >= safe[1] - EDGE_TOLERANCE
        and right <= safe[2] + EDGE_TOLERANCE
        and bottom <= safe[3] + EDGE_TOLERANCE
    )


def _shows_product(content) -> bool:
    return isinstance(content, ShotClip) or (
        isinstance(content, PresenterClip) and content.layout in PRODUCT_LAYOUTS and content.photo is not None
    )


def _time_to_first_product(timeline: Timeline) -> float | None:
    """When the first segment showing the product is on screen: its start, or halfway through its entrance (a
    crossfade or slide shows it only partly before that). None when no segment shows it."""
    for start, segment in zip(timeline.starts(), timeline.segments):
        if _shows_product(segment.content):
            return round(start + segment.transition.duration / 2, 4)
    return None


def _cards_share(timeline: Timeline) -> float:
    """The share of the running time on cards. Each segment owns the time from halfway through its entrance to
    halfway through the next one's, so overlapping transitions are counted once."""
    starts = timeline.starts()
    segments = timeline.segments
    total = timeline.duration
    on_cards = 0.0
    for index, segment in enumerate(segments):
        begin = starts[index] + segment.transition.duration / 2
        end = (starts[index + 1] + segments[index + 1].transition.duration / 2) if index + 1 < len(segments) else total
        if isinstance(segment.content, CARD_TYPES):
            on_cards += end - begin
    return on_cards / total if total else 0.0


# --- the text ---------------------------------------------------------------------------------------------------


def _text_layers(timeline: Timeline):
    """(layer, is the call to action) for every text the rendition draws: cards, the presenter's product card,
    discount badges and burned-in captions."""
    from generation.assembly.presenter_frames import card_region_clear_of_captions, product_card_layer

    size, style = (timeline.width, timeline.height), timeline.style
    badges = set()
    for segment in timeline.segments:
        content = segment.content
        if isinstance(content, CARD_TYPES):
            yield cards.card_layer(content, size, style), isinstance(content, CallToAction)
        elif isinstance(content, PresenterClip):
            region = card_region_clear_of_captions(content.layout, size, style)
            yield product_card_layer(content.card, size, style, region), False
        if segment.badge and segment.badge not in badges:  # the same badge over every shot: draw it once
            badges.add(segment.badge)
            yield overlays.badge_layer(segment.badge, size, style), False
    if timeline.burn_in_captions:
        for text in dict.fromkeys(cue.text for cue in timeline.captions):
            yield overlays.caption_layer(text, size, style), False


def _text_boxes(timeline: Timeline) -> list[tuple[Box, bool]]:
    # Layers that do not report their text (text_boxes missing or empty) are not measured.
    return [(box, is_cta) for layer, is_cta in _text_layers(timeline) for box in getattr(layer, "text_boxes", ())]


def _text_heights(boxes: list[tuple[Box, bool]], frame_height: int) -> list[tuple[float, bool]]:
    """Each line of text's height as a fraction of the frame height; for a call-to-action card, its tallest line
    (the call itself, not the URL under it) marks the card."""
    heights = [(box.height / frame_height, False) for box, _ in boxes]
    cta = [box.height / frame_height for box, is_cta in boxes if is_cta]
    return heights + ([(max(cta), True)] if cta else [])


def _texts_outside_safe_zone(boxes: list[tuple[Box, bool]], timeline: Timeline) -> int:
    safe = safe_area(timeline.width, timeline.height)
    return sum(
        1
        for box, _ in boxes
        if box.left < safe.left or box.top < safe.top or box.right > safe.right or box.bottom > safe.bottom
    )


# --- the sound --------------------------------------------------------------------------------------------------


def _loudness(video_path: str | Path | None) -> tuple[float | None, float | None]:
    """(integrated LUFS, true peak dBTP) of the encoded file, rounded to 0.1; (None, None) when it cannot be
    measured (no file, or no loudness meter in this build)."""
    if video_path is None:
        return None, None
    try:
        from generation.assembly.loudness import loudness_measure
    except ImportError:
        return None, None
    measured = loudness_measure(video_path)
    # A silent track measures -inf dBTP: JSON cannot hold it (the column refuses NaN/inf), and unknown never passes.
    return _finite(measured.integrated_lufs), _finite(measured.true_peak_dbtp)


def _finite(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None
