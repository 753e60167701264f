"""The presenter's face in an avatar photo: where it is, whether the photo is usable, and its landmarks.

OpenCV's bundled Haar cascades do the finding: they are small, CPU-only and ship with opencv-python-headless, so
the check runs in the web process on upload as well as in the worker. The landmarks are coarse on purpose (eye
centres, lip line, mouth width, chin): they are all the talking-head animation needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from generation.engines.base import EngineError, photo_open

# Faces smaller than this share of the photo's shorter side are ignored: they are background people or posters,
# and too small to animate anyway.
MIN_FACE_FRACTION = 0.08
MIN_FACE_PIXELS = 40
# Detection runs on a copy at most this large; the cascade finds faces of any size, big photos only cost time.
DETECT_MAX_SIDE = 640

# Where features sit in a Haar frontal-face box, as fractions of its width and height (measured on portraits).
EYE_Y, EYE_X_LEFT, EYE_X_RIGHT = 0.38, 0.30, 0.70
LIP_Y = 0.78
MOUTH_WIDTH = 0.40
CHIN_Y = 1.02


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2.0, self.y + self.h / 2.0

    @property
    def area(self) -> int:
        return self.w * self.h

    def intersection_area(self, other: FaceBox) -> int:
        width = min(self.right, other.right) - max(self.x, other.x)
        height = min(self.bottom, other.bottom) - max(self.y, other.y)
        return max(width, 0) * max(height, 0)

    def union_box(self, other: FaceBox) -> FaceBox:
        x, y = min(self.x, other.x), min(self.y, other.y)
        return FaceBox(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def scaled(self, factor: float) -> FaceBox:
        return FaceBox(round(self.x * factor), round(self.y * factor), round(self.w * factor), round(self.h * factor))

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @classmethod
    def from_sequence(cls, values) -> FaceBox:
        x, y, w, h = (int(round(float(value))) for value in values)
        if w <= 0 or h <= 0:
            raise ValueError(f"a face box needs a positive width and height, got {[x, y, w, h]}")
        return cls(x, y, w, h)


@dataclass(frozen=True)
class FaceLandmarks:
    """Points in the photo's pixel coordinates (floats)."""

    left_eye: tuple[float, float]  # the eye on the image's left
    right_eye: tuple[float, float]
    mouth_center: tuple[float, float]
    mouth_width: float
    lip_y: float  # the line where the lips meet
    chin_y: float
    face: FaceBox

    def transformed(self, *, scale: float, dx: float, dy: float) -> FaceLandmarks:
        """The same landmarks after the photo is scaled by `scale` and shifted by (dx, dy)."""

        def point(p: tuple[float, float]) -> tuple[float, float]:
            return p[0] * scale + dx, p[1] * scale + dy

        face = FaceBox(
            round(self.face.x * scale + dx),
            round(self.face.y * scale + dy),
            round(self.face.w * scale),
            round(self.face.h * scale),
        )
        return FaceLandmarks(
            point(self.left_eye),
            point(self.right_eye),
            point(self.mouth_center),
            self.mouth_width * scale,
            self.lip_y * scale + dy,
            self.chin_y * scale + dy,
            face,
        )


class AvatarError(ValueError):
    """The avatar photo cannot be animated; the message says what to upload instead."""


def _cascade(name: str) -> cv2.CascadeClassifier:
    cascade = _CASCADES.get(name)
    if cascade is None:
        cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / name))
        if cascade.empty():
            raise RuntimeError(f"OpenCV's Haar cascade {name} is missing from {cv2.data.haarcascades}")
        _CASCADES[name] = cascade
    return cascade


_CASCADES: dict[str, cv2.CascadeClassifier] = {}  # loaded once per process: each load parses a large XML


def min_face_pixels(*, height: int, width: int) -> int:
    """The smallest face (in the photo's pixels) that counts."""
    return max(MIN_FACE_PIXELS, round(MIN_FACE_FRACTION * min(height, width)))


def faces_detect(rgb: np.ndarray, *, min_neighbors: int = 5) -> list[FaceBox]:
    """Front-facing faces in an RGB photo, biggest first, in the photo's pixel coordinates."""
    height, width = rgb.shape[:2]
    factor = min(1.0, DETECT_MAX_SIDE / max(height, width))
    gray = cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)
    if factor < 1.0:
        gray = cv2.resize(gray, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)
    smallest = max(24, round(min_face_pixels(height=height, width=width) * factor))
    hits = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=min_neighbors, minSize=(smallest, smallest)
    )
    boxes = [FaceBox(*(int(v) for v in hit)).scaled(1.0 / factor) for hit in hits]
    return sorted(_merge_overlapping(boxes), key=lambda box: box.area, reverse=True)


def _merge_overlapping(boxes: list[FaceBox]) -> list[FaceBox]:
    """One box per face: the cascade sometimes reports a face twice at neighbouring scales."""
    merged: list[FaceBox] = []
    for box in sorted(boxes, key=lambda b: b.area, reverse=True):
        for index, kept in enumerate(merged):
            if box.intersection_area(kept) > 0.3 * min(box.area, kept.area):
                merged[index] = kept.union_box(box)
                break
        else:
            merged.append(box)
    return merged


