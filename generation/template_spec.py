"""A VideoTemplate's spec: parsed from JSON into plain data, with errors that name the scene and the field.

    {"fps": 30, "family": "ltx",
     "transition": {"type": "crossfade", "duration": 0.4},
     "music": {"track": "summer-theme", "mood": "upbeat", "volume": 0.8, "fade_in": 0.5, "fade_out": 1.0},
     "scenes": [{"type": "intro", "duration": 1.5, "tagline": "{{ brand.name }}"},
                {"type": "product_shots", "duration": 3.0, "cameras": ["orbit", "pan_right"], "max_shots": 3,
                 "prompt": "{{ product.title }} by {{ product.brand }} on a marble table, soft daylight",
                 "caption": "{{ product.title }}", "badge": true},
                {"type": "price_card", "duration": 2.0, "headline": "Now on sale"},
                {"type": "features", "duration": 3.0, "heading": "Why you'll love it", "max_bullets": 4},
                {"type": "cta", "duration": 2.0, "text": "Shop now", "url": "{{ product.url }}", "qr": true},
                {"type": "outro", "duration": 1.5}],
     "options": {"locale": "de", "mood": "cosy"}}

docs/templates.md is the reference. Durations and transitions are rounded to whole frames here, once, so every
later step (shots, timeline, probe) agrees. Every text field (prompt, caption, headline, heading, text, url,
tagline, script) is a sandboxed Django template (generation/prompts.py); the old `{title}` placeholders are
refused with the new spelling. `options` (flat: text, numbers, true/false) reach them as `{{ options.<name> }}`;
`options.locale` (default "en") sets how `|price` writes money. `source: "text"` makes text-to-video shots (no
photo); `end_frame: true` ends each shot on the product's next photo; `engine` pins a scene to `dit` or `motion`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError

from generation.engines.dit.family import FAMILY_NAMES
from generation.engines.motion import CAMERA_PRESETS
from generation.prompts import MERGE_FIELDS, locale_clean, prompt_template_check
from generation.provenance.label_spec import AiLabelSettings, ai_label_parse
from generation.template_music import MusicSettings, is_number, music_parse

SCENE_TYPES = ("intro", "title", "product_shots", "price_card", "features", "cta", "outro", "presenter")
TRANSITION_TYPES = ("cut", "crossfade", "slide_left", "slide_up", "push", "zoom", "wipe")  # timeline.TRANSITION_KINDS
SHOT_ENGINES = ("dit", "motion")
PRESENTER_LAYOUTS = ("full", "split", "pip")
PRESENTER_FRAMINGS = ("head", "chest", "wide")
PRESENTER_ENGINES = ("presenter", "presenter-cpu")
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
MAX_SCENE_SECONDS = 180.0
# A product video, not a film: the longest built-in is 30 s. Bounds what one render costs (frames, shots, storage).
MAX_VIDEO_SECONDS = 300.0
MAX_SCENES = 20
MAX_SPEC_BYTES = 64 * 1024  # as compact JSON (the API and the dashboard check it before parsing)
TEMPLATE_DESCRIPTION_MAX_CHARS = 2000  # a VideoTemplate's description, for people
MAX_CAMERAS = 20  # per product_shots scene (they cycle over the shots)
MAX_SCRIPT_LANGUAGES = 20
MAX_OPTION_NUMBER = 10**15  # options reach text; a larger number is no price or size anyone writes
MAX_VOICE_TEXT_CHARS = 64
MAX_TEXT_CHARS = 500
MAX_SCRIPT_CHARS = 1500
PROMPT_FIELDS = MERGE_FIELDS  # the product fields merge_fields may override
DEFAULT_PROMPT = "{{ product.title }}, a product video, studio lighting, sharp details"
MAX_OPTIONS = 20
SHOT_SOURCES = ("photo", "text")


@dataclass(frozen=True)
class SceneTransition:
    type: str = "cut"
    frames: int = 0


CUT = SceneTransition()


@dataclass(frozen=True, kw_only=True)
class Scene:
    frames: int
    transition: SceneTransition = CUT  # how the scene enters over the one before it
    caption: str = ""  # a template; burned in over the scene and written to the caption sidecars


@dataclass(frozen=True, kw_only=True)
class TitleScene(Scene):
    pass


@dataclass(frozen=True, kw_only=True)
class IntroScene(Scene):
    tagline: str = ""


@dataclass(frozen=True, kw_only=True)
class OutroScene(Scene):
    tagline: str = ""


@dataclass(frozen=True, kw_only=True)
class ProductShotsScene(Scene):
    frames: int  # per shot
    cameras: tuple[str, ...] = ("push_in",)
    max_shots: int = 3
    prompt: str = DEFAULT_PROMPT
    negative_prompt: str = ""
    family: str | None = None
    source: str = "photo"
    end_frame: bool = False
    engine: str | None = None  # pins the scene to an engine unless the render request names one
    badge: bool = False  # the discount badge over the shots while the variant is on sale


@dataclass(frozen=True, kw_only=True)
class PriceCardScene(Scene):
    headline: str = ""


@dataclass(frozen=True, kw_only=True)
class FeaturesScene(Scene):
    heading: str = ""
    max_bullets: int = 4


@dataclass(frozen=True, kw_only=True)
class CtaScene(Scene):
    text: str = "Shop now"
    url: str = "{{ product.url }}"
    qr: bool = False


@dataclass(frozen=True, kw_only=True)
class PresenterScene(Scene):
    """The merchant's presenter speaks a script over the product: picture-in-picture by default (the product photo
    large, the host in a window beside it), split screen (host beside the product), or the full-frame host with a
    product card."""

    scripts: tuple[tuple[str, str], ...] = ()  # (language, template); language "" serves every language
    layout: str = "pip"  # product-first: the product large, the host in a window beside it
    presenter: str | None = None  # a presenter's slug; None: the merchant's default presenter
    framing: str | None = None  # head | chest | wide; None: the presenter's own
    engine: str | None = None  # presenter (GPU) or presenter-cpu; None: the job's choice

    def script_for(self, language: str) -> str | None:
        """The script in `language` (exact, then its primary subtag), else the one written for every language."""
        by_language = dict(self.scripts)
        primary = language.split("-")[0].lower()
        for key in (language.lower(), primary, ""):
            if key in by_language:
                return by_language[key]
        return None

    @property
    def languages(self) -> list[str]:
        return [language for language, _ in self.scripts if language]


@dataclass(frozen=True)
class VoiceOverSettings:
    """A voice-over spoken over the whole video by the TTS, the music ducked under it."""

    script: str  # a sandboxed template, like every other text
    start: float = 0.5  # seconds into the video
    voice: dict = field(default_factory=dict)  # VoiceSpec fields: engine, voice, speed, language


@dataclass(frozen=True)
class TemplateSpec:
    fps: int
    scenes: tuple[Scene, ...]
    family: str | None = None
    options: dict = field(default_factory=dict)  # the template options prompts see as {{ options.<name> }}
    music: MusicSettings = MusicSettings()
    shot_transition: SceneTransition = CUT  # the top-level transition: joins the shots inside a scene too
    burn_in_captions: bool = True  # false: captions go to the SRT / WebVTT sidecars only
    voiceover: VoiceOverSettings | None = None
    ai_label: AiLabelSettings = AiLabelSettings()  # the visible AI label (generation/provenance/label_spec.py)
    # The template's own card colours ("background", "text", "accent" -> "#rrggbb"), over the brand kit's.
    colours: dict = field(default_factory=dict)


def template_spec_parse(spec: Any, *, fps: int) -> TemplateSpec:
    """Validate a spec; `fps` is the platform default used when the spec names none."""
    if not isinstance(spec, dict):
        raise ValidationError('The template spec must be a JSON object with a "scenes" list.')
    unknown = sorted(set(spec) - TOP_LEVEL_FIELDS)
    if unknown:
        raise ValidationError(
            f"{unknown[0]!r} is not a template field; a template takes {', '.join(sorted(TOP_LEVEL_FIELDS))}."
        )
    fps = spec.get("fps", fps)
    if not isinstance(fps, int) or isinstance(fps, bool) or not 1 <= fps <= 60:
        raise ValidationError(f"fps must be a whole number from 1 to 60, got {fps!r}.")
    raw_scenes = spec.get("scenes")
    if not isinstance(raw_scenes, list) or not raw_scenes:
        raise ValidationError('The template needs a non-empty "scenes" list.')
    if len(raw_scenes) > MAX_SCENES:
        raise ValidationError(f"The template has {len(raw_scenes)} scenes; keep it to {MAX_SCENES}.")
    family = spec.get("family")
    if family is not None and family not in FAMILY_NAMES:
        raise ValidationError(f"family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}.")
    options = _options_parse(spec.get("options", {}))
    default_transition = _transition_parse("transition", spec.get("transition", {"type": "cut"}), fps)
    music = music_parse(spec.get("music", {}))
    voiceover = _voiceover_parse(spec["voiceover"], options) if spec.get("voiceover") is not None else None
    scenes = [
        _scene_parse(index, raw, fps, options, default_transition) for index, raw in enumerate(raw_scenes, start=1)
    ]
    if not any(isinstance(scene, (ProductShotsScene, PresenterScene)) for scene in scenes):
        raise ValidationError(
            'The template needs at least one scene that shows the product moving: "product_shots" or "presenter".'
        )
    scenes[0] = _without_entrance(scenes[0])
    for number, (previous, scene) in enumerate(zip(scenes, scenes[1:]), start=2):
        if scene.transition.frames >= min(previous.frames, scene.frames):
            raise ValidationError(
                f"scene {number} ({scene_type(scene)}): transition lasts "
                f"{scene.transition.frames / fps:g} s, as long as this scene or the one before; "
                "make it shorter than both."
            )
    for number, scene in enumerate(scenes, start=1):
        if isinstance(scene, ProductShotsScene) and scene.max_shots > 1 and default_transition.frames >= scene.frames:
            raise ValidationError(
                f"scene {number} (product_shots): its shots last {scene.frames / fps:g} s, no longer "
                "than the transition between them; make the shots longer or the transition shorter."
            )
    burn_in = spec.get("burn_in_captions", True)
    if not isinstance(burn_in, bool):
        raise ValidationError(f"burn_in_captions must be true or false, got {burn_in!r}.")
    parsed = TemplateSpec(fps=fps, scenes=tuple(scenes), shot_transition=default_transition)
    seconds = spec_max_frames(parsed) / fps
    if seconds > MAX_VIDEO_SECONDS:
        raise ValidationError(
            f"The video would last up to {seconds:g} s (every product_shots scene with its max_shots photos); "
            f"keep it to {MAX_VIDEO_SECONDS:g} s: fewer or shorter scenes, or a smaller max_shots."
        )
    return TemplateSpec(
        fps=fps,
        scenes=tuple(scenes),
        family=family,
        options=options,
        music=music,
        shot_transition=default_transition,
        burn_in_captions=burn_in,
        voiceover=voiceover,
        ai_label=ai_label_parse(spec.get("ai_label")),
        colours=_colours_parse(spec.get("colours", {})),
    )


def scene_type(scene: Scene) -> str:
    """The spec's name for a scene ("product_shots", "price_card", ...)."""
    return next(name for name, cls in _SCENE_CLASSES.items() if type(scene) is cls)


