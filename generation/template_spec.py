"""A VideoTemplate's spec: parsed from JSON into plain data, with errors that name the scene and the field.

    {"fps": 30,
     "scenes": [{"type": "title", "duration": 1.5},
                {"type": "product_shots", "duration": 3.0, "cameras": ["push_in", "pan_right"], "max_shots": 3}]}

Durations are rounded to whole frames here, once, so every later step (shots, timeline, probe) agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from generation.engines.motion import CAMERA_PRESETS

SCENE_TYPES = ("title", "product_shots")
MAX_SCENE_SECONDS = 180.0


@dataclass(frozen=True)
class TitleScene:
    frames: int


@dataclass(frozen=True)
class ProductShotsScene:
    frames: int  # per shot
    cameras: tuple[str, ...]
    max_shots: int


@dataclass(frozen=True)
class TemplateSpec:
    fps: int
    scenes: tuple[TitleScene | ProductShotsScene, ...]


def template_spec_parse(spec: Any, *, fps: int) -> TemplateSpec:
    """Validate a spec; `fps` is the platform default used when the spec names none."""
    if not isinstance(spec, dict):
        raise ValidationError("The template spec must be a JSON object with a \"scenes\" list.")
    fps = spec.get("fps", fps)
    if not isinstance(fps, int) or not 1 <= fps <= 60:
        raise ValidationError(f"fps must be a whole number from 1 to 60, got {fps!r}.")
    raw_scenes = spec.get("scenes")
    if not isinstance(raw_scenes, list) or not raw_scenes:
        raise ValidationError("The template needs a non-empty \"scenes\" list.")
    scenes = [_scene_parse(index, raw, fps) for index, raw in enumerate(raw_scenes, start=1)]
    if not any(isinstance(scene, ProductShotsScene) for scene in scenes):
        raise ValidationError("The template needs at least one scene of type \"product_shots\".")
    return TemplateSpec(fps=fps, scenes=tuple(scenes))


def _scene_parse(index: int, raw: Any, fps: int) -> TitleScene | ProductShotsScene:
    where = f"scene {index}"
    if not isinstance(raw, dict):
        raise ValidationError(f"{where}: must be an object with a \"type\".")
    kind = raw.get("type")
    if kind not in SCENE_TYPES:
        raise ValidationError(f"{where}: type {kind!r} is unknown; use one of {', '.join(SCENE_TYPES)}.")
    duration = raw.get("duration")
    if not isinstance(duration, (int, float)) or isinstance(duration, bool) or not 0 < duration <= MAX_SCENE_SECONDS:
        raise ValidationError(f"{where} ({kind}): duration must be a number of seconds above 0 and at most "
                              f"{MAX_SCENE_SECONDS:g}, got {duration!r}.")
    frames = max(1, round(duration * fps))
    if kind == "title":
        return TitleScene(frames=frames)
    cameras = raw.get("cameras", ["push_in"])
    if not isinstance(cameras, list) or not cameras:
        raise ValidationError(f"{where} (product_shots): cameras must be a non-empty list.")
    unknown = [camera for camera in cameras if camera not in CAMERA_PRESETS]
    if unknown:
        raise ValidationError(f"{where} (product_shots): unknown camera {unknown[0]!r}; "
                              f"use one of {', '.join(CAMERA_PRESETS)}.")
    max_shots = raw.get("max_shots", 3)
    if not isinstance(max_shots, int) or not 1 <= max_shots <= 20:
        raise ValidationError(f"{where} (product_shots): max_shots must be a whole number from 1 to 20, got {max_shots!r}.")
    return ProductShotsScene(frames=frames, cameras=tuple(cameras), max_shots=max_shots)
