"""The talking-head frame maker: one avatar photo, a mouth track, and the frames of a shot.

1. `framed_avatar` crops the photo around the face for the output size and framing (cover-fit, never stretched;
   a blurred, darkened copy of the photo fills what the photo cannot).
2. `AvatarAnimator` precomputes, once per shot, the pixel grids and weight maps of the head region, then makes
   each frame with ONE cv2.remap of that region whose displacement field sums three smooth parts:
   - head motion: a slow seeded rotation (within 1.5 degrees) about the neck plus a little drift and nod, weighted
     by a mask that is 1 over the head and fades to 0 around it, so the body and the room stay still;
   - blinks: the skin above each eye slides down over it (the lid's own colour), every 2.5-6 s;
   - the jaw: the lower lip and chin move down, the upper lip a little up, fading to zero at the chin's edge and
     the cheeks. The gap opened along the lip line is painted as a mouth interior shaped like the opening itself
     (dark, tinted by the lips' colour, a hint of upper teeth when wide open), feathered along the lips.
   The mouth and blink fields are evaluated in head-moved coordinates, so they follow the head exactly.
   At openness 0 and no blink, the field is head motion alone: the frame is the framed photo, moved.

Measured on the 2-core build machine, chest framing of the 512x512 astronaut portrait at 540x960: about
80 frames/s with the mouth moving in every frame, 115 frames/s over a 4 s shot with pauses and a blink
(one remap of the 540x726 head region per frame, plus the mouth window's math while it is open).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .face import FaceBox, FaceLandmarks

# Face height as a share of the frame height, and where the face's centre sits (share of the height from the top).
FRAMINGS: dict[str, float] = {"head": 0.45, "chest": 0.28, "wide": 0.18}
FACE_CENTER_Y: dict[str, float] = {"head": 0.42, "chest": 0.33, "wide": 0.30}

HEAD_TILT_DEGREES = 1.5
HEAD_DRIFT = 0.012  # of the face height
HEAD_NOD = 0.008
BLINK_SECONDS = 0.15
BLINK_GAP_SECONDS = (2.5, 6.0)
JAW_OPEN = 0.13  # the widest opening, as a share of the face height
UPPER_LIP_SHARE = 0.28  # of the opening, taken by the upper lip moving up; the jaw takes the rest


@dataclass(frozen=True)
class FramedAvatar:
    image: np.ndarray  # (height, width, 3) uint8: the still frame the animation starts from
    scale: float  # photo pixel -> frame pixel: p * scale + (dx, dy)
    dx: float
    dy: float
    landmarks: FaceLandmarks  # in frame coordinates


def _cover(photo: np.ndarray, *, width: int, height: int) -> np.ndarray:
    """The photo scaled to cover width x height and centre-cropped: no stretching, no bars."""
    photo_h, photo_w = photo.shape[:2]
    scale = max(width / photo_w, height / photo_h)
    size = (max(width, round(photo_w * scale)), max(height, round(photo_h * scale)))
    resized = cv2.resize(photo, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    top, left = (size[1] - height) // 2, (size[0] - width) // 2
    return resized[top : top + height, left : left + width]


def framed_avatar(
    *, photo: np.ndarray, landmarks: FaceLandmarks, width: int, height: int, framing: str = "chest"
) -> FramedAvatar:
    """The photo placed so the face fills FRAMINGS[framing] of the frame height, centred across; where the photo
    ends before the frame does, a blurred, darkened cover copy of it shows instead of black bars."""
    face = landmarks.face
    photo_h, photo_w = photo.shape[:2]
    scale = FRAMINGS[framing] * height / face.h
    face_x, face_y = face.center
    dx = width / 2.0 - face_x * scale
    dy = FACE_CENTER_Y[framing] * height - face_y * scale
    if photo_w * scale >= width:  # keep the frame inside the photo when the photo is big enough
        dx = min(max(dx, width - photo_w * scale), 0.0)
    if photo_h * scale >= height:
        dy = min(max(dy, height - photo_h * scale), 0.0)
    else:  # a short photo: let the body run off the bottom edge, the backdrop fills the top
        dy = height - photo_h * scale

    source, source_scale = photo, scale
    if scale < 1.0:  # shrink with area averaging first; warpAffine would alias
        source = cv2.resize(
            photo, (max(1, round(photo_w * scale)), max(1, round(photo_h * scale))), interpolation=cv2.INTER_AREA
        )
        source_scale = 1.0
    matrix = np.float32([[source_scale, 0, dx], [0, source_scale, dy]])
    sharp = cv2.warpAffine(source, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    coverage = cv2.warpAffine(
        np.ones(source.shape[:2], np.float32),
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    if coverage.min() < 0.999:
        backdrop = _cover(photo, width=width, height=height)
        backdrop = cv2.GaussianBlur(backdrop, (0, 0), sigmaX=max(2.0, width / 40)) * np.float32(0.55)
        feather = max(1.0, width / 200)
        alpha = cv2.GaussianBlur(coverage, (0, 0), sigmaX=feather)[..., None]  # a soft seam, not a hard edge
        sharp = np.clip(sharp * alpha + backdrop * (1.0 - alpha) + 0.5, 0, 255).astype(np.uint8)
    return FramedAvatar(sharp, scale, dx, dy, landmarks.transformed(scale=scale, dx=dx, dy=dy))


def head_motion(*, num_frames: int, fps: float, seed: int) -> np.ndarray:
    """(num_frames, 3): rotation (radians), drift x and nod y (shares of the face height) per frame; slow sums of
    seeded sines, so the head never jerks and a rerun with the seed moves the same way."""
    rng = np.random.default_rng([seed, 7151])
    times = np.arange(num_frames) / float(fps)
    limits = (math.radians(HEAD_TILT_DEGREES), HEAD_DRIFT, HEAD_NOD)
    motion = np.zeros((num_frames, 3), dtype=np.float64)
    for axis, limit in enumerate(limits):
        value = np.zeros(num_frames)
        amplitudes = (1.0, 0.5, 0.25)
        for base, amplitude in zip((0.07, 0.13, 0.29), amplitudes, strict=True):
            frequency = base * rng.uniform(0.8, 1.25)
            value += amplitude * np.sin(2 * math.pi * frequency * times + rng.uniform(0, 2 * math.pi))
        motion[:, axis] = limit * value / sum(amplitudes)
    return motion


def blink_starts(*, duration: float, seed: int) -> list[float]:
    """When each blink starts (seconds): the first within 0.6-2.5 s, then every 2.5-6 s."""
    rng = np.random.default_rng([seed, 2204])
    starts, time = [], rng.uniform(0.6, 2.5)
    while time < duration:
        starts.append(float(time))
        time += rng.uniform(*BLINK_GAP_SECONDS)
    return starts


def blink_closure(*, num_frames: int, fps: float, starts: list[float]) -> np.ndarray:
    """(num_frames,) 0 open .. 1 closed: each blink is half a sine over BLINK_SECONDS, sampled mid-frame."""
    times = (np.arange(num_frames) + 0.5) / float(fps)
    closure = np.zeros(num_frames, dtype=np.float32)
    for start in starts:
        phase = (times - start) / BLINK_SECONDS
        inside = (phase >= 0) & (phase < 1)
        closure[inside] = np.maximum(closure[inside], np.sin(np.pi * phase[inside]))
    return closure


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _window(
    *, left: float, top: float, right: float, bottom: float, roi: tuple[int, int, int, int]
) -> tuple[slice, slice]:
    """A frame rectangle as slices of the head region's arrays (clipped to it)."""
    x0, y0, x1, y1 = roi
    cols = slice(int(np.clip(math.floor(left), x0, x1)) - x0, int(np.clip(math.ceil(right), x0, x1)) - x0)
    rows = slice(int(np.clip(math.floor(top), y0, y1)) - y0, int(np.clip(math.ceil(bottom), y0, y1)) - y0)
    return rows, cols


