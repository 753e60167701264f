"""What stands out in a product photo: a saliency map from each pixel's colour distance to the photo's backdrop
(the colours along its border), the box of the salient region, and detail regions (windows over the most salient
parts) for close-up shots.

Product photos put the product in front of a backdrop that reaches the border, so "unlike the border" is a strong,
cheap cue; a mild centre prior breaks ties. Works on a small copy (WORK_SIDE), results are fractions of the photo.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIDE = 256  # longest side of the copy the map is computed on
BORDER_BAND = 0.04  # the band along the border whose colours stand for the backdrop
BACKDROP_CLUSTERS = 4  # colours of the backdrop: a busy table has several
# Fractions are (left, top, right, bottom) of the photo.
Region = tuple[float, float, float, float]


def work_copy(photo: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """The photo (RGB uint8) shrunk so its longest side is at most `side`, area-averaged."""
    height, width = photo.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale >= 1.0:
        return photo
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(photo, size, interpolation=cv2.INTER_AREA)


def border_distance(small: np.ndarray) -> np.ndarray:
    """Per pixel, the Lab distance to the nearest backdrop colour (k-means clusters of the border band), float32."""
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (3, 3), 0), cv2.COLOR_RGB2LAB).astype(np.float32)
    height, width = lab.shape[:2]
    band = max(1, round(min(height, width) * BORDER_BAND))
    border = np.concatenate(
        [
            lab[:band].reshape(-1, 3),
            lab[-band:].reshape(-1, 3),
            lab[:, :band].reshape(-1, 3),
            lab[:, -band:].reshape(-1, 3),
        ]
    )
    clusters = min(BACKDROP_CLUSTERS, len(border))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    cv2.setRNGSeed(0)  # k-means picks random seeds: the same photo always gives the same map
    _, _, centres = cv2.kmeans(border, clusters, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    distances = np.linalg.norm(lab[:, :, None, :] - centres[None, None], axis=3)
    return distances.min(axis=2)


def saliency_map(photo: np.ndarray) -> np.ndarray:
    """A (h, w) float32 map in [0, 1] on the photo's work copy: colour distance to the backdrop, smoothed, with a
    mild centre prior."""
    small = work_copy(photo)
    distance = border_distance(small)
    height, width = distance.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    centre = 1.0 - 0.35 * (((xs / width - 0.5) * 2) ** 2 + ((ys / height - 0.5) * 2) ** 2) / 2
    blur = max(3, (min(height, width) // 40) | 1)
    salient = cv2.GaussianBlur(distance, (blur, blur), 0) * centre
    peak = float(np.percentile(salient, 99.5))
    return np.clip(salient / peak, 0.0, 1.0).astype(np.float32) if peak > 1e-3 else np.zeros_like(salient)


def salient_box(saliency: np.ndarray, *, threshold: float = 0.35) -> Region | None:
    """The box around the salient region (the connected parts holding most of the saliency above `threshold`,
    ignoring specks), as fractions; None when nothing stands out."""
    height, width = saliency.shape
    mask = (saliency >= threshold).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return None
    weights = np.bincount(labels.ravel(), weights=saliency.ravel(), minlength=count)[1:]
    keep = np.flatnonzero(weights >= 0.15 * weights.max()) + 1
    left = stats[keep, cv2.CC_STAT_LEFT].min()
    top = stats[keep, cv2.CC_STAT_TOP].min()
    right = (stats[keep, cv2.CC_STAT_LEFT] + stats[keep, cv2.CC_STAT_WIDTH]).max()
    bottom = (stats[keep, cv2.CC_STAT_TOP] + stats[keep, cv2.CC_STAT_HEIGHT]).max()
    if (right - left) * (bottom - top) < 0.01 * width * height:
        return None
    return left / width, top / height, right / width, bottom / height


def texture_map(photo: np.ndarray) -> np.ndarray:
    """How much detail each part of the photo's work copy has: gradient magnitude, smoothed, in [0, 1]."""
    grey = cv2.cvtColor(work_copy(photo), cv2.COLOR_RGB2GRAY).astype(np.float32)
    magnitude = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    blur = max(5, (min(grey.shape) // 16) | 1)
    smooth = cv2.GaussianBlur(magnitude, (blur, blur), 0)
    peak = float(np.percentile(smooth, 99))
    return np.clip(smooth / peak, 0.0, 1.0) if peak > 1e-3 else np.zeros_like(smooth)


def detail_regions(
    saliency: np.ndarray,
    *,
    size: float,
    aspect: float,
    count: int,
    within: Region = (0.0, 0.0, 1.0, 1.0),
    texture: np.ndarray | None = None,
) -> list[Region]:
    """Up to `count` windows of `size` times the photo's shorter side (width / height = aspect, measured in
    pixels), inside `within`, holding the most saliency (weighted toward `texture` when given), each overlapping
    the ones before by at most a third; most salient first."""
    height, width = saliency.shape
    side = size * min(height, width)
    if texture is not None:  # a close-up of a flat colour says nothing: favour salient parts with detail
        saliency = saliency * (0.25 + 0.75 * texture)
    win_w = max(2, min(width, round(side * aspect**0.5)))
    win_h = max(2, min(height, round(win_w / aspect)))
    win_w = max(2, min(width, round(win_h * aspect)))
    integral = cv2.integral(saliency.astype(np.float64))
    sums = (
        integral[win_h:, win_w:] - integral[:-win_h, win_w:] - integral[win_h:, :-win_w] + integral[:-win_h, :-win_w]
    )  # sums[y, x]: the window whose top-left is (x, y)
    x_lo, y_lo = round(within[0] * width), round(within[1] * height)
    x_hi, y_hi = round(within[2] * width) - win_w, round(within[3] * height) - win_h
    chosen: list[tuple[int, int]] = []
    order = np.argsort(sums, axis=None)[::-1]
    for flat in order:
        y, x = divmod(int(flat), sums.shape[1])
        if not (x_lo <= x <= max(x_lo, x_hi) and y_lo <= y <= max(y_lo, y_hi)):
            continue
        if all(_overlap(x, y, cx, cy, win_w, win_h) <= 1 / 3 for cx, cy in chosen):
            chosen.append((x, y))
            if len(chosen) == count:
                break
    return [(x / width, y / height, (x + win_w) / width, (y + win_h) / height) for x, y in chosen]


def _overlap(x: int, y: int, other_x: int, other_y: int, win_w: int, win_h: int) -> float:
    shared = max(0, win_w - abs(x - other_x)) * max(0, win_h - abs(y - other_y))
    return shared / (win_w * win_h)
