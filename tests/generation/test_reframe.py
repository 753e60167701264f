"""Reframing a shot to another shape: finding the product, choosing the ffmpeg filter, and the filter's real
output through ffmpeg (tiny clips: CI has 2 cores)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from generation.assembly.clipio import write_clip
from generation.assembly.frame_sources import ShotFrames
from generation.assembly.reframe import SUBJECT_MARGIN, Subject, reframe_filter, subject_find
from generation.assembly.timeline import ShotClip, safe_area

BACKDROP = (200, 200, 200)
PRODUCT = (220, 30, 30)
FPS = 10


def frame_with_box(width: int, height: int, box: tuple[int, int, int, int], colour=PRODUCT) -> np.ndarray:
    frame = np.empty((height, width, 3), np.uint8)
    frame[...] = BACKDROP
    left, top, right, bottom = box
    frame[top:bottom, left:right] = colour
    return frame


def product_box(frame: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels that read as the product's red; None when there are none."""
    pixels = frame.astype(int)
    mask = (pixels[..., 0] > 150) & (pixels[..., 1] < 110) & (pixels[..., 2] < 110)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


# --- subject_find ------------------------------------------------------------------------------------


def test_subject_find_locates_a_box_exactly_on_a_small_frame():
    frame = frame_with_box(96, 170, (30, 60, 62, 100))
    assert subject_find(frame) == Subject(30, 60, 62, 100)


def test_subject_find_locates_a_box_within_a_few_pixels_on_a_large_frame():
    # 1280x720 is looked at through a thumbnail (every 3rd pixel): the box is found to within that step.
    frame = frame_with_box(1280, 720, (700, 200, 1001, 451), colour=(20, 60, 200))
    found = subject_find(frame)
    for got, want in zip((found.left, found.top, found.right, found.bottom), (700, 200, 1001, 451)):
        assert abs(got - want) <= 3, f"{found} is not (700, 200, 1001, 451)"


def test_subject_find_ignores_specks():
    frame = frame_with_box(200, 120, (120, 30, 180, 90))
    frame[5, 5] = PRODUCT  # one stray pixel in the corner
    frame[110, 10] = (0, 0, 0)
    assert subject_find(frame) == Subject(120, 30, 180, 90)


@pytest.mark.parametrize("colour", [BACKDROP, (0, 0, 0)])
def test_subject_find_on_an_empty_frame_gives_the_whole_frame(colour):
    frame = np.empty((114, 64, 3), np.uint8)
    frame[...] = colour
    assert subject_find(frame) == Subject(0, 0, 64, 114)


def test_subject_find_ignores_faint_shading_of_the_backdrop():
    frame = frame_with_box(160, 90, (0, 0, 0, 0))
    frame[:, 80:] = (215, 215, 215)  # below SUBJECT_THRESHOLD: backdrop, not product
    assert subject_find(frame) == Subject(0, 0, 160, 90)


# --- reframe_filter: which filter ---------------------------------------------------------------------


def test_same_size_needs_no_filter():
    assert reframe_filter((96, 170), (96, 170), Subject(0, 0, 96, 170)) == "null"


@pytest.mark.parametrize(
    ("source", "target"), [((192, 340), (96, 170)), ((64, 114), (96, 170)), ((1920, 1080), (228, 128))]
)
def test_same_shape_is_a_plain_scale(source, target):
    assert reframe_filter(source, target, Subject(0, 0, *source)) == f"scale={target[0]}:{target[1]}:flags=bicubic"


def parse_crop(chain: str) -> tuple[int, int, int, int]:
    match = re.fullmatch(r"crop=(\d+):(\d+):(\d+):(\d+),scale=(\d+):(\d+):flags=bicubic", chain)
    assert match, f"expected a crop then a scale, got {chain!r}"
    w, h, x, y = (int(value) for value in match.groups()[:4])
    return x, y, w, h


