"""Where a presenter scene puts the host, the product and the product card, as pure geometry (shared by the shot
planner, which makes the host clip at its box's size, and the compositor, which places it there).

The default layout, `pip`, is product-first: the product photo fills the biggest box the frame has left once the
host's window, the product card and the spoken captions have their places, and nothing overlaps:
- tall frames (9:16, 4:5): the product across the whole width at the top; below it the card (left) and the host's
  window (right, inside the safe area), ending just above the captions' band;
- square and wide frames (1:1, 16:9): the product on the left over the whole height above the captions; the host's
  window at the top of a right-hand column inside the safe area, the card under it (the column as wide as the
  window or, in 16:9, a little wider so the card's title has room).
The product box covers at least 40 % of the frame in every aspect ratio (tests/presenter/test_presenter_layout.py);
the photo is fitted whole inside it, never cropped.
"""

from __future__ import annotations

from .timeline import Box, Style, safe_area

PIP_WIDTH = {"9:16": 0.28, "4:5": 0.26, "1:1": 0.30, "16:9": 0.16}  # the host's window, of the frame width
PIP_ASPECT = {"9:16": 3 / 4, "4:5": 3 / 4, "1:1": 1.0, "16:9": 1.0}  # width / height of the window
CARD_COLUMN = {"1:1": 0.30, "16:9": 0.22}  # square and wide: the right-hand column under the window, of the width
PRODUCT_TOP = 0.03  # of the height: the product starts just below the top edge (a phone's status bar)
GAP = 0.02  # of the short side, between the product, the card, the window and the captions
WIDE_CARD_WIDTH = 0.45  # of the frame width: in a wide frame the full-frame host's card keeps to the left


def _even(value: float) -> int:
    return max(16, 2 * round(value / 2))


def _shape(width: int, height: int) -> str:
    ratio = height / width
    return "9:16" if ratio > 1.5 else "4:5" if ratio > 1.05 else "1:1" if ratio > 0.8 else "16:9"


def _gap(width: int, height: int) -> int:
    return max(2, round(min(width, height) * GAP))


def stage_bottom(width: int, height: int) -> int:
    """The lowest row the product, the host's window and the card may use: above the band where spoken captions
    (up to their most lines) are burned in, measured with the bundled font (a brand font's card is clipped again
    by presenter_frames.card_region_clear_of_captions)."""
    from .captions import MAX_LINES
    from .overlays import caption_band_top  # imported here: cards is heavy, and the geometry is otherwise pure

    return caption_band_top((width, height), Style(), lines=MAX_LINES) - _gap(width, height)


def host_box(layout: str, width: int, height: int) -> Box:
    """The host's rectangle in the frame; its sides are even (the host clip is encoded at this size)."""
    if layout == "full":
        return Box(0, 0, width, height)
    if layout == "split":
        if height >= width:  # tall or square: host on top, product below
            return Box(0, 0, width, _even(height / 2))
        return Box(0, 0, _even(width / 2), height)
    if layout == "pip":
        safe, shape = safe_area(width, height), _shape(width, height)
        box_width = _even(width * PIP_WIDTH[shape])
        box_height = _even(box_width / PIP_ASPECT[shape])
        left = safe.right - box_width
        if height > width * 1.05:  # tall: the window's bottom sits on the captions' band
            bottom = stage_bottom(width, height)
            return Box(left, bottom - box_height, safe.right, bottom)
        return Box(left, safe.top, safe.right, safe.top + box_height)  # square, wide: top of the right column
    raise ValueError(f"presenter layout {layout!r} is unknown; use full, split or pip")


def product_box(layout: str, width: int, height: int) -> Box | None:
    """Where the product photo shows (fitted whole): the other half of a split; in a pip, the top of a tall frame
    or the left of a square or wide one, clear of the window, the card and the captions; none when full."""
    if layout == "split":
        host = host_box(layout, width, height)
        return Box(0, host.bottom, width, height) if height >= width else Box(host.right, 0, width, height)
    if layout == "pip":
        window, gap = host_box(layout, width, height), _gap(width, height)
        top = round(height * PRODUCT_TOP)
        if height > width * 1.05:
            return Box(0, top, width, window.top - gap)
        column = card_region(layout, width, height)
        return Box(0, top, min(window.left, column.left) - gap, stage_bottom(width, height))
    return None


def card_region(layout: str, width: int, height: int) -> Box:
    """Where the product card sits (at the bottom of this region): the lower safe area in tall frames; in wide ones
    the left part only (the host stands in the middle), inside the product's half of a split, and in a pip beside
    the window in a tall frame (to its left) or under it in a square or wide one."""
    safe = safe_area(width, height)
    if layout == "pip":
        window, gap = host_box(layout, width, height), _gap(width, height)
        if height > width * 1.05:
            return Box(safe.left, window.top, window.left - gap, window.bottom)
        left = min(window.left, safe.right - round(width * CARD_COLUMN[_shape(width, height)]))
        return Box(left, window.bottom + gap, window.right, safe.bottom)
    if width <= height:
        return safe
    if layout == "split":
        host = host_box(layout, width, height)
        return Box(max(safe.left, host.right + (safe.right - host.right) // 12), safe.top, safe.right, safe.bottom)
    return Box(safe.left, safe.top, min(safe.right, safe.left + round(width * WIDE_CARD_WIDTH)), safe.bottom)
