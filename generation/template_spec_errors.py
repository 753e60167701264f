"""Every problem of a template spec, each located (`scenes[2].duration: must be ...`), not only the first.

template_spec_parse stops at the first problem (the renderer needs one clear refusal). An editor wants the whole
list, so this module asks the same parser again about one field at a time, each inside a spec that is valid
around it: every message comes from the parser itself, so the two never disagree on what is allowed. Problems
between fields (a transition longer than its scene, a video too long) are reported once the fields are fine.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from generation.template_spec import (
    _COMMON_FIELDS,
    _SCENE_FIELDS,
    MAX_SCENE_SECONDS,
    MAX_SCENES,
    SCENE_TYPES,
    TOP_LEVEL_FIELDS,
    template_spec_parse,
)

# A scene that makes a probe spec valid on its own (a template needs one scene that shows the product moving).
_PRODUCT_SCENE = {"type": "product_shots", "duration": 2}
_PROBE_SCENES = {"presenter": {"script": "Meet it."}}  # the fields a scene type cannot go without
_SCENE_PREFIX = re.compile(r"^scene (\d+)(?: \([a-z_]+\))?:?\s*")


def template_spec_errors(spec: Any, *, fps: int) -> list[str]:
    """Every problem of the spec as "<where>: <what to change>"; [] when template_spec_parse accepts it."""
    try:
        template_spec_parse(spec, fps=fps)
        return []
    except ValidationError as exc:
        whole = exc.messages
    if not isinstance(spec, dict):
        return whole
    errors = [
        f"{name}: is not a template field; a template takes {', '.join(sorted(TOP_LEVEL_FIELDS))}."
        for name in sorted(set(spec) - TOP_LEVEL_FIELDS, key=str)
    ]
    around = _valid_surroundings(spec, fps)
    for name in sorted(TOP_LEVEL_FIELDS & set(spec) - {"scenes"}):
        errors += [
            _located(name, message, field=name)
            for message in _problems({**around, name: spec[name], "scenes": [_PRODUCT_SCENE]}, fps)
        ]
    raw_scenes = spec.get("scenes")
    if not isinstance(raw_scenes, list) or not raw_scenes:
        errors.append('scenes: the template needs a non-empty list of scenes, e.g. [{"type": "intro", ...}].')
    elif len(raw_scenes) > MAX_SCENES:
        errors.append(f"scenes: there are {len(raw_scenes)}; keep it to {MAX_SCENES}.")
    else:
        for index, raw in enumerate(raw_scenes):
            errors += _scene_errors(index, raw, around, fps)
    if not errors:  # every field is fine alone: what is left is between fields (or scenes)
        errors = [_located_whole(message) for message in whole]
    return errors


def _valid_surroundings(spec: dict, fps: int) -> dict:
    """fps and options as the spec has them where each is valid alone (other fields' texts may use options)."""
    around: dict = {}
    for name in ("fps", "options"):
        if name in spec and not _problems({name: spec[name], "scenes": [_PRODUCT_SCENE]}, fps):
            around[name] = spec[name]
    return around


def _scene_errors(index: int, raw: Any, around: dict, fps: int) -> list[str]:
    where = f"scenes[{index}]"
    if not isinstance(raw, dict):
        return [f'{where}: must be an object with a "type", e.g. {{"type": "intro", "duration": 1.5}}.']
    kind = raw.get("type")
    if kind not in SCENE_TYPES:
        return [f"{where}.type: {kind!r} is unknown; use one of {', '.join(SCENE_TYPES)}."]
    known = _COMMON_FIELDS | _SCENE_FIELDS[kind]
    errors = [
        f"{where}.{name}: is not a field of a {kind} scene; it takes {', '.join(sorted(known - {'type'}))}."
        for name in sorted(set(raw) - known, key=str)
    ]
    duration = raw.get("duration")
    valid_duration = isinstance(duration, (int, float)) and not isinstance(duration, bool)
    valid_duration = valid_duration and 0 < duration <= MAX_SCENE_SECONDS
    base = {"type": kind, "duration": duration if valid_duration else 2, **_PROBE_SCENES.get(kind, {})}
    for name in sorted(known & set(raw) - {"type"}):
        probe = {**base, name: raw[name]}
        errors += [_located(f"{where}.{name}", message, field=name) for message in _scene_problems(probe, around, fps)]
    if "duration" not in raw:
        errors.append(f"{where}.duration: missing; give the scene's length in seconds, e.g. 2.")
    if not errors:  # fields fine alone; together (e.g. end_frame with source "text") perhaps not
        errors = [_located(where, message) for message in _scene_problems(dict(raw), around, fps)]
    return errors


def _scene_problems(scene: dict, around: dict, fps: int) -> list[str]:
    if "transition" in scene:  # the first scene has no entrance: probe it second, after a scene long enough
        scenes = [{"type": "product_shots", "duration": 10, "max_shots": 1}, scene]
    elif scene["type"] in ("product_shots", "presenter"):
        scenes = [scene]
    else:
        scenes = [scene, _PRODUCT_SCENE]
    return _problems({**around, "scenes": scenes}, fps)


def _problems(spec: dict, fps: int) -> list[str]:
    try:
        template_spec_parse(spec, fps=fps)
    except ValidationError as exc:
        return exc.messages
    return []


def _located(where: str, message: str, *, field: str = "") -> str:
    """`where: message` without the parser's own "scene 1 (cta): " and the field's name at its start; a message
    that names a part of the field ("colours.text must be ...") keeps that finer location."""
    message = _SCENE_PREFIX.sub("", message)
    if field:
        finer = re.match(rf"^{re.escape(field)}(\.[\w.-]+):? (.*)$", message, re.DOTALL)
        if finer:
            return f"{where}{finer.group(1)}: {finer.group(2)}"
        for prefix in (f"{field}: ", f"{field} "):
            if message.startswith(prefix):
                message = message[len(prefix) :]
                break
    return f"{where}: {message}"


def _located_whole(message: str) -> str:
    """A whole-spec message ("scene 3 (cta): ...") with its scene written as scenes[2]."""
    found = _SCENE_PREFIX.match(message)
    if found is None:
        return message
    return f"scenes[{int(found.group(1)) - 1}]: {message[found.end() :]}"
