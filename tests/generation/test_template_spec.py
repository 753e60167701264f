"""Template specs: the DiT fields (family, prompt, source, end_frame) and errors that name the scene and field."""

import pytest
from django.core.exceptions import ValidationError

from generation.template_spec import DEFAULT_PROMPT, template_spec_parse


def spec(**scene):
    return {
        "family": "wan",
        "scenes": [{"type": "title", "duration": 1}, {"type": "product_shots", "duration": 2, **scene}],
    }


def test_dit_fields_are_parsed_with_defaults():
    parsed = template_spec_parse(spec(), fps=30)
    scene = parsed.scenes[1]
    assert parsed.family == "wan" and scene.family is None
    assert (scene.prompt, scene.source, scene.end_frame) == (DEFAULT_PROMPT, "photo", False)
    scene = template_spec_parse(
        spec(family="cogvideox", prompt="{{ product.title }} on a table", source="text", cameras=["orbit"]), fps=30
    ).scenes[1]
    assert (scene.family, scene.prompt, scene.source, scene.cameras) == (
        "cogvideox",
        "{{ product.title }} on a table",
        "text",
        ("orbit",),
    )


@pytest.mark.parametrize(
    ("scene", "message"),
    [
        ({"family": "sora"}, "scene 2 (product_shots): family 'sora' is unknown; use one of ltx, wan, cogvideox."),
        (
            {"prompt": "{{ product.title }} for {{ product.price }}"},
            "scene 2 (product_shots): prompt uses 'product.price', which prompts cannot read",
        ),
        (
            {"prompt": "{title} for {price}"},
            "scene 2 (product_shots): prompt uses {title}, the old placeholder syntax; "
            "prompts are Django templates now: write {{ product.title }}",
        ),
        (
            {"prompt": "{{ product.title.__class__ }}"},
            "prompt is not a valid template: Variables and attributes may "
            "not begin with underscores: 'product.title.__class__'",
        ),
        ({"prompt": "{{ product.title.0 }}"}, "prompt uses 'product.title.0'"),
        (
            {"negative_prompt": "blurry {% if %}"},
            "scene 2 (product_shots): negative_prompt is not a valid template: Unexpected end of expression in if tag.",
        ),
        ({"negative_prompt": "{% load static %}"}, "scene 2 (product_shots): negative_prompt uses the tag {% load %}"),
        (
            {"prompt": "{{ options.mood }}"},
            "prompt uses 'options.mood', which prompts cannot read (options has no 'mood')",
        ),
        ({"prompt": 42}, "scene 2 (product_shots): prompt must be text, got 42."),
        ({"prompt": "x" * 2001}, "prompt is 2001 characters; keep it under 2000."),
        ({"source": "video"}, "source 'video' is unknown; use one of photo, text."),
        ({"end_frame": "yes"}, "end_frame must be true or false, got 'yes'."),
        ({"end_frame": True, "source": "text"}, "end_frame needs photos"),
        ({"cameras": ["dolly_zoom"]}, "unknown camera 'dolly_zoom'"),
    ],
)
def test_bad_scene_fields_are_refused_naming_scene_and_field(scene, message):
    with pytest.raises(ValidationError) as error:
        template_spec_parse(spec(**scene), fps=30)
    assert message in " ".join(error.value.messages)


def test_an_unknown_template_family_is_refused():
    with pytest.raises(ValidationError, match="family 'kling' is unknown"):
        template_spec_parse({**spec(), "family": "kling"}, fps=30)


def test_template_options_are_parsed_and_open_their_names_to_prompts():
    parsed = template_spec_parse(
        {**spec(prompt="{{ product.title }}, {{ options.mood }}"), "options": {"mood": "cosy", "locale": "de-DE"}},
        fps=30,
    )
    assert parsed.options == {"mood": "cosy", "locale": "de"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"locale": "tlh"}, "options.locale 'tlh' is not supported; use one of en, de, fr"),
        ({"mood": {"a": 1}}, "options.mood must be text (up to 500 characters), a number or true/false"),
        ({"_x": "y"}, "options._x: an option name is letters, digits and _"),
        (["de"], "options must be an object"),
    ],
)
def test_bad_template_options_are_refused_naming_them(options, message):
    with pytest.raises(ValidationError) as error:
        template_spec_parse({**spec(), "options": options}, fps=30)
    assert message in " ".join(error.value.messages)


