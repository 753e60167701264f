"""A VideoTemplate's spec: parsed from JSON into plain data, with errors that name the scene and the field.

    {"fps": 30, "family": "ltx",
     "scenes": [{"type": "title", "duration": 1.5},
                {"type": "product_shots", "duration": 3.0, "cameras": ["orbit", "pan_right"], "max_shots": 3,
                 "prompt": "{{ product.title }} by {{ product.brand }} on a marble table, soft daylight",
                 "end_frame": false}],
     "options": {"locale": "de", "mood": "cosy"}}

Durations are rounded to whole frames here, once, so every later step (shots, timeline, probe) agrees.
`family` (top level or per scene) names the DiT model family a `dit` render uses unless the request names one;
`prompt` / `negative_prompt` are sandboxed Django templates (generation/prompts.py: `{{ product.title }}`,
`{{ variant.price|price }}`, `{% if %}`, `{% for %}`); the old `{title}` placeholders are refused with the new
spelling. `options` (flat: text, numbers, true/false) reach prompts as `{{ options.<name> }}`; `options.locale`
(default "en") sets how `|price` writes money. `source: "text"` makes text-to-video shots (no photo);
`end_frame: true` ends each shot on the product's next photo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from generation.engines.dit.family import FAMILY_NAMES
from generation.engines.motion import CAMERA_PRESETS
from generation.prompts import MERGE_FIELDS, locale_clean, prompt_template_check

SCENE_TYPES = ("title", "product_shots")
MAX_SCENE_SECONDS = 180.0
PROMPT_FIELDS = MERGE_FIELDS  # the product fields merge_fields may override
DEFAULT_PROMPT = "{{ product.title }}, a product video, studio lighting, sharp details"
MAX_OPTIONS = 20
SHOT_SOURCES = ("photo", "text")


@dataclass(frozen=True)
class TitleScene:
    frames: int


@dataclass(frozen=True)
class ProductShotsScene:
    frames: int  # per shot
    cameras: tuple[str, ...]
    max_shots: int
    prompt: str = DEFAULT_PROMPT
    negative_prompt: str = ""
    family: str | None = None
    source: str = "photo"
    end_frame: bool = False


@dataclass(frozen=True)
class TemplateSpec:
    fps: int
    scenes: tuple[TitleScene | ProductShotsScene, ...]
    family: str | None = None
    options: dict = field(default_factory=dict)  # the template options prompts see as {{ options.<name> }}


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
    family = spec.get("family")
    if family is not None and family not in FAMILY_NAMES:
        raise ValidationError(f"family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}.")
    options = _options_parse(spec.get("options", {}))
    scenes = [_scene_parse(index, raw, fps, options) for index, raw in enumerate(raw_scenes, start=1)]
    if not any(isinstance(scene, ProductShotsScene) for scene in scenes):
        raise ValidationError("The template needs at least one scene of type \"product_shots\".")
    return TemplateSpec(fps=fps, scenes=tuple(scenes), family=family, options=options)


def _options_parse(options: Any) -> dict:
    if not isinstance(options, dict):
        raise ValidationError(f"options must be an object such as {{\"locale\": \"de\"}}, got {options!r}.")
    if len(options) > MAX_OPTIONS:
        raise ValidationError(f"options has {len(options)} entries; keep it to {MAX_OPTIONS}.")
    for name, value in options.items():
        if not name.isidentifier() or name.startswith("_"):
            raise ValidationError(f"options.{name}: an option name is letters, digits and _, not starting with "
                                  "_ or a digit.")
        if not isinstance(value, (str, int, float, bool)) or (isinstance(value, str) and len(value) > 500):
            raise ValidationError(f"options.{name} must be text (up to 500 characters), a number or true/false, "
                                  f"got {value!r}.")
    if "locale" in options:
        try:
            options = {**options, "locale": locale_clean(options["locale"])}
        except ValidationError as exc:
            raise ValidationError(f"options.{exc.messages[0]}") from None
    return dict(options)


def _scene_parse(index: int, raw: Any, fps: int, options: dict) -> TitleScene | ProductShotsScene:
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
    where = f"{where} (product_shots)"
    prompt = _prompt_parse(where, "prompt", raw.get("prompt", DEFAULT_PROMPT), options)
    negative_prompt = _prompt_parse(where, "negative_prompt", raw.get("negative_prompt", ""), options)
    family = raw.get("family")
    if family is not None and family not in FAMILY_NAMES:
        raise ValidationError(f"{where}: family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}.")
    source = raw.get("source", "photo")
    if source not in SHOT_SOURCES:
        raise ValidationError(f"{where}: source {source!r} is unknown; use one of {', '.join(SHOT_SOURCES)}.")
    end_frame = raw.get("end_frame", False)
    if not isinstance(end_frame, bool):
        raise ValidationError(f"{where}: end_frame must be true or false, got {end_frame!r}.")
    if end_frame and source == "text":
        raise ValidationError(f"{where}: end_frame needs photos; it cannot be used with source \"text\".")
    return ProductShotsScene(frames=frames, cameras=tuple(cameras), max_shots=max_shots, prompt=prompt,
                             negative_prompt=negative_prompt, family=family, source=source, end_frame=end_frame)


def _prompt_parse(where: str, name: str, value: Any, options: dict) -> str:
    prompt_template_check(value, field=f"{where}: {name}", options=options)
    return value