def _box(*, left: float, top: float, right: float, bottom: float) -> FaceBox:
    return FaceBox(round(left), round(top), round(right - left), round(bottom - top))


class AvatarAnimator:
    """Frames of one shot. Build once (grids and masks), then ask for chunks in any order."""

    def __init__(self, *, framed: FramedAvatar, track: np.ndarray, fps: float, seed: int):
        self.framed, self.track = framed, np.asarray(track, dtype=np.float32)
        self.num_frames, self.fps = len(self.track), fps
        image = framed.image
        height, width = image.shape[:2]
        marks = framed.landmarks
        face = marks.face
        self.face_w, self.face_h = float(face.w), float(face.h)
        self.motion = head_motion(num_frames=self.num_frames, fps=fps, seed=seed)
        self.blinks = blink_starts(duration=self.num_frames / fps, seed=seed)
        self.closure = blink_closure(num_frames=self.num_frames, fps=fps, starts=self.blinks)

        # 1. The head region and its motion weight: 1 over the head, fading to 0 around it.
        centre_x, centre_y = face.center
        radius_x, radius_y = 0.85 * self.face_w, 0.95 * self.face_h
        fade = 1.6
        self.roi = (
            max(0, math.floor(centre_x - fade * radius_x)),
            max(0, math.floor(centre_y - fade * radius_y)),
            min(width, math.ceil(centre_x + fade * radius_x)),
            min(height, math.ceil(centre_y + fade * radius_y)),
        )
        x0, y0, x1, y1 = self.roi
        grid_x, grid_y = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
        self.grid_x, self.grid_y = grid_x, grid_y
        distance = np.sqrt(((grid_x - centre_x) / radius_x) ** 2 + ((grid_y - centre_y) / radius_y) ** 2)
        weight = (1.0 - _smoothstep(1.0, fade, distance)).astype(np.float32)
        neck_x, neck_y = centre_x, marks.chin_y + 0.35 * self.face_h  # the head turns about the neck
        self.weight = weight
        self.rotate_x = (-(grid_y - neck_y) * weight).astype(np.float32)  # small-angle rotation, per radian
        self.rotate_y = ((grid_x - neck_x) * weight).astype(np.float32)

        # 2. The mouth: its window covers the lips' opening and the jaw down past the chin.
        self.mouth_x, self.lip_y = marks.mouth_center[0], marks.lip_y
        self.mouth_half = marks.mouth_width / 2.0
        self.chin_drop = max(marks.chin_y - self.lip_y, 0.12 * self.face_h)
        self.mouth_window = _window(
            left=self.mouth_x - 0.6 * self.face_w,
            right=self.mouth_x + 0.6 * self.face_w,
            top=self.lip_y - 0.2 * self.face_h,
            bottom=self.lip_y + self.chin_drop + 0.2 * self.face_h,
            roi=self.roi,
        )
        self.mouth_box = _box(
            left=self.mouth_x - self.mouth_half,
            right=self.mouth_x + self.mouth_half,
            top=self.lip_y - 0.07 * self.face_h,
            bottom=self.lip_y + 0.115 * self.face_h,
        )
        lips = image[
            max(0, round(self.lip_y - 0.04 * self.face_h)) : round(self.lip_y + 0.04 * self.face_h) + 1,
            max(0, round(self.mouth_x - 0.3 * self.mouth_half)) : round(self.mouth_x + 0.3 * self.mouth_half) + 1,
        ]
        lip_colour = lips.reshape(-1, 3).mean(axis=0) if lips.size else np.float32([150, 80, 80])
        skin = image[
            max(0, face.y + face.h // 3) : face.bottom - face.h // 3,
            max(0, face.x + face.w // 3) : face.right - face.w // 3,
        ]
        brightness = float(np.clip(skin.mean() / 170.0, 0.55, 1.0)) if skin.size else 0.85
        # The mouth's inside: lip-tinted red at the edges, near black deep inside; teeth and tongue dimmed to the
        # face's light.
        self.interior_edge = (0.4 * lip_colour + np.float32([36, 4, 6])).astype(np.float32)
        self.interior_deep = (0.1 * lip_colour + np.float32([16, 2, 3])).astype(np.float32)
        self.teeth = (np.float32([236, 230, 218]) * brightness).astype(np.float32)
        self.tongue = (0.45 * lip_colour + np.float32([38, 6, 10])).astype(np.float32)

        # 3. The eyes: the skin above each slides down over it during a blink.
        self.eyes = []
        self.eye_boxes = []
        for eye_x, eye_y in (marks.left_eye, marks.right_eye):
            window = _window(
                left=eye_x - 0.2 * self.face_w,
                right=eye_x + 0.2 * self.face_w,
                top=eye_y - 0.24 * self.face_w,
                bottom=eye_y + 0.1 * self.face_w,
                roi=self.roi,
            )
            self.eyes.append((eye_x, eye_y, window))
            self.eye_boxes.append(
                _box(
                    left=eye_x - 0.13 * self.face_w,
                    right=eye_x + 0.13 * self.face_w,
                    top=eye_y - 0.07 * self.face_w,
                    bottom=eye_y + 0.07 * self.face_w,
                )
            )

    @property
    def speech_frames(self) -> int:
        return int((self.track[:, 0] > 0.05).sum())

    @property
    def blink_count(self) -> int:
        """Blinks that show: at least one frame with the eyes mostly shut."""
        return sum(
            1
            for start in self.blinks
            if np.any(blink_closure(num_frames=self.num_frames, fps=self.fps, starts=[start]) > 0.5)
        )

    def frames(self, *, start: int, stop: int) -> np.ndarray:
        """Frames [start, stop) as one (n, height, width, 3) uint8 array."""
        out = np.repeat(self.framed.image[None], stop - start, axis=0)
        x0, y0, x1, y1 = self.roi
        for index in range(start, stop):
            out[index - start, y0:y1, x0:x1] = self._head_region(index)
        return out

    def _head_region(self, index: int) -> np.ndarray:
        angle, drift_x, drift_y = self.motion[index]
        map_x = self.grid_x + np.float32(angle) * self.rotate_x + np.float32(drift_x * self.face_h) * self.weight
        map_y = self.grid_y + np.float32(angle) * self.rotate_y + np.float32(drift_y * self.face_h) * self.weight
        openness, width = (float(v) for v in self.track[index])
        lens = None
        if openness > 0.0:
            lens = self._mouth_warp(map_x, map_y, openness=openness, width=width)
        if self.closure[index] > 0.0:
            self._blink_warp(map_y, map_x, closure=float(self.closure[index]))
        region = cv2.remap(
            self.framed.image, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
        )
        if lens is not None:
            alpha, colour = lens
            rows, cols = self.mouth_window
            patch = region[rows, cols].astype(np.float32)
            region[rows, cols] = (patch + alpha * (colour - patch) + 0.5).astype(np.uint8)
        return region

    def mouth_interior(self, *, openness: float, width: float) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray]:
        """The mouth's inside at this opening with the head at rest: where it lies in the frame (rows, columns),
        its alpha (h, w, 1) and its colour (h, w, 3). What a frame paints over the moved lips; tests measure it."""
        rows, cols = self.mouth_window
        x0, y0 = self.roi[:2]
        alpha, colour = self._mouth_warp(self.grid_x.copy(), self.grid_y.copy(), openness=openness, width=width)
        frame_window = (slice(rows.start + y0, rows.stop + y0), slice(cols.start + x0, cols.stop + x0))
        return frame_window, alpha, colour

    def _mouth_warp(
        self, map_x: np.ndarray, map_y: np.ndarray, *, openness: float, width: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Open the jaw inside the mouth window (maps changed in place); return the interior's alpha and colour."""
        rows, cols = self.mouth_window
        u = map_x[rows, cols] - np.float32(self.mouth_x)  # head-moved coordinates: the mouth follows the head
        v = map_y[rows, cols] - np.float32(self.lip_y)
        opening = openness * JAW_OPEN * self.face_h
        up, down = UPPER_LIP_SHARE * opening, (1.0 - UPPER_LIP_SHARE) * opening
        half = self.mouth_half * (1.0 + 0.12 * width)  # spread lips are wider, round ones narrower
        roundness = 0.5 - 0.15 * width  # an O is an ellipse; a spread "ee" opens as a flatter slit
        lip_shape = np.clip(1.0 - (u / half) ** 2, 0.0, 1.0) ** roundness
        jaw_shape = np.clip(1.0 - (u / (0.5 * self.face_w)) ** 2, 0.0, 1.0) ** 2
        below = v >= 0
        # Upper lip: up, fading out towards the nose. Lower lip and jaw: down; the jaw's width takes over from the
        # lips' below the lip line, and the pull fades to zero just past the chin so the neck does not tear.
        lift = up * lip_shape * _smoothstep(-0.16 * self.face_h, 0.0, v)
        widen = _smoothstep(0.0, 0.5 * self.chin_drop, v)
        release = 1.0 - _smoothstep(0.55 * self.chin_drop, self.chin_drop + 0.12 * self.face_h, v)
        drop = down * (lip_shape + (jaw_shape - lip_shape) * widen) * release
        map_y[rows, cols] += np.where(below, -drop, lift)
        spread = (
            0.12
            * width
            * u
            * (1.0 - _smoothstep(half, 1.6 * half, np.abs(u)))
            * (1.0 - _smoothstep(0.04 * self.face_h, 0.12 * self.face_h, np.abs(v)))
        )
        map_x[rows, cols] -= spread
        # The interior fills exactly the gap between the moved lips: from -up*shape to +down*shape.
        top, bottom = -up * lip_shape, down * lip_shape
        inside = np.minimum(v - top, bottom - v)
        feather = max(0.8, 0.007 * self.face_h)
        alpha = np.clip(inside / feather, 0.0, 1.0)[..., None]
        depth = np.clip(inside / (0.5 * opening * lip_shape + 1e-3), 0.0, 1.0)[..., None]
        colour = self.interior_edge + (self.interior_deep - self.interior_edge) * depth
        gap = bottom - top  # the opening's height in each column
        # The tongue: a rounded mound rising from the floor of the mouth, lit at its front, darker at the back.
        show_tongue = float(_smoothstep(0.25, 0.55, np.float32(openness)))
        if show_tongue > 0.0:
            mound = 1.0 - (u / (0.58 * half)) ** 2 - ((v - bottom) / (0.42 * gap + 1e-3)) ** 2
            tongue_alpha = np.clip(mound * 3.0, 0.0, 1.0) * show_tongue * 0.9
            tongue = self.tongue * (0.45 + 0.55 * np.clip(mound * 1.5, 0.0, 1.0))[..., None]
            colour = colour + tongue_alpha[..., None] * (tongue - colour)
        # Lower teeth: a shaded row along the lower lip, only when the jaw is well open.
        show_lower = float(_smoothstep(0.55, 0.85, np.float32(openness)))
        if show_lower > 0.0:
            lower_height = min(0.16 * opening, 0.028 * self.face_h)
            lower_shape = np.clip(1.0 - (u / (0.6 * half)) ** 2, 0.0, 1.0) ** 0.4
            lower_edge = bottom - lower_height * lower_shape
            lower_alpha = np.clip((v - lower_edge) / feather, 0.0, 1.0) * show_lower * 0.85 * (lower_shape > 0)
            colour = colour + lower_alpha[..., None] * (self.teeth * (0.62 + 0.2 * lower_shape)[..., None] - colour)
        # Upper teeth: a row hanging from the upper lip, in the lip's shadow at the top, the seams between the
        # front teeth a little darker, turning away (darker) towards the corners.
        show_teeth = float(_smoothstep(0.08, 0.3, np.float32(openness)))
        if show_teeth > 0.0:
            teeth_height = min(0.34 * opening, 0.05 * self.face_h)
            teeth_shape = np.clip(1.0 - (u / (0.78 * half)) ** 2, 0.0, 1.0) ** 0.35
            teeth_edge = top + teeth_height * teeth_shape
            teeth_alpha = np.clip((teeth_edge - v) / feather, 0.0, 1.0) * show_teeth * 0.92 * (teeth_shape > 0)
            seams = 0.5 + 0.5 * np.cos(2.0 * np.pi * u / (0.36 * self.mouth_half))
            shadow = _smoothstep(top - feather, top + 0.45 * teeth_height, v)
            shade = (0.62 + 0.38 * teeth_shape) * (0.72 + 0.28 * shadow) * (1.0 - 0.08 * _smoothstep(0.85, 1.0, seams))
            colour = colour + teeth_alpha[..., None] * (self.teeth * shade[..., None] - colour)
        return alpha.astype(np.float32), colour.astype(np.float32)

    def _blink_warp(self, map_y: np.ndarray, map_x: np.ndarray, *, closure: float) -> None:
        """Slide the lid's skin down over each eye (maps changed in place)."""
        lid = 0.085 * self.face_w * closure
        for eye_x, eye_y, (rows, cols) in self.eyes:
            u = np.abs(map_x[rows, cols] - np.float32(eye_x))
            v = map_y[rows, cols] - np.float32(eye_y)
            across = 1.0 - _smoothstep(0.09 * self.face_w, 0.17 * self.face_w, u)
            # Rises over 0.17 face widths (slope < 1, so the skin never folds), holds over the eye, drops below it.
            along = _smoothstep(-0.21 * self.face_w, -0.04 * self.face_w, v) * (
                1.0 - _smoothstep(0.04 * self.face_w, 0.075 * self.face_w, v)
            )
            map_y[rows, cols] -= lid * across * along