def full_spec(**changes):
    spec = {
        "fps": 30,
        "transition": {"type": "crossfade", "duration": 0.4},
        "scenes": [
            {"type": "intro", "duration": 1.5, "tagline": "{{ brand.name }}"},
            {"type": "product_shots", "duration": 2.0, "caption": "{{ product.title }}", "badge": True},
            {"type": "features", "duration": 2.0, "heading": "Why", "max_bullets": 3},
            {
                "type": "price_card",
                "duration": 2.0,
                "headline": "Sale",
                "transition": {"type": "slide_up", "duration": 0.3},
            },
            {"type": "cta", "duration": 2.0, "qr": True},
            {"type": "outro", "duration": 1.0},
        ],
    }
    spec.update(changes)
    return spec


def test_every_scene_type_parses_with_its_transition_and_the_first_scene_just_starts():
    from generation.template_spec import (
        CtaScene,
        FeaturesScene,
        IntroScene,
        OutroScene,
        PriceCardScene,
        ProductShotsScene,
        SceneTransition,
        spec_max_frames,
    )

    parsed = template_spec_parse(full_spec(), fps=30)
    assert [type(scene) for scene in parsed.scenes] == [
        IntroScene,
        ProductShotsScene,
        FeaturesScene,
        PriceCardScene,
        CtaScene,
        OutroScene,
    ]
    assert parsed.scenes[0].transition == SceneTransition()  # nothing to come from
    assert parsed.scenes[1].transition == SceneTransition("crossfade", 12)
    assert parsed.scenes[3].transition == SceneTransition("slide_up", 9)
    assert parsed.scenes[4].url == "{{ product.url }}" and parsed.scenes[4].text == "Shop now"
    assert parsed.music.enabled and parsed.music.volume == 0.8
    # 45 + 3 x 60 + 60 + 60 + 60 + 30 frames; 5 entrances (4 x 12 + 9) and 2 shot joins (12) overlap.
    assert spec_max_frames(parsed) == 45 + 180 + 60 + 60 + 60 + 30 - (4 * 12 + 9) - 2 * 12


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"scenes": [{"type": "product_shots", "duration": 2, "captoin": "x"}]},
            "scene 1 (product_shots): 'captoin' is not a field of this scene type; it takes",
        ),
        ({"transition": {"type": "spin"}}, "transition: type 'spin' is unknown; use one of cut, crossfade, slide_left"),
        (
            {"transition": {"type": "crossfade", "duration": 3}},
            "transition: duration must be a number of seconds above 0 and at most 2, got 3.",
        ),
        (
            {"transition": {"type": "crossfade", "duration": 1.5}},
            "scene 2 (product_shots): transition lasts 1.5 s, as long as this scene or the one before",
        ),
        ({"music": {"volume": 2}}, "music.volume must be a number from 0 to 1, got 2."),
        ({"music": {"bpm": 120}}, "music.bpm is unknown"),
        ({"music": {"tempo": 300}}, "music.tempo must be a number of beats per minute from 60 to 180, got 300."),
        ({"voiceover": {"script": "Hi", "pitch": 2}}, "voiceover.pitch is unknown"),
        ({"voiceover": {"script": "{% load static %}"}}, "voiceover: script"),
        ({"music": "loud"}, "music must be false or an object"),
    ],
)
def test_spec_level_mistakes_are_named(change, message):
    with pytest.raises(ValidationError) as error:
        template_spec_parse(full_spec(**change), fps=30)
    assert message in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("index", "field", "value", "message"),
    [
        (2, "max_bullets", 9, "scene 3 (features): max_bullets must be a whole number from 1 to 5, got 9."),
        (4, "qr", "yes", "scene 5 (cta): qr must be true or false, got 'yes'."),
        (1, "badge", 1, "scene 2 (product_shots): badge must be true or false, got 1."),
        (1, "engine", "sora", "scene 2 (product_shots): engine 'sora' is unknown; use one of dit, motion."),
        (1, "caption", "{{ product.merchant.api_keys }}", "scene 2 (product_shots): caption uses 'product.merchant"),
        (
            1,
            "caption",
            "x" * 501,
            "scene 2 (product_shots): caption is 501 characters; on-screen text must stay under 500.",
        ),
        (3, "headline", "{% include 'secrets.txt' %}", "scene 4 (price_card): headline uses the tag {% include %}"),
        (4, "url", "{{ product.url|safe }}", "scene 5 (cta): url"),
        (0, "tagline", "{title}", "scene 1 (intro): tagline uses {title}, the old placeholder syntax"),
        (3, "transition", {"type": "slide_up", "duration": 2}, "scene 4 (price_card): transition lasts 2 s"),
    ],
)
def test_scene_field_mistakes_name_the_scene_and_field(index, field, value, message):
    spec = full_spec()
    spec["scenes"][index][field] = value
    with pytest.raises(ValidationError) as error:
        template_spec_parse(spec, fps=30)
    assert message in " ".join(error.value.messages)


