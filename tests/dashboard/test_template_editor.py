"""The visual template editor: one set of controls per scene read back into the spec (saved through the service,
POST-redirect-GET, version bumped), scenes reordered, added and removed, every bad value listed by scene and
field, delete and revert to the built-in, and who may do what."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from generation.assembly.job_timeline import timeline_for_job
from generation.models import VideoTemplate
from generation.services.render_jobs import render_job_create
from shop_video.tenancy.services import membership_add
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db


def _edit(slug: str = "quick-bumper") -> str:
    return reverse("dashboard:template_edit", args=[slug])


@pytest.fixture
def bumper(member, merchant, builtin_templates):
    """acme's copy of quick-bumper: product_shots (4.7 s, badge) then price_card (1.6 s)."""
    member.post(reverse("dashboard:template_copy", args=["quick-bumper"]))
    return VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper")


def editor_post(spec: dict, *, order=None, name="My bumper", action="save", **fields) -> dict:
    """What the editor page posts for `spec` shown as it is (`order`: the scenes' indices as the page shows them
    after a drag), with `fields` (e.g. s1-headline="Sale") changed."""
    data = {"name": name, "description": "", "base": json.dumps(spec), "action": action}
    data["scene"] = [str(index) for index in (order or range(len(spec["scenes"])))]
    for index, scene in enumerate(spec["scenes"]):
        transition = scene.get("transition", {})
        data[f"s{index}-duration"] = str(scene["duration"])
        data[f"s{index}-transition"] = transition.get("type", "cut")
        data[f"s{index}-transition_duration"] = str(transition.get("duration", 0.4))
        for name_ in ("caption", "headline", "tagline", "heading", "text", "url", "prompt", "max_shots", "max_bullets"):
            if name_ in scene:
                data[f"s{index}-{name_}"] = str(scene[name_])
        for box in ("badge", "qr"):
            if scene.get(box):
                data[f"s{index}-{box}"] = "on"
        if "cameras" in scene:
            data[f"s{index}-cameras"] = scene["cameras"]
    data.update(fields)
    return data


def test_the_page_offers_a_control_per_field_with_merge_fields_and_bounds(member, bumper):
    page = member.get(_edit()).content.decode()
    assert page.count("data-scene>") == 2 and 'name="scene" value="1"' in page
    assert 'type="color" name="colour_background"' in page and 'type="color" name="colour_accent"' in page
    assert 'name="s0-duration" value="4.7" min="0.1" max="180" step="0.1"' in page
    assert 'name="s1-headline"' in page and 'data-insert="{{ product.title }}"' in page
    assert 'value="up:1" data-move="up"' in page and 'value="remove:0"' in page  # keyboard and no-JS reorder
    assert "dashboard/template_editor.js" in page and "dashboard/templates.css" in page
    assert "<script>" not in page and "style=" not in page and "onclick" not in page  # the CSP's rules
    assert 'data-confirm="Delete' in page and "Revert to the built-in" in page


def test_saving_the_form_writes_each_field_and_the_new_order(member, merchant, bumper, product_with_photos, sent_tasks):
    spec = bumper.spec
    data = editor_post(
        spec,
        order=[1, 0],  # the price card dragged first
        **{
            "s1-headline": "Only {{ variant.price|price }}",
            "s1-duration": "2.5",
            "s0-caption": "",
            "s0-cameras": ["orbit", "pan_left"],
            "s0-max_shots": "2",
            "s1-transition": "cut",
            "s0-transition": "slide_up",
            "s0-transition_duration": "0.5",
            "own_colours": "on",
            "colour_background": "#1D3557",
            "colour_text": "#f1faee",
            "colour_accent": "#e63946",
        },
    )
    data.pop("s0-badge")
    response = member.post(_edit(), data)
    assert response.status_code == 302 and response["Location"] == _edit()  # POST-redirect-GET
    bumper.refresh_from_db()
    first, second = bumper.spec["scenes"]
    assert (bumper.name, bumper.version) == ("My bumper", 2)
    assert first == {"type": "price_card", "duration": 2.5, "headline": "Only {{ variant.price|price }}"}
    assert second["type"] == "product_shots" and second["cameras"] == ["orbit", "pan_left"]
    assert (second["max_shots"], second["badge"], second["caption"]) == (2, False, "")
    assert second["transition"] == {"type": "slide_up", "duration": 0.5}
    assert second["prompt"] == spec["scenes"][0]["prompt"]  # fields without a control are kept
    assert bumper.spec["music"] == spec["music"]
    assert bumper.spec["colours"] == {"background": "#1d3557", "text": "#f1faee", "accent": "#e63946"}
    assert "My bumper saved (version 2)." in member.get(_edit()).content.decode()
    # The template's colours are the video's card colours, over the brand kit's.
    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64)
    style = timeline_for_job(job, "9:16").style
    assert (style.background, style.foreground, style.accent) == ("#1d3557", "#f1faee", "#e63946")


