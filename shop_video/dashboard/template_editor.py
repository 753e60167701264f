"""The visual template editor's form: one set of controls per scene, read back into a spec.

The page carries the spec it edits as JSON in a hidden `base` field, and each scene's controls carry the index of
the scene they edit there (`scene`), in the order the page shows them: dragging a scene (or its move buttons)
reorders those, so the posted order is the new order. Fields the form has no control for (music, prompts'
negative text, options, ...) stay as they are in `base`. Add, remove and move without JavaScript are submit
buttons (`action`) answered with the form again, not saved. Every number and text is bounded here or by the spec
parser; a value of the wrong kind is passed on as typed, so the parser's message names it and its scene.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.http import QueryDict

from generation.template_spec import (
    COLOUR_ROLES,
    MAX_CAMERAS,
    MAX_SCENE_SECONDS,
    MAX_SCENES,
    MAX_SCRIPT_CHARS,
    MAX_SPEC_BYTES,
    MAX_TEXT_CHARS,
    PRESENTER_LAYOUTS,
    SCENE_TYPES,
)

# The merge fields the editor offers beside a text (the spec allows more: docs/templates.md lists them).
MERGE_FIELDS_OFFERED = (
    ("Product title", "{{ product.title }}"),
    ("Price", "{{ variant.price|price }}"),
    ("Old price", "{{ variant.compare_at_price|price }}"),
    ("Brand", "{{ product.brand }}"),
    ("Shop name", "{{ brand.name }}"),
    ("Product type", "{{ product.product_type }}"),
    ("Product link", "{{ product.url }}"),
)
SCENE_LABELS = {
    "intro": "Logo intro",
    "title": "Title card",
    "product_shots": "Product shots",
    "price_card": "Price card",
    "features": "Feature list",
    "cta": "Call to action",
    "outro": "Logo outro",
    "presenter": "Presenter",
}
# Per scene type, its text controls: (spec field, label, longest, multi-line).
TEXT_FIELDS = {
    "intro": (("tagline", "Tagline", MAX_TEXT_CHARS, False),),
    "outro": (("tagline", "Tagline", MAX_TEXT_CHARS, False),),
    "price_card": (("headline", "Headline", MAX_TEXT_CHARS, False),),
    "features": (("heading", "Heading", MAX_TEXT_CHARS, False),),
    "cta": (("text", "Button text", MAX_TEXT_CHARS, False), ("url", "Link (and QR code)", MAX_TEXT_CHARS, False)),
    "product_shots": (("prompt", "What the shots show (for generated video)", MAX_TEXT_CHARS * 4, True),),
    "presenter": (("script", "What the presenter says", MAX_SCRIPT_CHARS, True),),
    "title": (),
}
# Per scene type, its whole-number controls: (spec field, label, smallest, largest, default).
NUMBER_FIELDS = {
    "features": (("max_bullets", "Bullets, at most", 1, 5, 4),),
    "product_shots": (("max_shots", "Photos, at most", 1, 20, 3),),
}
CHECKBOXES = {"cta": (("qr", "Show a QR code"),), "product_shots": (("badge", "Discount badge while on sale"),)}
DEFAULT_SCENES = {  # what "Add scene" adds
    "intro": {"type": "intro", "duration": 1.5, "tagline": ""},
    "title": {"type": "title", "duration": 2.0},
    "product_shots": {"type": "product_shots", "duration": 3.0, "cameras": ["push_in"], "max_shots": 3},
    "price_card": {"type": "price_card", "duration": 2.0, "headline": "Now on sale"},
    "features": {"type": "features", "duration": 3.0, "heading": "Why you'll love it", "max_bullets": 4},
    "cta": {"type": "cta", "duration": 2.0, "text": "Shop now", "url": "{{ product.url }}"},
    "outro": {"type": "outro", "duration": 1.5},
    "presenter": {"type": "presenter", "duration": 6.0, "script": "Meet the {{ product.title }}."},
}
MAX_FIELD_CHARS = MAX_SCRIPT_CHARS * 2  # any posted text: longer is cut here (the parser then names the limit)
NOT_A_NUMBER = "not a number"


class EditorInputError(ValueError):
    """The post is not the editor's (a hidden field changed or missing): reload the page."""