def photo_load(path: str | Path) -> np.ndarray:
    """An avatar photo as an RGB uint8 array, upright; AvatarError when it cannot be read."""
    try:
        return np.asarray(photo_open(path, what="The avatar photo"))
    except EngineError as exc:
        raise AvatarError(f"{exc}: upload a JPEG or PNG photo") from None


def avatar_face(path_or_rgb: str | Path | np.ndarray) -> FaceBox:
    """The one face in an avatar photo, or AvatarError saying what to upload instead."""
    rgb = path_or_rgb if isinstance(path_or_rgb, np.ndarray) else photo_load(path_or_rgb)
    if rgb.ndim != 3 or rgb.shape[2] < 3 or rgb.shape[0] < 16 or rgb.shape[1] < 16:
        raise AvatarError(
            f"The avatar photo is not a usable colour image (shape {rgb.shape}): upload a JPEG or PNG "
            "photo at least 256 pixels on each side"
        )
    faces = faces_detect(rgb)
    if not faces:
        smallest = min_face_pixels(height=rgb.shape[0], width=rgb.shape[1])
        raise AvatarError(
            "No face found in the photo: upload a front-facing, well-lit photo of the presenter where "
            f"the face is at least {smallest} pixels tall"
        )
    if len(faces) > 1:
        raise AvatarError(
            f"Found {len(faces)} faces in the photo: upload a photo with the presenter alone (crop the others out)"
        )
    return faces[0]


def face_landmarks(rgb: np.ndarray, face: FaceBox) -> FaceLandmarks:
    """Eyes, mouth and chin of `face`: detected where the photo shows them, from face geometry otherwise."""
    gray = cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)
    left_eye, right_eye = _eyes_find(gray, face)
    mouth_x = float(left_eye[0] + right_eye[0]) / 2.0
    eye_distance = float(right_eye[0] - left_eye[0])
    mouth_width = float(np.clip(0.85 * eye_distance, 0.3 * face.w, 0.5 * face.w))
    lip_y = _lip_line_find(gray, face, mouth_x=mouth_x, mouth_width=mouth_width)
    return FaceLandmarks(left_eye, right_eye, (mouth_x, lip_y), mouth_width, lip_y, face.y + CHIN_Y * face.h, face)


def _eyes_find(gray: np.ndarray, face: FaceBox) -> tuple[tuple[float, float], tuple[float, float]]:
    guess_left = (face.x + EYE_X_LEFT * face.w, face.y + EYE_Y * face.h)
    guess_right = (face.x + EYE_X_RIGHT * face.w, face.y + EYE_Y * face.h)
    top, bottom = face.y + int(0.15 * face.h), face.y + int(0.58 * face.h)  # eyes sit in the upper half
    region = gray[max(top, 0) : bottom, max(face.x, 0) : face.right]
    if region.size == 0:
        return guess_left, guess_right
    smallest = max(8, face.w // 8)
    hits = _cascade("haarcascade_eye.xml").detectMultiScale(
        region, scaleFactor=1.1, minNeighbors=3, minSize=(smallest, smallest), maxSize=(face.w // 2, face.w // 2)
    )
    centres = [(float(max(face.x, 0) + x + w / 2.0), float(max(top, 0) + y + h / 2.0)) for x, y, w, h in hits]
    middle = face.x + face.w / 2.0

    def closest(guess: tuple[float, float], side: list[tuple[float, float]]) -> tuple[float, float]:
        if not side:
            return guess
        return min(side, key=lambda c: (c[0] - guess[0]) ** 2 + (c[1] - guess[1]) ** 2)

    left = closest(guess_left, [c for c in centres if c[0] < middle - 0.05 * face.w])
    right = closest(guess_right, [c for c in centres if c[0] > middle + 0.05 * face.w])
    if abs(left[1] - right[1]) > 0.15 * face.h:  # one hit is an eyebrow or a nostril: trust geometry instead
        return guess_left, guess_right
    return left, right


def _lip_line_find(gray: np.ndarray, face: FaceBox, *, mouth_x: float, mouth_width: float) -> float:
    """The darkest horizontal band across the mouth's middle, near where geometry puts the lips."""
    guess = face.y + LIP_Y * face.h
    top, bottom = round(guess - 0.09 * face.h), round(guess + 0.09 * face.h)
    left, right = round(mouth_x - 0.3 * mouth_width), round(mouth_x + 0.3 * mouth_width)
    top, left = max(top, 0), max(left, 0)
    band = gray[top : min(bottom, gray.shape[0]), left : min(right, gray.shape[1])].astype(np.float32)
    if band.shape[0] < 5 or band.shape[1] < 3:
        return guess
    profile = np.convolve(band.mean(axis=1), np.ones(3) / 3.0, mode="same")[1:-1]
    rows = np.arange(1, band.shape[0] - 1) + top
    # Prefer the geometric guess slightly so a dark beard edge far below does not win.
    penalty = 8.0 * ((rows - guess) / (0.09 * face.h)) ** 2
    darkest = int(np.argmin(profile + penalty))
    if profile[darkest] > np.median(profile) - 4.0:  # no clear lip line (a beard, a flat shadow): keep geometry
        return guess
    return float(rows[darkest])
