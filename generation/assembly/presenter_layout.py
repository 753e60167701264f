"""Where a presenter scene puts the host and the product, as pure geometry (shared by the shot planner, which
makes the host clip at its box's size, and the compositor, which places it there)."""

from __future__ import annotations

from .timeline import Box, safe_area

PIP_WIDTH_PORTRAIT = 0.40  # of the frame width, in 9:16
PIP_WIDTH_SQUARE = 0.32  # in 1:1 and 4:5, so the card fits below the window
PIP_WIDTH_LANDSCAPE = 0.26
PIP_ASPECT = 3 / 4  # width / height of the picture-in-picture window
WIDE_CARD_WIDTH = 0.45  # of the frame width: in a wide frame the card keeps to the left, clear of the host


def _even(value: float) -> int:
    return max(16, 2 * round(value / 2))


def host_box(layout: str, width: int, height: int) -> Box:
    """The host's rectangle in the frame; its sides are even (the host clip is encoded at this size)."""
    if layout == "full":
        return Box(0, 0, width, height)
    if layout == "split":
        if height >= width:  # tall or square: host on top, product below
            return Box(0, 0, width, _even(height / 2))
        return Box(0, 0, _even(width / 2), height)
    if layout == "pip":
        safe = safe_area(width, height)
        share = PIP_WIDTH_PORTRAIT if height / width > 1.5 else PIP_WIDTH_SQUARE if height >= width else \
            PIP_WIDTH_LANDSCAPE
        box_width = _even(width * share)
        box_height = _even(box_width / PIP_ASPECT)
        left = safe.right - box_width
        return Box(left, safe.top, left + box_width, safe.top + box_height)
    raise ValueError(f"presenter layout {layout!r} is unknown; use full, split or pip")


def product_box(layout: str, width: int, height: int) -> Box | None:
    """Where the product photo shows: the other half of a split, the whole frame behind a pip, none when full."""
    if layout == "split":
        host = host_box(layout, width, height)
        return Box(0, host.bottom, width, height) if height >= width else Box(host.right, 0, width, height)
    if layout == "pip":
        return Box(0, 0, width, height)
    return None


def card_region(layout: str, width: int, height: int) -> Box:
    """Where the product card sits (at the bottom of this region): the lower safe area in tall frames; in wide ones
    the left part only (the host stands in the middle), inside the product's half of a split, and always clear of
    the picture-in-picture window (below it in 9:16, beside it otherwise)."""
    safe = safe_area(width, height)
    if layout == "pip":  # below the window in a tall frame, to its left otherwise
        window = host_box(layout, width, height)
        if height / width > 1.5:
            return Box(safe.left, window.bottom + round(height * 0.02), safe.right, safe.bottom)
        return Box(safe.left, safe.top, window.left - round(width * 0.02), safe.bottom)
    if width <= height:
        return safe
    if layout == "split":
        host = host_box(layout, width, height)
        return Box(max(safe.left, host.right + (safe.right - host.right) // 12), safe.top, safe.right, safe.bottom)
    return Box(safe.left, safe.top, min(safe.right, safe.left + round(width * WIDE_CARD_WIDTH)), safe.bottom)