def test_product_that_fits_is_cropped_around_centred():
    # 16:9 master, 9:16 rendition: the crop is full-height and as wide as the target's shape allows.
    source, target = (456, 256), (128, 228)
    subject = Subject(300, 100, 360, 160)
    x, y, w, h = parse_crop(reframe_filter(source, target, subject))
    assert h == 256 and w == pytest.approx(256 * 128 / 228, abs=2) and w % 2 == 0
    assert (x + w / 2) == pytest.approx((300 + 360) / 2, abs=1), "the crop should be centred on the product"
    assert x <= 300 - w * SUBJECT_MARGIN and x + w >= 360 + w * SUBJECT_MARGIN


def test_crop_is_kept_inside_the_source_when_the_product_is_near_an_edge():
    source, target = (456, 256), (128, 228)
    x, y, w, h = parse_crop(reframe_filter(source, target, Subject(420, 100, 450, 160)))
    assert x + w == 456 and y == 0
    x, y, w, h = parse_crop(reframe_filter(source, target, Subject(2, 100, 30, 160)))
    assert x == 0


def test_tall_master_to_wide_rendition_crops_vertically():
    source, target = (256, 456), (228, 128)
    x, y, w, h = parse_crop(reframe_filter(source, target, Subject(100, 40, 160, 100)))
    assert w == 256 and x == 0
    assert (y + h / 2) == pytest.approx(70, abs=1) or y == 0  # centred, unless that would leave the frame


def test_a_product_that_is_the_whole_picture_is_contained_over_blur():
    chain = reframe_filter((456, 256), (128, 228), Subject(0, 0, 456, 256))
    assert chain.startswith("split[picture][backdrop];")
    assert "boxblur" in chain and "crop=" in chain  # the backdrop is cropped to fill, the picture is not
    assert "[picture]scale=128:72:" in chain, "the whole picture, scaled to the target's width, aspect kept"
    assert chain.endswith("overlay=x=0:y=78")


def test_a_product_too_wide_for_a_crop_fills_the_safe_area_over_blur():
    """Product first: the picture is scaled until the 350 px product spans the 9:16 safe area's width (not the
    whole 456 px picture the frame's), cropped to the frame around it, and placed so it sits in the safe area."""
    subject = Subject(50, 100, 400, 160)
    chain = reframe_filter((456, 256), (128, 228), subject)
    match = re.search(
        r"\[picture\]crop=(\d+):(\d+):(\d+):(\d+),scale=(\d+):(\d+):flags=bicubic\[inner\];"
        r"\[blurred\]\[inner\]overlay=x=(\d+):y=(\d+)$",
        chain,
    )
    assert match and "boxblur" in chain, chain
    crop_w, crop_h, x, y, inner_w, inner_h, at_x, at_y = (int(value) for value in match.groups())
    k = inner_w / crop_w
    assert inner_h / crop_h == pytest.approx(k, rel=0.03), "aspect kept"
    left, right = at_x + (subject.left - x) * k, at_x + (subject.right - x) * k
    top, bottom = at_y + (subject.top - y) * k, at_y + (subject.bottom - y) * k
    safe = safe_area(128, 228)
    assert safe.left - 1 <= left and right <= safe.right + 1 and safe.top <= top and bottom <= safe.bottom
    assert right - left >= 0.97 * safe.width, "the product fills the safe area's width"
    assert right - left > 350 * 128 / 456, "larger than in the whole picture contained"


# --- the filters through real ffmpeg --------------------------------------------------------------------


