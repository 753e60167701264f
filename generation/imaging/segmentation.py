"""The product cut out of its photo: OpenCV GrabCut seeded from the photo's border (sure backdrop) and from the
colour-distance saliency (probable product), cleaned to the main object, with a confidence in [0, 1].

Product photos are mostly studio shots on a plain or coloured backdrop, where this is reliable; on a busy scene or
a photo without one clear object the confidence says so, and the caller frames the photo instead (a fallback that
is still product-first). Works on a small copy; the mask is scaled back to the photo with a soft one-pixel edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .saliency import border_distance, work_copy

WORK_SIDE = 320  # longest side GrabCut works at: about 0.2-1.5 s on one core
GRABCUT_ITERATIONS = 4
# A cut-out is used at or above this confidence; below, the caller falls back to framing the photo.
CONFIDENT = 0.5
# The product's area as a fraction of the photo outside which a cut-out is not trusted (a speck, or everything).
MIN_AREA, MAX_AREA = 0.02, 0.92


@dataclass(frozen=True)
class Segmentation:
    mask: np.ndarray  # (h, w) float32 alpha in [0, 1], at the photo's size
    box: tuple[int, int, int, int]  # the product's (left, top, right, bottom) in photo pixels
    confidence: float  # 0: no product found; >= CONFIDENT: use the cut-out

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT


def product_segment(photo: np.ndarray) -> Segmentation:
    """Cut the product out of an RGB uint8 photo. Never raises on odd content: a failure is confidence 0 with the
    whole photo as the box."""
    height, width = photo.shape[:2]
    failed = Segmentation(np.ones((height, width), np.float32), (0, 0, width, height), 0.0)
    small = work_copy(photo, WORK_SIDE)
    if min(small.shape[:2]) < 16:
        return failed
    distance = border_distance(small)
    seed = _seed(distance)
    if seed is None:
        return failed
    mask = seed.copy()
    background_model, foreground_model = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(small, mask, None, background_model, foreground_model, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # e.g. one class empty: nothing separable
        return failed
    product = _main_object(np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)))
    if product is None:
        return failed
    confidence = _confidence(product, seed, distance)
    ys, xs = np.nonzero(product)
    scale_x, scale_y = width / small.shape[1], height / small.shape[0]
    box = (
        int(xs.min() * scale_x),
        int(ys.min() * scale_y),
        min(width, int(np.ceil((xs.max() + 1) * scale_x))),
        min(height, int(np.ceil((ys.max() + 1) * scale_y))),
    )
    alpha = cv2.resize(product.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    soft = max(1, round(max(scale_x, scale_y))) * 2 + 1
    alpha = np.clip(cv2.GaussianBlur(alpha, (soft, soft), 0) * 1.15 - 0.075, 0.0, 1.0)  # soft but not hazy
    return Segmentation(alpha.astype(np.float32), box, confidence)


def _seed(distance: np.ndarray) -> np.ndarray | None:
    """GrabCut's starting labels: the outer band sure backdrop, pixels far from every backdrop colour probable
    product (Otsu's split of the distances), the rest probable backdrop. None when nothing stands out."""
    height, width = distance.shape
    scaled = np.clip(distance * (255.0 / max(float(distance.max()), 1e-3)), 0, 255).astype(np.uint8)
    split, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otsu on a nearly uniform photo splits noise: a product must sit clearly off the backdrop (Lab distance 12).
    limit = max(split * float(distance.max()) / 255.0, 12.0)
    probable = distance > limit
    if probable.mean() < 0.005:
        return None
    seed = np.where(probable, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    band = max(1, round(min(height, width) * 0.02))
    seed[:band], seed[-band:], seed[:, :band], seed[:, -band:] = (cv2.GC_BGD,) * 4
    return seed


def _main_object(product: np.ndarray) -> np.ndarray | None:
    """The largest connected part, plus parts at least a fifth its size (a cup and its saucer), holes filled."""
    product = cv2.morphologyEx(product.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(product, connectivity=8)
    if count <= 1:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.isin(labels, np.flatnonzero(areas >= 0.2 * areas.max()) + 1).astype(np.uint8)
    # Holes: backdrop regions that do not reach the border are the product's (a mug's handle is not).
    filled = keep.copy()
    flood = np.zeros((keep.shape[0] + 2, keep.shape[1] + 2), np.uint8)
    outside = (1 - keep).astype(np.uint8)
    for y, x in ((0, 0), (0, keep.shape[1] - 1), (keep.shape[0] - 1, 0), (keep.shape[0] - 1, keep.shape[1] - 1)):
        if outside[y, x]:
            cv2.floodFill(outside, flood, (x, y), 2)
    filled[outside == 1] = 1  # backdrop pixels the flood from the corners never reached
    return filled.astype(bool)


def _confidence(product: np.ndarray, seed: np.ndarray, distance: np.ndarray) -> float:
    """How much to trust the cut-out, from what goes wrong on busy or product-less photos: an area too small or
    too large, a cut-out running off several sides of the photo (a scene, a portrait print) or sitting off-centre,
    a weak colour contrast with the backdrop, GrabCut ending far from its seed, an outline that follows no edge,
    a ragged shape. Geometric mean of the last four, so one bad sign is enough to fall back."""
    area = float(product.mean())
    if not MIN_AREA <= area <= MAX_AREA:
        return 0.0
    # GrabCut's outline stops short of the outer band forced to backdrop, so a side counts as reached where the
    # product comes within three bands of it: the fraction of that side's length it does so. Standing on the
    # bottom edge is normal (a cup's rim and saucer may graze top and bottom); two sides or more is a scene
    # or a crop.
    band = int(np.argmax(seed[:, seed.shape[1] // 2] != cv2.GC_BGD))
    near = 3 * max(band, 1)
    sides = sorted(
        (
            product[:near].any(axis=0).mean(),
            product[-near:].any(axis=0).mean(),
            product[:, :near].any(axis=1).mean(),
            product[:, -near:].any(axis=1).mean(),
        ),
        reverse=True,
    )
    edge_score = float(np.clip(1.0 - 1.5 * max(0.0, sides[1] - 0.05) - 0.8 * max(0.0, sides[0] - 0.3), 0.0, 1.0))
    # Product photos centre the product; a cut-out off in a corner is a piece of a scene.
    ys, xs = np.nonzero(product)
    off_centre = max(
        abs((xs.min() + xs.max() + 1) / 2 / product.shape[1] - 0.5),
        abs((ys.min() + ys.max() + 1) / 2 / product.shape[0] - 0.5),
    )
    edge_score *= float(np.clip(1.0 - (off_centre - 0.12) / 0.2, 0.0, 1.0))
    inside, outside = distance[product], distance[~product]
    contrast = (float(np.median(inside)) - float(np.median(outside))) / (float(outside.std()) + 8.0)
    contrast_score = float(np.clip((contrast - 0.4) / 0.8, 0.0, 1.0))
    seeded = np.isin(seed, (cv2.GC_FGD, cv2.GC_PR_FGD))
    agreement = float((product & seeded).sum()) / max(1.0, float((product | seeded).sum()))
    agreement_score = float(np.clip(agreement / 0.5, 0.0, 1.0))
    outline = cv2.morphologyEx(product.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    gradient = cv2.magnitude(cv2.Sobel(distance, cv2.CV_32F, 1, 0), cv2.Sobel(distance, cv2.CV_32F, 0, 1))
    sharpness = float(gradient[outline].mean()) / (float(gradient.mean()) + 1e-3)
    outline_score = float(np.clip((sharpness - 1.2) / 1.2, 0.0, 1.0))
    # A product is one compact object; a scene's cut-out is ragged (towers, foliage): area over convex hull.
    points = cv2.findNonZero(product.astype(np.uint8))
    solidity = float(product.sum()) / max(1.0, cv2.contourArea(cv2.convexHull(points)))
    solidity_score = float(np.clip((solidity - 0.45) / 0.3, 0.0, 1.0))
    cues = (contrast_score * agreement_score * outline_score * solidity_score) ** (1 / 4)
    return round(edge_score * cues, 3)
