"""The product shots of a job planned as data, without the database (render_job_create saves what this plans)."""

import pytest
from django.core.exceptions import ValidationError

from generation.product_shots import product_shots_plan
from generation.template_spec import template_spec_parse

PHOTOS = [11, 12, 13, 14]


def _plan(scenes, *, template_family=None, **options):
    spec = template_spec_parse({**({"family": template_family} if template_family else {}), "scenes": scenes}, fps=30)
    prompts = {
        index: (f"prompt {index}", "blurry" if index == 1 else "")
        for index, scene in enumerate(scenes)
        if scene["type"] == "product_shots"
    }
    return product_shots_plan(
        spec=spec,
        prompts=prompts,
        image_ids=options.pop("image_ids", PHOTOS),
        aspect_ratios=options.pop("aspect_ratios", ["9:16", "1:1"]),
        short_side=180,
        **options,
    )


def test_a_cheap_engine_plans_every_aspect_ratio_from_the_same_photos_and_cameras():
    shots = _plan(
        [
            {"type": "intro", "duration": 1.0},
            {"type": "product_shots", "duration": 2.0, "max_shots": 3, "cameras": ["push_in", "orbit"]},
        ],
        requested_engine="motion",
        image_ids=PHOTOS[:3],
    )
    assert [(s.scene, s.photo, s.aspect_ratio, s.width, s.height, s.source_image_id, s.camera) for s in shots] == [
        (1, 0, "9:16", 180, 320, 11, "push_in"),
        (1, 1, "9:16", 180, 320, 12, "orbit"),
        (1, 2, "9:16", 180, 320, 13, "push_in"),
        (1, 0, "1:1", 180, 180, 11, "push_in"),
        (1, 1, "1:1", 180, 180, 12, "orbit"),
        (1, 2, "1:1", 180, 180, 13, "push_in"),
    ]
    assert {(s.engine, s.prompt, s.num_frames, s.detail) for s in shots} == {("motion", "prompt 1", 60, None)}
    assert all(s.parameters == {"negative_prompt": "blurry"} for s in shots)


def test_a_cheap_engine_uses_every_photo_keeping_the_scene_length():
    """Four photos, three shots allowed: all four are shown, each for three quarters of a shot."""
    shots = _plan(
        [{"type": "product_shots", "duration": 2.0, "max_shots": 3}], requested_engine="motion", aspect_ratios=["9:16"]
    )
    assert [(s.source_image_id, s.num_frames) for s in shots] == [(11, 45), (12, 45), (13, 45), (14, 45)]
    # Never shorter than a second each: eight photos in a 3-shot scene of 1 s shots keep 30 frames.
    many = _plan(
        [{"type": "product_shots", "duration": 1.0, "max_shots": 3}],
        requested_engine="motion",
        aspect_ratios=["9:16"],
        image_ids=list(range(1, 9)),
    )
    assert [s.source_image_id for s in many] == list(range(1, 9)) and {s.num_frames for s in many} == {30}


def test_photo_scenes_take_the_photos_in_turn():
    scenes = [
        {"type": "product_shots", "duration": 1.0, "max_shots": 2},
        {"type": "price_card", "duration": 1.0},
        {"type": "product_shots", "duration": 1.0, "max_shots": 2},
    ]
    shots = _plan(scenes, requested_engine="motion", aspect_ratios=["9:16"], image_ids=[11, 12, 13])
    assert [(s.scene, s.source_image_id) for s in shots] == [(0, 11), (0, 12), (2, 13), (2, 11)]