@dataclass
class EditorState:
    """What the editor shows: the spec as edited so far, the name and description, the colours."""

    spec: dict
    name: str
    description: str
    action: str = "save"
    own_colours: bool = False
    notes: list[str] = field(default_factory=list)


def editor_state_from_post(post: QueryDict) -> EditorState:
    """The spec the form describes, after its action (add, remove, up, down) if it is one of those."""
    base = _base_spec(post.get("base", ""))
    scenes = []
    positions = post.getlist("scene")
    if len(positions) > MAX_SCENES:
        raise EditorInputError(f"The form has {len(positions)} scenes; a template has at most {MAX_SCENES}.")
    for position in positions:
        if not position.isdigit() or int(position) >= len(base["scenes"]):
            raise EditorInputError("The form does not match the template any more; reload the page.")
        scenes.append(_scene_from_post(post, f"s{position}-", dict(base["scenes"][int(position)])))
    spec = {**base, "scenes": scenes}
    own_colours = post.get("own_colours") == "on"
    spec.pop("colours", None)
    if own_colours:
        spec["colours"] = {role: post.get(f"colour_{role}", "")[:16].lower() for role in COLOUR_ROLES}
    state = EditorState(
        spec=spec,
        name=post.get("name", "")[:MAX_FIELD_CHARS],
        description=post.get("description", "")[:MAX_FIELD_CHARS],
        action=_action(post),
        own_colours=own_colours,
    )
    _apply_action(state)
    return state


def _action(post: QueryDict) -> str:
    action = post.get("action", "save")[:40]
    return f"add:{post.get('add_type', '')[:40]}" if action == "add" else action


def _base_spec(raw: str) -> dict:
    if len(raw) > MAX_SPEC_BYTES * 2:
        raise EditorInputError(f"The template is over {MAX_SPEC_BYTES:,} bytes; edit it as JSON instead.")
    try:
        base = json.loads(raw)
    except ValueError:
        raise EditorInputError("The form does not match the template any more; reload the page.") from None
    if not isinstance(base, dict) or not isinstance(base.get("scenes"), list):
        raise EditorInputError("The form does not match the template any more; reload the page.")
    return base


def _scene_from_post(post: QueryDict, prefix: str, scene: dict) -> dict:
    kind = scene.get("type")
    value = lambda name: post.get(prefix + name, "")[:MAX_FIELD_CHARS]  # noqa: E731
    scene["duration"] = _number(value("duration"), MAX_SCENE_SECONDS)
    if kind != "presenter":
        _text_set(scene, "caption", value("caption"))
    transition = value("transition")[:40]
    if transition == "cut":
        scene.pop("transition", None)
    elif transition:  # an unknown kind goes on to the parser, which names the ones there are
        scene["transition"] = {"type": transition, "duration": _number(value("transition_duration") or "0.4", 2)}
    for name, _, _, _ in TEXT_FIELDS.get(kind, ()):
        if name == "script" and isinstance(scene.get("script"), dict):
            scene["script"] = {
                language: value(f"script-{language}") for language in scene["script"] if isinstance(language, str)
            }
        elif prefix + name in post:
            _text_set(scene, name, value(name))
    for name, _, _low, high, _ in NUMBER_FIELDS.get(kind, ()):
        number = _number(value(name), high)
        scene[name] = int(number) if isinstance(number, float) and number.is_integer() else number
    for name, _ in CHECKBOXES.get(kind, ()):
        scene[name] = post.get(prefix + name) == "on"
    if kind == "product_shots":
        cameras = [camera[:40] for camera in post.getlist(prefix + "cameras")[: MAX_CAMERAS + 1]]
        scene["cameras"] = cameras or scene.get("cameras") or ["push_in"]  # unknown ones: the parser names them
    if kind == "presenter" and value("layout") in PRESENTER_LAYOUTS:
        scene["layout"] = value("layout")
    return scene