def spec_max_frames(spec: TemplateSpec) -> int:
    """The video's length in frames when every product_shots scene gets its max_shots photos (and the brand kit
    shows intro and outro): scenes end to end, less the overlap of each transition."""
    frames, first = 0, True
    for scene in spec.scenes:
        count = scene.max_shots if isinstance(scene, ProductShotsScene) else 1
        frames += scene.frames * count
        if not first:
            frames -= scene.transition.frames
        frames -= spec.shot_transition.frames * (count - 1)
        first = False
    return frames


COLOUR_ROLES = ("background", "text", "accent")  # card background, card text, badge and wipe band
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _colours_parse(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ValidationError(f'colours must be an object such as {{"background": "#1d3557"}}, got {raw!r}.')
    for role, value in raw.items():
        if role not in COLOUR_ROLES:
            raise ValidationError(f"colours.{role} is unknown; colours takes {', '.join(COLOUR_ROLES)}.")
        if not isinstance(value, str) or not _HEX_COLOUR.match(value):
            raise ValidationError(f'colours.{role} must be a colour written like "#1d3557", got {str(value)[:40]!r}.')
    return {role: value.lower() for role, value in raw.items()}


def _without_entrance(scene: Scene) -> Scene:
    """The first scene has nothing to transition from: it simply starts."""
    return replace(scene, transition=CUT)


def _options_parse(options: Any) -> dict:
    if not isinstance(options, dict):
        raise ValidationError(f'options must be an object such as {{"locale": "de"}}, got {options!r}.')
    if len(options) > MAX_OPTIONS:
        raise ValidationError(f"options has {len(options)} entries; keep it to {MAX_OPTIONS}.")
    for name, value in options.items():
        if not name.isidentifier() or name.startswith("_"):
            raise ValidationError(
                f"options.{name}: an option name is letters, digits and _, not starting with _ or a digit."
            )
        if not isinstance(value, (str, int, float, bool)) or (isinstance(value, str) and len(value) > 500):
            raise ValidationError(
                f"options.{name} must be text (up to 500 characters), a number or true/false, got {str(value)[:100]!r}."
            )
        if is_number(value) and not abs(value) <= MAX_OPTION_NUMBER:  # NaN and infinity fail it too
            raise ValidationError(
                f"options.{name} must be a number from -{MAX_OPTION_NUMBER:,} to {MAX_OPTION_NUMBER:,}, "
                f"got {str(value)[:40]}."
            )
    if "locale" in options:
        try:
            options = {**options, "locale": locale_clean(options["locale"])}
        except ValidationError as exc:
            raise ValidationError(f"options.{exc.messages[0]}") from None
    return dict(options)


def _transition_parse(where: str, raw: Any, fps: int) -> SceneTransition:
    if not isinstance(raw, dict):
        raise ValidationError(
            f'{where} must be an object such as {{"type": "crossfade", "duration": 0.4}}, got {raw!r}.'
        )
    kind = raw.get("type", "cut")
    if kind not in TRANSITION_TYPES:
        raise ValidationError(f"{where}: type {kind!r} is unknown; use one of {', '.join(TRANSITION_TYPES)}.")
    if kind == "cut":
        return CUT
    duration = raw.get("duration", 0.4)
    if not is_number(duration) or not 0 < duration <= 2:
        raise ValidationError(f"{where}: duration must be a number of seconds above 0 and at most 2, got {duration!r}.")
    return SceneTransition(type=kind, frames=max(1, round(duration * fps)))


_VOICEOVER_VOICE = {"engine": str, "voice": str, "speed": (int, float), "language": str}


def _voiceover_parse(raw: Any, options: dict) -> VoiceOverSettings:
    if not isinstance(raw, dict):
        raise ValidationError(
            'voiceover must be an object such as {"script": "Meet the {{ product.title }}.", '
            f'"start": 0.5}}, got {raw!r}.'
        )
    unknown = sorted(set(raw) - {"script", "start", *_VOICEOVER_VOICE})
    if unknown:
        raise ValidationError(
            f"voiceover.{unknown[0]} is unknown; voiceover takes script, start, {', '.join(_VOICEOVER_VOICE)}."
        )
    script = _script_text_parse("voiceover: script", raw.get("script"), options)
    start = raw.get("start", 0.5)
    if not is_number(start) or not 0 <= start <= MAX_SCENE_SECONDS:
        raise ValidationError(
            f"voiceover.start must be a number of seconds from 0 to {MAX_SCENE_SECONDS:g}, got {start!r}."
        )
    voice = {}
    for name, kind in _VOICEOVER_VOICE.items():
        if name in raw:
            if not isinstance(raw[name], kind) or isinstance(raw[name], bool):
                raise ValidationError(
                    f"voiceover.{name} must be {'a number' if name == 'speed' else 'text'}, got {raw[name]!r}."
                )
            if name == "speed" and not 0.5 <= raw[name] <= 2.0:
                raise ValidationError(f"voiceover.speed must be a number from 0.5 to 2.0, got {raw[name]!r}.")
            if isinstance(raw[name], str) and len(raw[name]) > MAX_VOICE_TEXT_CHARS:
                raise ValidationError(
                    f"voiceover.{name} is {len(raw[name])} characters; keep it to {MAX_VOICE_TEXT_CHARS}."
                )
            voice[name] = raw[name]
    return VoiceOverSettings(script=script, start=float(start), voice=voice)


def _scene_parse(index: int, raw: Any, fps: int, options: dict, default_transition: SceneTransition) -> Scene:
    where = f"scene {index}"
    if not isinstance(raw, dict):
        raise ValidationError(f'{where}: must be an object with a "type".')
    kind = raw.get("type")
    if kind not in SCENE_TYPES:
        raise ValidationError(f"{where}: type {kind!r} is unknown; use one of {', '.join(SCENE_TYPES)}.")
    where = f"{where} ({kind})"
    known = _COMMON_FIELDS | _SCENE_FIELDS[kind]
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValidationError(
            f"{where}: {unknown[0]!r} is not a field of this scene type; it takes "
            f"{', '.join(sorted(known - {'type'}))}."
        )
    duration = raw.get("duration")
    if not is_number(duration) or not 0 < duration <= MAX_SCENE_SECONDS:
        raise ValidationError(
            f"{where}: duration must be a number of seconds above 0 and at most "
            f"{MAX_SCENE_SECONDS:g}, got {duration!r}."
        )
    common = {
        "frames": max(1, round(duration * fps)),
        "transition": (
            _transition_parse(f"{where}: transition", raw["transition"], fps)
            if "transition" in raw
            else default_transition
        ),
        "caption": _text_parse(where, "caption", raw.get("caption", ""), options),
    }
    text = lambda name, default="": _text_parse(where, name, raw.get(name, default), options)  # noqa: E731
    if kind == "title":
        return TitleScene(**common)
    if kind == "intro":
        return IntroScene(**common, tagline=text("tagline"))
    if kind == "outro":
        return OutroScene(**common, tagline=text("tagline"))
    if kind == "price_card":
        return PriceCardScene(**common, headline=text("headline"))
    if kind == "features":
        max_bullets = raw.get("max_bullets", 4)
        if not isinstance(max_bullets, int) or isinstance(max_bullets, bool) or not 1 <= max_bullets <= 5:
            raise ValidationError(f"{where}: max_bullets must be a whole number from 1 to 5, got {max_bullets!r}.")
        return FeaturesScene(**common, heading=text("heading"), max_bullets=max_bullets)
    if kind == "cta":
        qr = _bool_parse(where, "qr", raw.get("qr", False))
        return CtaScene(
            **common, text=text("text", CtaScene.text) or CtaScene.text, url=text("url", CtaScene.url), qr=qr
        )
    if kind == "presenter":
        layout = raw.get("layout", "pip")
        if layout not in PRESENTER_LAYOUTS:
            raise ValidationError(f"{where}: layout {layout!r} is unknown; use one of {', '.join(PRESENTER_LAYOUTS)}.")
        return _presenter_parse(where, raw, options, common, layout)
    return _product_shots_parse(where, raw, options, common)


def _presenter_parse(where: str, raw: dict, options: dict, common: dict, layout: str) -> PresenterScene:
    if common["caption"]:
        raise ValidationError(
            f"{where}: caption is not used here: a presenter scene is captioned with what the "
            "presenter says, word by word; remove caption."
        )
    script = raw.get("script", "")
    if isinstance(script, dict):
        if not script:
            raise ValidationError(
                f'{where}: script has no languages; write it as text, or as {{"en": "...", "de": "..."}}.'
            )
        if len(script) > MAX_SCRIPT_LANGUAGES:
            raise ValidationError(f"{where}: script has {len(script)} languages; keep it to {MAX_SCRIPT_LANGUAGES}.")
        scripts = []
        for language, text in script.items():
            if not isinstance(language, str) or not _LANGUAGE_TAG.match(language.lower()):
                raise ValidationError(
                    f"{where}: script language {language!r} is not a language tag such as en, de or pt-br."
                )
            scripts.append((language.lower(), _script_text_parse(f"{where}: script.{language}", text, options)))
    else:
        scripts = [("", _script_text_parse(f"{where}: script", script, options))]
    presenter = raw.get("presenter")
    if presenter is not None and (not isinstance(presenter, str) or not re.match(r"^[-a-zA-Z0-9_]{1,64}$", presenter)):
        raise ValidationError(f"{where}: presenter must be the slug of one of your presenters, got {presenter!r}.")
    framing = raw.get("framing")
    if framing is not None and framing not in PRESENTER_FRAMINGS:
        raise ValidationError(f"{where}: framing {framing!r} is unknown; use one of {', '.join(PRESENTER_FRAMINGS)}.")
    engine = raw.get("engine")
    if engine is not None and engine not in PRESENTER_ENGINES:
        raise ValidationError(f"{where}: engine {engine!r} is unknown; use one of {', '.join(PRESENTER_ENGINES)}.")
    return PresenterScene(
        **common, scripts=tuple(scripts), layout=layout, presenter=presenter, framing=framing, engine=engine
    )


def _script_text_parse(where: str, value: Any, options: dict) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{where} is empty; write what the presenter says (hook, benefits, price, call to "
            'action), e.g. "Meet the {{ product.title }}, now {{ variant.price|price }}."'
        )
    prompt_template_check(value, field=where, options=options)
    if len(value) > MAX_SCRIPT_CHARS:
        raise ValidationError(
            f"{where} is {len(value)} characters; keep a script under {MAX_SCRIPT_CHARS} (about a minute of speech)."
        )
    return value


def _product_shots_parse(where: str, raw: dict, options: dict, common: dict) -> ProductShotsScene:
    cameras = raw.get("cameras", ["push_in"])
    if not isinstance(cameras, list) or not cameras:
        raise ValidationError(f"{where}: cameras must be a non-empty list.")
    if len(cameras) > MAX_CAMERAS:
        raise ValidationError(f"{where}: cameras has {len(cameras)} entries; keep it to {MAX_CAMERAS}.")
    unknown = [camera for camera in cameras if camera not in CAMERA_PRESETS]
    if unknown:
        raise ValidationError(f"{where}: unknown camera {unknown[0]!r}; use one of {', '.join(CAMERA_PRESETS)}.")
    max_shots = raw.get("max_shots", 3)
    if not isinstance(max_shots, int) or isinstance(max_shots, bool) or not 1 <= max_shots <= 20:
        raise ValidationError(f"{where}: max_shots must be a whole number from 1 to 20, got {max_shots!r}.")
    prompt = _prompt_parse(where, "prompt", raw.get("prompt", DEFAULT_PROMPT), options)
    negative_prompt = _prompt_parse(where, "negative_prompt", raw.get("negative_prompt", ""), options)
    family = raw.get("family")
    if family is not None and family not in FAMILY_NAMES:
        raise ValidationError(f"{where}: family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}.")
    source = raw.get("source", "photo")
    if source not in SHOT_SOURCES:
        raise ValidationError(f"{where}: source {source!r} is unknown; use one of {', '.join(SHOT_SOURCES)}.")
    end_frame = _bool_parse(where, "end_frame", raw.get("end_frame", False))
    if end_frame and source == "text":
        raise ValidationError(f'{where}: end_frame needs photos; it cannot be used with source "text".')
    engine = raw.get("engine")
    if engine is not None and engine not in SHOT_ENGINES:
        raise ValidationError(f"{where}: engine {engine!r} is unknown; use one of {', '.join(SHOT_ENGINES)}.")
    return ProductShotsScene(
        **common,
        cameras=tuple(cameras),
        max_shots=max_shots,
        prompt=prompt,
        negative_prompt=negative_prompt,
        family=family,
        source=source,
        end_frame=end_frame,
        engine=engine,
        badge=_bool_parse(where, "badge", raw.get("badge", False)),
    )


def _bool_parse(where: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{where}: {name} must be true or false, got {value!r}.")
    return value


def _prompt_parse(where: str, name: str, value: Any, options: dict) -> str:
    prompt_template_check(value, field=f"{where}: {name}", options=options)
    return value


def _text_parse(where: str, name: str, value: Any, options: dict) -> str:
    """An on-screen text: a sandboxed template like a prompt, but short enough to read."""
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise ValidationError(
            f"{where}: {name} is {len(value)} characters; on-screen text must stay under {MAX_TEXT_CHARS}."
        )
    prompt_template_check(value, field=f"{where}: {name}", options=options)
    return value


TOP_LEVEL_FIELDS = {
    "fps",
    "family",
    "transition",
    "music",
    "options",
    "scenes",
    "burn_in_captions",
    "voiceover",
    "ai_label",
    "colours",
}
_COMMON_FIELDS = {"type", "duration", "transition", "caption"}
_SCENE_FIELDS = {
    "title": set(),
    "intro": {"tagline"},
    "outro": {"tagline"},
    "price_card": {"headline"},
    "features": {"heading", "max_bullets"},
    "cta": {"text", "url", "qr"},
    "presenter": {"script", "layout", "presenter", "framing", "engine"},
    "product_shots": {
        "cameras",
        "max_shots",
        "prompt",
        "negative_prompt",
        "family",
        "source",
        "end_frame",
        "engine",
        "badge",
    },
}
_SCENE_CLASSES = {
    "title": TitleScene,
    "intro": IntroScene,
    "outro": OutroScene,
    "price_card": PriceCardScene,
    "features": FeaturesScene,
    "cta": CtaScene,
    "presenter": PresenterScene,
    "product_shots": ProductShotsScene,
}
