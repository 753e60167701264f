"""Fitting a shot to a rendition of another shape without stretching it or cropping the product out.

The product is found on the shot's first frame (it differs from the backdrop, which the frame's border shows),
then: same shape -> a plain scale; the product fits inside a crop of the target's shape -> crop around it (a
vertical 9:16 from a 16:9 master keeps the product, not the empty table beside it); otherwise (a product too wide
for such a crop) -> product first: the picture scaled until the product fills the target's safe area (never
smaller than the whole picture contained), cropped to the target around the product and placed so the product
sits in the safe area, over a blurred, dimmed copy of the picture (no black bars). A product that is the whole
picture gives the whole picture contained. The result is an ffmpeg filter, so the decoder
process does the per-frame work in C and Python only ever sees frames at the final size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .timeline import safe_area

# A shot whose aspect ratio is within this relative difference of the rendition's is simply scaled.
ASPECT_TOLERANCE = 0.01
# Room kept around the product inside a crop, as a fraction of the crop.
SUBJECT_MARGIN = 0.04
# How far a pixel's colour must sit from the backdrop's to count as product (0-255, per channel max).
SUBJECT_THRESHOLD = 40
BACKDROP_SHRINK = 16  # the blurred backdrop is drawn this many times smaller, then scaled up


@dataclass(frozen=True)
class Subject:
    """The product's bounding box in a frame, in pixels."""

    left: int
    top: int
    right: int
    bottom: int


def subject_find(frame: np.ndarray) -> Subject:
    """Where the product is: pixels unlike the border's median colour (the backdrop), ignoring specks.
    An empty or all-product frame gives the whole frame (so the caller contains rather than crops)."""
    height, width, _ = frame.shape
    step = max(1, min(width, height) // 240)  # a ~240 px thumbnail is plenty to find a box
    small = frame[::step, ::step].astype(np.int16)
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    backdrop = np.median(border, axis=0)
    mask = np.abs(small - backdrop).max(axis=2) > SUBJECT_THRESHOLD
    rows, cols = _dense(mask.any(axis=1), mask.sum(axis=1)), _dense(mask.any(axis=0), mask.sum(axis=0))
    if rows is None or cols is None:
        return Subject(0, 0, width, height)
    return Subject(cols[0] * step, rows[0] * step, min(width, (cols[1] + 1) * step), min(height, (rows[1] + 1) * step))


def _dense(present: np.ndarray, counts: np.ndarray) -> tuple[int, int] | None:
    # Lines with only a few product pixels are noise (compression, a stray reflection): need 2% of the peak.
    strong = np.flatnonzero(present & (counts >= max(1, counts.max() * 0.02)))
    return (int(strong[0]), int(strong[-1])) if strong.size else None


def reframe_filter(source_size: tuple[int, int], target_size: tuple[int, int], subject: Subject) -> str:
    """The ffmpeg -vf / -filter_complex chain that turns source frames into target_size frames."""
    (src_w, src_h), (dst_w, dst_h) = source_size, target_size
    scale = f"scale={dst_w}:{dst_h}:flags=bicubic"
    if source_size == target_size:
        return "null"
    if abs((src_w / src_h) / (dst_w / dst_h) - 1) <= ASPECT_TOLERANCE:
        return scale
    crop = _crop_around(source_size, target_size, subject)
    if crop is not None:
        x, y, w, h = crop
        return f"crop={w}:{h}:{x}:{y},{scale}"
    return _contain_over_blur(source_size, target_size, subject)


def _crop_around(source_size, target_size, subject: Subject) -> tuple[int, int, int, int] | None:
    """The largest crop of the target's shape that holds the product with a margin, centred on it; None if the
    product does not fit in one."""
    (src_w, src_h), (dst_w, dst_h) = source_size, target_size
    target_ratio = dst_w / dst_h
    crop_w, crop_h = (src_w, src_w / target_ratio) if src_w / src_h < target_ratio else (src_h * target_ratio, src_h)
    crop_w, crop_h = int(crop_w) // 2 * 2, int(crop_h) // 2 * 2
    margin_w, margin_h = crop_w * SUBJECT_MARGIN, crop_h * SUBJECT_MARGIN
    if (subject.right - subject.left) + 2 * margin_w > crop_w or (subject.bottom - subject.top) + 2 * margin_h > crop_h:
        return None
    centre_x, centre_y = (subject.left + subject.right) / 2, (subject.top + subject.bottom) / 2
    x = int(min(max(centre_x - crop_w / 2, 0), src_w - crop_w))
    y = int(min(max(centre_y - crop_h / 2, 0), src_h - crop_h))
    return x, y, crop_w, crop_h


def _contain_over_blur(source_size, target_size, subject: Subject | None = None) -> str:
    (src_w, src_h), (dst_w, dst_h) = source_size, target_size
    scale = min(dst_w / src_w, dst_h / src_h)  # the whole picture contained
    x, y, crop_w, crop_h = 0.0, 0.0, float(src_w), float(src_h)
    safe = safe_area(dst_w, dst_h)
    safe_x, safe_y = (safe.left + safe.right) / 2, (safe.top + safe.bottom) / 2
    place = None
    if subject is not None:
        sub_w, sub_h = max(1, subject.right - subject.left), max(1, subject.bottom - subject.top)
        product_scale = min(safe.width / sub_w, safe.height / sub_h)
        if product_scale > scale * 1.02:  # the product can be larger than the whole picture lets it be
            scale = product_scale
            crop_w, crop_h = min(src_w, dst_w / scale), min(src_h, dst_h / scale)
            centre_x, centre_y = (subject.left + subject.right) / 2, (subject.top + subject.bottom) / 2
            # The crop puts the product's centre on the safe area's centre, as far as the picture reaches.
            x = min(max(centre_x - safe_x / scale, 0.0), src_w - crop_w)
            y = min(max(centre_y - safe_y / scale, 0.0), src_h - crop_h)
            place = (safe_x - (centre_x - x) * scale, safe_y - (centre_y - y) * scale)
    inner_w = max(2, min(dst_w, round(crop_w * scale / 2) * 2))
    inner_h = max(2, min(dst_h, round(crop_h * scale / 2) * 2))
    if place is None:
        at_x, at_y = (dst_w - inner_w) // 2, (dst_h - inner_h) // 2
    else:
        at_x = int(min(max(round(place[0]), 0), dst_w - inner_w))
        at_y = int(min(max(round(place[1]), 0), dst_h - inner_h))
    crop = "" if place is None else f"crop={int(crop_w)}:{int(crop_h)}:{int(x)}:{int(y)},"
    # At least 16 px: boxblur refuses a radius larger than half the (chroma) plane, which tiny targets hit.
    small_w, small_h = max(16, dst_w // BACKDROP_SHRINK), max(16, dst_h // BACKDROP_SHRINK)
    return (
        f"split[picture][backdrop];"
        f"[backdrop]scale={small_w}:{small_h}:force_original_aspect_ratio=increase,crop={small_w}:{small_h},"
        f"boxblur=2,colorchannelmixer=rr=0.5:gg=0.5:bb=0.5,scale={dst_w}:{dst_h}:flags=bilinear[blurred];"
        f"[picture]{crop}scale={inner_w}:{inner_h}:flags=bicubic[inner];"
        f"[blurred][inner]overlay=x={at_x}:y={at_y}"
    )