def test_fewer_photos_than_shots_get_detail_shots_on_a_cheap_engine_only():
    scene = {"type": "product_shots", "duration": 1.0, "max_shots": 3, "cameras": ["orbit", "push_in"]}
    shots = _plan([scene], requested_engine="motion", aspect_ratios=["9:16", "1:1"], image_ids=[11])
    assert [(s.aspect_ratio, s.source_image_id, s.detail, s.parameters.get("detail"), s.camera) for s in shots] == [
        ("9:16", 11, None, None, "orbit"),
        ("9:16", 11, 0, 0, "push_in"),
        ("9:16", 11, 1, 1, "orbit"),
        ("1:1", 11, None, None, "orbit"),
        ("1:1", 11, 0, 0, "push_in"),
        ("1:1", 11, 1, 1, "orbit"),
    ]
    assert (
        len(_plan([{**scene, "max_shots": 1}], requested_engine="motion", aspect_ratios=["9:16"], image_ids=[11])) == 1
    )
    # Two photos, four shots: both photos, then each one's most salient close-up.
    two = _plan([{**scene, "max_shots": 4}], requested_engine="motion", aspect_ratios=["9:16"], image_ids=[11, 12])
    assert [(s.source_image_id, s.detail) for s in two] == [(11, None), (12, None), (11, 0), (12, 0)]
    # A model engine animates the photo itself: no crops of it.
    costly = _plan([scene], requested_engine="dit", family="ltx", image_ids=[11])
    assert [(s.source_image_id, s.detail) for s in costly] == [(11, None)]


def test_a_costly_engine_plans_once_at_the_first_aspect_ratio_with_the_family_request_over_scene_over_template(
    settings,
):
    scenes = [
        {"type": "product_shots", "duration": 2.0, "max_shots": 1},
        {"type": "product_shots", "duration": 2.0, "max_shots": 1, "family": "cogvideox"},
    ]
    from_template = _plan(scenes, template_family="wan", requested_engine="dit")
    assert [(s.scene, s.aspect_ratio, s.width, s.parameters) for s in from_template] == [
        (0, "9:16", 180, {"family": "wan"}),
        (1, "9:16", 180, {"family": "cogvideox", "negative_prompt": "blurry"}),
    ]
    from_request = _plan(scenes, template_family="wan", requested_engine="dit", family="ltx")
    assert [s.parameters["family"] for s in from_request] == ["ltx", "ltx"]
    settings.DIT_DEFAULT_FAMILY = "wan"
    assert [s.parameters["family"] for s in _plan(scenes[:1], requested_engine="dit")] == ["wan"]


def test_a_family_the_engine_cannot_use_is_dropped_and_the_scene_engine_applies_without_a_request():
    scenes = [
        {"type": "product_shots", "duration": 2.0, "max_shots": 1, "engine": "dit"},
        {"type": "product_shots", "duration": 2.0, "max_shots": 1},
    ]
    shots = _plan(scenes, family="wan", aspect_ratios=["9:16"], image_ids=PHOTOS[:2])
    assert [(s.engine, s.parameters) for s in shots] == [
        ("dit", {"family": "wan"}),
        ("motion", {"negative_prompt": "blurry"}),
    ]


def test_end_frames_take_the_next_photo_and_text_scenes_have_none_on_a_family_engine():
    shots = _plan(
        [{"type": "product_shots", "duration": 2.0, "max_shots": 2, "end_frame": True}],
        requested_engine="dit",
        family="ltx",
        image_ids=[11, 12],
    )
    assert [(s.source_image_id, s.parameters["end_image_id"]) for s in shots] == [(11, 12), (12, 11)]
    text = [{"type": "product_shots", "duration": 2.0, "max_shots": 1, "source": "text"}]
    assert [s.source_image_id for s in _plan(text, requested_engine="dit", family="ltx")] == [None]
    # The motion engine has no text-to-video: it animates the photo instead.
    assert [s.source_image_id for s in _plan(text, requested_engine="motion", image_ids=[11, 12])] == [11, 12, 11, 12]


@pytest.mark.parametrize(
    ("scene", "family", "message"),
    [
        ({"source": "text"}, "wan", "Scene 1 asks for text-to-video, which the wan family cannot make"),
        ({"end_frame": True}, "cogvideox", "Scene 1 asks for an end frame, which the cogvideox family cannot take"),
    ],
)
def test_a_scene_the_family_cannot_make_is_refused_with_what_to_change(scene, family, message):
    with pytest.raises(ValidationError, match=message):
        _plan([{"type": "product_shots", "duration": 2.0, **scene}], requested_engine="dit", family=family)
