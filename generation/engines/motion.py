"""MotionEngine: a CPU engine that animates the product photo with smooth camera moves.

No model, no GPU: the photo is placed whole (never stretched, never cropped at rest) as a sharp foreground layer
over a background layer (a blurred, darkened cover copy of itself), and a virtual camera glides over both. Each
layer has its own pose, so the near product and the far backdrop can move at different rates (parallax). Each
frame is one bicubic resample of a float window per layer (see motion_layers), so motion is sub-pixel smooth.

Camera paths and their easing:
- push_in: dolly in; the product grows faster than the backdrop. Cubic `ease_in_out`.
- zoom_out: reveal; starts close on the product's centre (cropped), ends with the whole product in view, the
  backdrop widening less. Cubic `ease_in_out`.
- pan_left / pan_right / tilt_up / tilt_down: the view travels that way; the product shifts more than the
  backdrop (a truck move). Cubic `ease_in_out`.
- orbit: the camera circles the product: the backdrop drifts one way, the product shifts slightly the other way
  and breathes in scale, along an arc. Gentler `ease_in_out_sine`.
- ken_burns: a flat-photo drift along a seed-chosen diagonal, both layers together. Cubic `ease_in_out`.
- static: no motion.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image

from .base import EngineError, ProgressCallback, ShotRequest, ShotResult, photo_open, request_size_check
from .motion_layers import CameraPose, build_layers, render_frame

# (background pose, foreground pose) at one instant.
LayerPoses = tuple[CameraPose, CameraPose]


def ease_in_out(t: float) -> float:
    """Cubic smoothstep: starts and ends at rest, so cuts between shots do not jolt."""
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def ease_in_out_sine(t: float) -> float:
    """Half a cosine: at rest at both ends like ease_in_out, but it leaves and reaches rest more gently
    (peak acceleration pi^2/2 ~ 4.9 against the cubic's 6), for slow, floating moves such as orbit."""
    t = min(max(t, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * t)


def _lerp(start: float, end: float, t: float) -> float:
    return start + (end - start) * t


def _move(start: CameraPose, end: CameraPose) -> Callable[[float], CameraPose]:
    def pose_at(t: float) -> CameraPose:
        return CameraPose(_lerp(start.zoom, end.zoom, t), _lerp(start.dx, end.dx, t), _lerp(start.dy, end.dy, t))

    return pose_at


# Glides: each layer goes from a start pose to an end pose, (background, foreground). Limits: the foreground
# keeps the whole product in view while |offset| * zoom + 0.42 * zoom <= 0.5 (0.42 = PRODUCT_FILL / 2; only
# zoom_out's start breaks this, on purpose); the background view stays on its canvas while |offset| + 0.5 / zoom
# <= 0.625 (CANVAS_SCALE / 2).
_PAN = 0.07  # foreground travel; the backdrop travels _FAR times as much
_FAR = 0.6
_GLIDES: dict[str, tuple[tuple[CameraPose, CameraPose], tuple[CameraPose, CameraPose]]] = {
    "push_in": ((CameraPose(1.0), CameraPose(1.06)), (CameraPose(1.0), CameraPose(1.12))),
    "zoom_out": ((CameraPose(1.15), CameraPose(0.86)), (CameraPose(1.4), CameraPose(0.92))),
    "pan_left": ((CameraPose(1.0, dx=_PAN * _FAR), CameraPose(1.0, dx=-_PAN * _FAR)),  # the view travels left
                 (CameraPose(1.0, dx=_PAN), CameraPose(1.0, dx=-_PAN))),
    "pan_right": ((CameraPose(1.0, dx=-_PAN * _FAR), CameraPose(1.0, dx=_PAN * _FAR)),
                  (CameraPose(1.0, dx=-_PAN), CameraPose(1.0, dx=_PAN))),
    "tilt_up": ((CameraPose(1.0, dy=_PAN * _FAR), CameraPose(1.0, dy=-_PAN * _FAR)),  # the view travels up
                (CameraPose(1.0, dy=_PAN), CameraPose(1.0, dy=-_PAN))),
    "tilt_down": ((CameraPose(1.0, dy=-_PAN * _FAR), CameraPose(1.0, dy=_PAN * _FAR)),
                  (CameraPose(1.0, dy=-_PAN), CameraPose(1.0, dy=_PAN))),
    "static": ((CameraPose(1.0), CameraPose(1.0)), (CameraPose(1.0), CameraPose(1.0))),
    # Flat: both layers share one path; the seed flips its diagonal.
    "ken_burns": ((CameraPose(1.0, dx=-0.03, dy=-0.03), CameraPose(1.08, dx=0.03, dy=0.03)),) * 2,
}
# orbit: the backdrop's view sweeps ORBIT_FAR across (the backdrop drifts the other way), the product's view
# ORBIT_NEAR the opposite way, and the product breathes ORBIT_BREATH larger mid-arc.
ORBIT_FAR, ORBIT_NEAR, ORBIT_BREATH, ORBIT_FAR_ZOOM = 0.04, 0.02, 0.025, 1.04
CAMERA_PRESETS: tuple[str, ...] = (
    "push_in", "zoom_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "static", "orbit", "ken_burns",
)


def orbit_poses(t: float) -> LayerPoses:
    """The camera circling the product, at raw progress t in [0, 1]. Lateral position -1 -> 1 follows
    ease_in_out_sine (it is -cos(pi t)); depth follows sin^2(pi t), so both start and end at rest."""
    t = min(max(t, 0.0), 1.0)
    lateral = 2.0 * ease_in_out_sine(t) - 1.0
    depth = math.sin(math.pi * t) ** 2
    background = CameraPose(ORBIT_FAR_ZOOM, dx=ORBIT_FAR * lateral)
    foreground = CameraPose(1.0 + ORBIT_BREATH * depth, dx=-ORBIT_NEAR * lateral)
    return background, foreground


def camera_path(camera: str, seed: int = 0) -> Callable[[float], LayerPoses]:
    """(background, foreground) poses as a function of raw progress t in [0, 1], easing included."""
    if camera == "orbit":
        return orbit_poses
    (bg_start, bg_end), (fg_start, fg_end) = _GLIDES[camera]
    if camera == "ken_burns":  # one of four diagonals, picked by the seed so reruns match
        sign_x, sign_y = (1, -1)[seed % 2], (1, -1)[(seed // 2) % 2]
        bg_start, bg_end, fg_start, fg_end = (CameraPose(pose.zoom, pose.dx * sign_x, pose.dy * sign_y)
                                              for pose in (bg_start, bg_end, fg_start, fg_end))
    background, foreground = _move(bg_start, bg_end), _move(fg_start, fg_end)

    def poses_at(t: float) -> LayerPoses:
        eased = ease_in_out(t)
        return background(eased), foreground(eased)

    return poses_at


class MotionEngine:
    name = "motion"

    def generate(self, request: ShotRequest, *, on_step: ProgressCallback | None = None) -> ShotResult:
        _validate(request)
        photo = _load_photo(request.image_path)
        total = request.num_frames
        poses_at = camera_path(request.camera, request.seed)
        poses = [poses_at(index / (total - 1) if total > 1 else 0.0) for index in range(total)]
        layers = build_layers(photo, request.width, request.height, max_zoom=max(fg.zoom for _, fg in poses))

        frames = np.empty((total, request.height, request.width, 3), dtype=np.uint8)
        for index, (background, foreground) in enumerate(poses):
            render_frame(layers, background, foreground, request.width, request.height, out=frames[index])
            if on_step is not None:
                on_step(index + 1, total)  # may raise ShotCancelled: let it stop the shot
        return ShotResult(frames=frames, fps=request.fps, metadata={"camera": request.camera})


def _validate(request: ShotRequest) -> None:
    request_size_check(request)
    if request.camera not in CAMERA_PRESETS:
        raise EngineError(f"unknown camera {request.camera!r}; valid cameras: {', '.join(CAMERA_PRESETS)}")


def _load_photo(path: str | None) -> Image.Image:
    if not path:
        raise EngineError("the motion engine needs a product photo: image_path is missing")
    return photo_open(path)
