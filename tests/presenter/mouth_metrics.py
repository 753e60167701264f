"""Measures on talking-head frames that tests reuse: how open the mouth is, how much a region changed.

The measures are robust to the engine's small head motion: a pixel counts as changed only when it differs from
every rest-frame pixel within a few pixels of it (the motion moves content, it does not make new colours).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import cv2
import numpy as np


def box_grow(box: Sequence[int], *, by: float, width: int, height: int) -> tuple[int, int, int, int]:
    """[x, y, w, h] grown by `by` of its size on each side, clipped to the frame; returned as (x0, y0, x1, y1)."""
    x, y, w, h = box
    dx, dy = round(w * by), round(h * by)
    return max(0, x - dx), max(0, y - dy), min(width, x + w + dx), min(height, y + h + dy)


def mouth_box(metadata: dict) -> tuple[int, int, int, int]:
    """The rest mouth in output-frame coordinates as (x0, y0, x1, y1), from the engine's metadata."""
    x, y, w, h = metadata["mouth_box"]
    return x, y, x + w, y + h


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY).astype(np.int16)


def new_dark_fraction(
    *, frames: Iterable[np.ndarray], rest: np.ndarray, box: tuple[int, int, int, int], slack: int = 3, margin: int = 25
) -> np.ndarray:
    """Per frame: the share of the box's pixels darker by `margin` than the darkest rest pixel within `slack`
    pixels of them. An opening mouth shows a dark inside the rest frame lacks; head motion does not."""
    x0, y0, x1, y1 = box
    kernel = np.ones((2 * slack + 1, 2 * slack + 1), np.uint8)
    darkest_near = cv2.erode(_gray(rest).astype(np.uint8), kernel)[y0:y1, x0:x1].astype(np.int16)
    return np.array([float(np.mean(_gray(frame)[y0:y1, x0:x1] < darkest_near - margin)) for frame in frames])


def changed_fraction(
    *, frames: Iterable[np.ndarray], rest: np.ndarray, box: tuple[int, int, int, int], slack: int = 3, margin: int = 25
) -> np.ndarray:
    """Per frame: the share of the box's pixels outside the [min, max] of the rest pixels within `slack` pixels
    by more than `margin`: any real change (darker or lighter), ignoring small motion."""
    x0, y0, x1, y1 = box
    kernel = np.ones((2 * slack + 1, 2 * slack + 1), np.uint8)
    gray = _gray(rest).astype(np.uint8)
    low = cv2.erode(gray, kernel)[y0:y1, x0:x1].astype(np.int16)
    high = cv2.dilate(gray, kernel)[y0:y1, x0:x1].astype(np.int16)
    result = []
    for frame in frames:
        patch = _gray(frame)[y0:y1, x0:x1]
        result.append(float(np.mean((patch < low - margin) | (patch > high + margin))))
    return np.array(result)


def mouth_activity(frames: Iterable[np.ndarray], box: tuple[int, int, int, int], *, rest: np.ndarray) -> np.ndarray:
    """How open the mouth is in each frame: the share of new dark pixels in the mouth box."""
    return new_dark_fraction(frames=frames, rest=rest, box=box)


def outline_gradient(*, image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Mean gradient magnitude across the outline of a box: a pasted rectangle shows up as a high value here."""
    x0, y0, x1, y1 = box
    gray = _gray(image).astype(np.float32)
    gx = np.abs(np.diff(gray, axis=1))
    gy = np.abs(np.diff(gray, axis=0))
    across = [gx[y0:y1, x0 - 1], gx[y0:y1, x1 - 1], gy[y0 - 1, x0:x1], gy[y1 - 1, x0:x1]]
    return float(np.mean(np.concatenate(across)))
