"""Template specs: the DiT fields (family, prompt, source, end_frame) and errors that name the scene and field."""

import pytest
from django.core.exceptions import ValidationError

from generation.template_spec import DEFAULT_PROMPT, prompt_fill, template_spec_parse


def spec(**scene):
    return {"family": "wan", "scenes": [{"type": "title", "duration": 1},
                                        {"type": "product_shots", "duration": 2, **scene}]}


def test_dit_fields_are_parsed_with_defaults():
    parsed = template_spec_parse(spec(), fps=30)
    scene = parsed.scenes[1]
    assert parsed.family == "wan" and scene.family is None
    assert (scene.prompt, scene.source, scene.end_frame) == (DEFAULT_PROMPT, "photo", False)
    scene = template_spec_parse(spec(family="cogvideox", prompt="{title} on a table", source="text",
                                     cameras=["orbit"]), fps=30).scenes[1]
    assert (scene.family, scene.prompt, scene.source, scene.cameras) == ("cogvideox", "{title} on a table", "text",
                                                                         ("orbit",))


@pytest.mark.parametrize(("scene", "message"), [
    ({"family": "sora"}, "scene 2 (product_shots): family 'sora' is unknown; use one of ltx, wan, cogvideox."),
    ({"prompt": "{title} for {price}"}, "scene 2 (product_shots): prompt uses {price}; the fields you can use are"),
    ({"prompt": "{title.__class__.__init__}"}, "prompt uses {title.__class__.__init__}"),
    ({"prompt": "{title[0]}"}, "prompt uses {title[0]}"),
    ({"negative_prompt": "blurry {"}, "scene 2 (product_shots): negative_prompt is not a valid prompt"),
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


def test_prompt_fill_puts_product_fields_in_one_line():
    fields = {"title": "Ceramic Mug", "brand": "Acme", "description": "Glazed.\n\nDishwasher   safe."}
    assert prompt_fill("{title} by {brand}: {description}", fields) == "Ceramic Mug by Acme: Glazed. Dishwasher safe."
    assert prompt_fill("{title}, {product_type}", fields) == "Ceramic Mug,"