def decode_first(tmp_path, frame: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    path = tmp_path / "shot.mp4"
    write_clip(np.stack([frame] * 3), FPS, path)
    frames = ShotFrames(ShotClip(str(path)), target, FPS)
    try:
        out = frames.frame(0).copy()
        assert out.shape == (target[1], target[0], 3)
        return out
    finally:
        frames.close()


def assert_aspect_kept(box, source_box, tolerance=0.05):
    left, top, right, bottom = box
    s_left, s_top, s_right, s_bottom = source_box
    got, want = (right - left) / (bottom - top), (s_right - s_left) / (s_bottom - s_top)
    assert got == pytest.approx(want, rel=tolerance), f"product box {box} is stretched: aspect {got:.3f} not {want:.3f}"


def test_ffmpeg_crop_keeps_the_product_whole_and_centred(tmp_path):
    source_box = (300, 100, 360, 160)  # a 60x60 square, right of centre in a 16:9 master
    frame = frame_with_box(456, 256, source_box)
    target = (128, 228)
    out = decode_first(tmp_path, frame, target)
    box = product_box(out)
    assert box is not None, "the product was cropped out"
    left, top, right, bottom = box
    assert 0 < left and right < 128 and 0 < top and bottom < 228, f"the product {box} touches the frame edge"
    assert (left + right) / 2 == pytest.approx(64, abs=3), "the product should sit in the middle of the crop"
    assert (top + bottom) / 2 == pytest.approx(130 * 228 / 256, abs=3)
    assert_aspect_kept(box, source_box)
    # it is the product's colour at its middle and backdrop at the sides
    assert np.abs(out[(top + bottom) // 2, (left + right) // 2].astype(int) - PRODUCT).max() < 30
    assert np.abs(out[10, 5].astype(int) - BACKDROP).max() < 30


def test_ffmpeg_a_wide_product_fills_the_safe_area_over_a_blurred_backdrop(tmp_path):
    source_box = (78, 53, 378, 203)  # 300x150: wider than any 9:16 crop of the 456x256 master
    frame = frame_with_box(456, 256, source_box)
    target = (128, 228)
    assert reframe_filter((456, 256), target, subject_find(frame)).startswith("split")
    out = decode_first(tmp_path, frame, target)
    box = product_box(out)
    assert box is not None
    left, top, right, bottom = box
    safe = safe_area(*target)
    # Product first: as wide as the safe area (it was the whole picture's 300 * 128 / 456 = 84 px), whole, in it.
    assert right - left == pytest.approx(safe.width, abs=3), "the product should span the safe area's width"
    assert safe.left - 2 <= left and right <= safe.right + 2 and safe.top <= top and bottom <= safe.bottom
    assert_aspect_kept(box, source_box)
    # above and below the picture: the dimmed, blurred copy (grey at about half), not black bars
    band = out[2 : top - 12].astype(int)
    assert 40 < band.mean() < 160, f"backdrop mean {band.mean():.0f}: expected the dimmed picture, not black"
    assert np.abs(np.diff(band, axis=1)).mean() < 4, "the backdrop should be blurred smooth"


def test_ffmpeg_same_shape_scale_keeps_the_product_in_proportion(tmp_path):
    source_box = (60, 100, 132, 244)  # 72x144 in a 192x340 master, drawn at 96x170
    frame = frame_with_box(192, 340, source_box)
    out = decode_first(tmp_path, frame, (96, 170))
    box = product_box(out)
    assert box is not None
    for got, want in zip(box, (30, 50, 66, 122)):
        assert abs(got - want) <= 2, f"{box} is not the master's box halved"
    assert_aspect_kept(box, source_box)


def test_ffmpeg_same_size_passes_frames_through(tmp_path):
    source_box = (20, 40, 60, 100)
    frame = frame_with_box(96, 170, source_box)
    out = decode_first(tmp_path, frame, (96, 170))
    box = product_box(out)
    assert box is not None and all(abs(g - w) <= 1 for g, w in zip(box, source_box))


def test_a_tiny_target_still_decodes_over_its_blurred_backdrop(tmp_path):
    # A presenter's split-screen host box at 1:1 128 px is 128x64: the backdrop is small enough that ffmpeg's
    # boxblur refused its radius and the shot decoded to nothing.
    frame = frame_with_box(128, 114, (20, 10, 108, 104))
    assert reframe_filter((128, 114), (128, 64), subject_find(frame)).startswith("split")
    out = decode_first(tmp_path, frame, (128, 64))
    assert out.shape == (64, 128, 3)