def _text_set(scene: dict, name: str, text: str) -> None:
    if text or name in scene:
        scene[name] = text.replace("\r\n", "\n")


def _number(raw: str, largest: float) -> float | str:
    """A float, or the text as typed (the parser then says what is wrong with it). Bounded: a huge or
    non-finite number is passed on as largest + 1, which the parser refuses with its range."""
    try:
        number = float(raw)
    except ValueError:
        return raw.strip()[:40] or NOT_A_NUMBER
    if not abs(number) <= largest:  # NaN too
        return largest + 1
    return round(number, 3)


def _apply_action(state: EditorState) -> None:
    scenes = state.spec["scenes"]
    verb, _, argument = state.action.partition(":")
    if verb == "add":
        if argument not in SCENE_TYPES:
            state.notes.append(f"Pick a scene type to add: {', '.join(SCENE_LABELS.values())}.")
        elif len(scenes) >= MAX_SCENES:
            state.notes.append(f"A template has at most {MAX_SCENES} scenes; remove one first.")
        else:
            scenes.append(dict(DEFAULT_SCENES[argument]))
            state.notes.append(f"{SCENE_LABELS[argument]} added at the end. Save to keep it.")
        return
    if verb not in ("remove", "up", "down") or not argument.isdigit() or int(argument) >= len(scenes):
        return
    index = int(argument)
    if verb == "remove":
        removed = scenes.pop(index)
        state.notes.append(
            f"Scene {index + 1} ({SCENE_LABELS.get(removed.get('type'), 'scene')}) removed. Save to keep it."
        )
    else:
        other = index - 1 if verb == "up" else index + 1
        if 0 <= other < len(scenes):
            scenes[index], scenes[other] = scenes[other], scenes[index]
            state.notes.append(f"Scene moved to position {other + 1}. Save to keep the new order.")


def editor_scenes(spec: dict, errors: list[str]) -> list[dict]:
    """Each scene's controls for the page: its kind, values, and the errors located in it (scenes[i]...)."""
    rows = []
    for index, scene in enumerate(spec.get("scenes") or []):
        if not isinstance(scene, dict):
            continue
        kind = scene.get("type")
        transition = scene.get("transition") if isinstance(scene.get("transition"), dict) else {}
        script = scene.get("script")
        rows.append(
            {
                "index": index,
                "kind": kind,
                "label": SCENE_LABELS.get(kind, str(kind)),
                "scene": scene,
                "texts": [
                    {"name": name, "label": label, "max": longest, "multiline": multiline, "value": scene.get(name, "")}
                    for name, label, longest, multiline in TEXT_FIELDS.get(kind, ())
                    if not (name == "script" and isinstance(script, dict))
                ],
                "scripts": sorted(script.items()) if isinstance(script, dict) else [],
                "numbers": [
                    {"name": name, "label": label, "min": low, "max": high, "value": scene.get(name, default)}
                    for name, label, low, high, default in NUMBER_FIELDS.get(kind, ())
                ],
                "checkboxes": [
                    {"name": name, "label": label, "value": bool(scene.get(name))}
                    for name, label in CHECKBOXES.get(kind, ())
                ],
                "transition": transition.get("type", "cut"),
                "transition_duration": transition.get("duration", 0.4),
                "errors": [
                    error.split(": ", 1)[1] if ": " in error else error
                    for error in errors
                    if error.startswith((f"scenes[{index}]:", f"scenes[{index}]."))
                ],
                "error_fields": [error.split(":", 1)[0] for error in errors if error.startswith(f"scenes[{index}].")],
            }
        )
    return rows


def editor_error_label(error: str) -> str:
    """ "scenes[2].duration: must be ..." -> "Scene 3, duration: must be ..." (people count from 1)."""
    if error.startswith("scenes[") and "]" in error:
        number, rest = error[len("scenes[") :].split("]", 1)
        if number.isdigit():
            where, _, message = rest.partition(": ")
            field_name = where.lstrip(".").replace("_", " ")
            return f"Scene {int(number) + 1}{', ' + field_name if field_name else ''}: {message}"
    return error