def test_presenter_scene_slot_is_validated():
    spec = full_spec()
    spec["scenes"].insert(
        2, {"type": "presenter", "duration": 5, "script": "Meet {{ product.title }}", "layout": "pip"}
    )
    scene = template_spec_parse(spec, fps=30).scenes[2]
    assert (scene.scripts, scene.layout) == ((("", "Meet {{ product.title }}"),), "pip")
    spec["scenes"][2]["layout"] = "hologram"
    with pytest.raises(ValidationError, match=r"scene 3 \(presenter\): layout 'hologram' is unknown"):
        template_spec_parse(spec, fps=30)
    spec["scenes"][2] = {"type": "presenter", "duration": 5}
    with pytest.raises(ValidationError, match=r"scene 3 \(presenter\): script is empty"):
        template_spec_parse(spec, fps=30)


def test_every_builtin_preset_parses_and_the_bumper_lasts_six_seconds():
    import json

    from generation.presets import PRESETS_DIR
    from generation.template_spec import spec_max_frames

    presets = {path.stem: json.loads(path.read_text()) for path in PRESETS_DIR.glob("*.json")}
    assert {"fashion-lookbook", "beauty-glow", "electronics-spec", "home-cosy", "food-fresh", "quick-bumper"} <= set(
        presets
    )
    for slug, data in presets.items():
        assert data["slug"] == slug
        parsed = template_spec_parse(data["spec"], fps=30)
        assert 5 <= spec_max_frames(parsed) / parsed.fps <= 30, slug
    bumper = template_spec_parse(presets["quick-bumper"]["spec"], fps=30)
    assert spec_max_frames(bumper) / bumper.fps == pytest.approx(6.0)


def test_music_names_a_brand_kit_track_or_a_mood():
    parsed = template_spec_parse(full_spec(music={"track": "summer_theme-2", "mood": "calm", "volume": 0.4}), fps=30)
    assert (parsed.music.track, parsed.music.mood, parsed.music.volume) == ("summer_theme-2", "calm", 0.4)
    default = template_spec_parse(full_spec(), fps=30).music
    assert default.track is None and default.mood is None


@pytest.mark.parametrize(
    ("music", "message"),
    [
        (
            {"track": "Summer Theme!"},
            "music.track must be the name of one of the brand kit's tracks (letters, digits, "
            "- and _, at most 50), got 'Summer Theme!'.",
        ),
        ({"track": 7}, "music.track must be the name of one of the brand kit's tracks"),
        ({"track": ""}, "music.track must be the name"),
        ({"mood": "sad"}, "music.mood 'sad' is unknown; use one of upbeat, calm, elegant, energetic, warm."),
        ({"bpm": 1}, "music takes track, mood, tempo, volume, fade_in and fade_out."),
    ],
)
def test_music_track_and_mood_mistakes_are_named(music, message):
    with pytest.raises(ValidationError) as error:
        template_spec_parse(full_spec(music=music), fps=30)
    assert message in " ".join(error.value.messages)


def test_an_unknown_top_level_field_is_named_not_ignored():
    with pytest.raises(
        ValidationError, match="'transtion' is not a template field; a template takes ai_label, burn_in_captions"
    ):
        template_spec_parse(full_spec(transtion={"type": "crossfade"}), fps=30)
    with pytest.raises(ValidationError, match="burn_in_captions must be true or false, got 'no'"):
        template_spec_parse(full_spec(burn_in_captions="no"), fps=30)
    assert template_spec_parse(full_spec(burn_in_captions=False), fps=30).burn_in_captions is False


@pytest.mark.parametrize("kind", ["push", "zoom", "wipe"])
def test_the_motion_transitions_parse_to_whole_frames(kind):
    from generation.template_spec import SceneTransition

    parsed = template_spec_parse(spec(transition={"type": kind, "duration": 0.35}), fps=30)
    assert parsed.scenes[1].transition == SceneTransition(kind, 10)
