"""Template specs: the DiT fields (family, prompt, source, end_frame) and errors that name the scene and field."""

import pytest
from django.core.exceptions import ValidationError

from generation.template_spec import DEFAULT_PROMPT, template_spec_parse


def spec(**scene):
    return {"family": "wan", "scenes": [{"type": "title", "duration": 1},
                                        {"type": "product_shots", "duration": 2, **scene}]}


def test_dit_fields_are_parsed_with_defaults():
    parsed = template_spec_parse(spec(), fps=30)
    scene = parsed.scenes[1]
    assert parsed.family == "wan" and scene.family is None
    assert (scene.prompt, scene.source, scene.end_frame) == (DEFAULT_PROMPT, "photo", False)
    scene = template_spec_parse(spec(family="cogvideox", prompt="{{ product.title }} on a table", source="text",
                                     cameras=["orbit"]), fps=30).scenes[1]
    assert (scene.family, scene.prompt, scene.source, scene.cameras) == (
        "cogvideox", "{{ product.title }} on a table", "text", ("orbit",))


@pytest.mark.parametrize(("scene", "message"), [
    ({"family": "sora"}, "scene 2 (product_shots): family 'sora' is unknown; use one of ltx, wan, cogvideox."),
    ({"prompt": "{{ product.title }} for {{ product.price }}"},
     "scene 2 (product_shots): prompt uses 'product.price', which prompts cannot read"),
    ({"prompt": "{title} for {price}"}, "scene 2 (product_shots): prompt uses {title}, the old placeholder syntax; "
                                        "prompts are Django templates now: write {{ product.title }}"),
    ({"prompt": "{{ product.title.__class__ }}"}, "prompt is not a valid template: Variables and attributes may "
                                                  "not begin with underscores: 'product.title.__class__'"),
    ({"prompt": "{{ product.title.0 }}"}, "prompt uses 'product.title.0'"),
    ({"negative_prompt": "blurry {% if %}"}, "scene 2 (product_shots): negative_prompt is not a valid template: "
                                             "Unexpected end of expression in if tag."),
    ({"negative_prompt": "{% load static %}"}, "scene 2 (product_shots): negative_prompt uses the tag {% load %}"),
    ({"prompt": "{{ options.mood }}"}, "prompt uses 'options.mood', which prompts cannot read (options has no "
                                       "'mood')"),
    ({"prompt": 42}, "scene 2 (product_shots): prompt must be text, got 42."),
    ({"prompt": "x" * 2001}, "prompt is 2001 characters; keep it under 2000."),
    ({"source": "video"}, "source 'video' is unknown; use one of photo, text."),
    ({"end_frame": "yes"}, "end_frame must be true or false, got 'yes'."),
    ({"end_frame": True, "source": "text"}, "end_frame needs photos"),
    ({"cameras": ["dolly_zoom"]}, "unknown camera 'dolly_zoom'"),
])
def test_bad_scene_fields_are_refused_naming_scene_and_field(scene, message):
    with pytest.raises(ValidationError) as error:
        template_spec_parse(spec(**scene), fps=30)
    assert message in " ".join(error.value.messages)


def test_an_unknown_template_family_is_refused():
    with pytest.raises(ValidationError, match="family 'kling' is unknown"):
        template_spec_parse({**spec(), "family": "kling"}, fps=30)


def test_template_options_are_parsed_and_open_their_names_to_prompts():
    parsed = template_spec_parse({**spec(prompt="{{ product.title }}, {{ options.mood }}"),
                                  "options": {"mood": "cosy", "locale": "de-DE"}}, fps=30)
    assert parsed.options == {"mood": "cosy", "locale": "de"}


@pytest.mark.parametrize(("options", "message"), [
    ({"locale": "tlh"}, "options.locale 'tlh' is not supported; use one of en, de, fr"),
    ({"mood": {"a": 1}}, "options.mood must be text (up to 500 characters), a number or true/false"),
    ({"_x": "y"}, "options._x: an option name is letters, digits and _"),
    (["de"], "options must be an object"),
])
def test_bad_template_options_are_refused_naming_them(options, message):
    with pytest.raises(ValidationError) as error:
        template_spec_parse({**spec(), "options": options}, fps=30)
    assert message in " ".join(error.value.messages)