def test_add_remove_and_move_answer_the_form_again_unsaved(member, bumper):
    spec = bumper.spec
    page = member.post(_edit(), editor_post(spec, action="add", add_type="cta"))
    assert page.status_code == 200 and "Call to action added at the end. Save to keep it." in page.content.decode()
    assert (
        page.content.decode().count("data-scene>") == 3 and 'name="s2-text" value="Shop now"' in page.content.decode()
    )
    moved = member.post(_edit(), editor_post(spec, action="up:1")).content.decode()
    assert "Scene moved to position 1" in moved
    assert moved.index('name="s0-headline"') < moved.index('name="s1-prompt"')  # the price card now first
    removed = member.post(_edit(), editor_post(spec, action="remove:0")).content.decode()
    assert removed.count("data-scene>") == 1 and "Scene 1 (Product shots) removed" in removed
    bumper.refresh_from_db()
    assert bumper.version == 1 and bumper.spec == spec


def test_every_bad_value_is_listed_by_scene_and_field_and_nothing_is_saved(member, bumper):
    spec = bumper.spec
    bad = editor_post(
        spec, name=" ", **{"s0-duration": "-5", "s0-max_shots": "1e308", "s1-duration": "abc", "s1-headline": "{title}"}
    )
    response = member.post(_edit(), bad)
    assert response.status_code == 400
    page = response.content.decode()
    for error in (
        "name: give the template a name.",
        "Scene 1, duration: must be a number of seconds above 0 and at most 180, got -5.0.",
        "Scene 1, max shots: must be a whole number from 1 to 20, got 21.",
        "Scene 2, duration: must be a number of seconds above 0 and at most 180, got &#x27;abc&#x27;.",
        "Scene 2, headline: uses {title}, the old placeholder syntax",
    ):
        assert error in page, error
    assert "5 things to fix" in page
    bumper.refresh_from_db()
    assert bumper.version == 1 and bumper.spec == spec
    big = {**spec, "options": {f"o{n}": "x" * 400 for n in range(200)}}  # 80 KB: over the spec limit
    response = member.post(_edit(), editor_post(big))
    assert response.status_code == 400 and "keep it to 65,536" in response.content.decode()
    # A changed hidden field or too many scenes: reload, nothing saved, never a 500.
    for hostile in ({**bad, "base": "{not json"}, {**bad, "scene": ["0", "7"]}, {**bad, "scene": ["0"] * 40}):
        response = member.post(_edit(), hostile)
        assert response.status_code == 302 and response["Location"] == _edit()
    bumper.refresh_from_db()
    assert bumper.version == 1


def test_delete_and_revert_to_the_built_in(member, merchant, bumper, product_with_photos, sent_tasks):
    builtin = VideoTemplate.objects.get(merchant=None, slug="quick-bumper")
    member.post(_edit(), editor_post(bumper.spec, **{"s1-headline": "Mine"}))
    response = member.post(reverse("dashboard:template_revert", args=["quick-bumper"]))
    assert response.status_code == 302
    bumper.refresh_from_db()
    assert bumper.spec == builtin.spec and bumper.version == 3 and bumper.name == "My bumper"
    assert "is the built-in again (version 3)" in member.get(_edit()).content.decode()

    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64)
    response = member.post(reverse("dashboard:template_delete", args=["quick-bumper"]))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:templates")
    assert not VideoTemplate.objects.filter(merchant=merchant).exists()
    job.refresh_from_db()
    assert job.template_id == builtin.pk  # the render moves to the built-in, whose card is back
    assert (
        "My bumper was deleted. The built-in one is back in its place."
        in member.get(reverse("dashboard:templates")).content.decode()
    )


def test_a_template_of_your_own_design_that_renders_used_is_kept_with_a_clear_message(member, merchant, acme_objects):
    render_job_create(merchant=merchant, template_slug="acme-only", sku="MUG-1", short_side=64)
    response = member.post(reverse("dashboard:template_delete", args=["acme-only"]), follow=True)
    assert "cannot be deleted: 1 render was made with it and still link to it. Edit it instead" in (
        response.content.decode()
    )
    assert VideoTemplate.objects.filter(merchant=merchant, slug="acme-only").exists()


def test_viewers_see_the_editor_read_only_and_another_merchant_gets_404(merchant, acme_objects, outsider):
    membership_add(merchant=merchant, email="viewer@acme.test", role="viewer")
    viewer = client_for(merchant, email="viewer@acme.test")
    page = viewer.get(_edit("acme-only")).content.decode()
    assert "Read only for viewers" in page and "data-readonly" in page and "Delete template" not in page
    template = acme_objects["template"]
    urls = [
        _edit("acme-only"),
        *(reverse(f"dashboard:template_{verb}", args=["acme-only"]) for verb in ("delete", "revert")),
    ]
    for url in urls:
        assert viewer.post(url, editor_post(template.spec)).status_code == 403
        assert outsider.post(url, editor_post(template.spec)).status_code == 404
    assert outsider.get(_edit("acme-only")).status_code == 404
    template.refresh_from_db()
    assert template.version == 1 and template.name == "Acme only"
