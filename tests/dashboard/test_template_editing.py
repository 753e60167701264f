"""Copying a built-in template and editing the copy as JSON from the dashboard: the copy button (the copy named
as a copy), the JSON page's spec checked on save (every error listed with its location; nothing saved), and who
may do what."""

from __future__ import annotations

import json
from html import escape

import pytest
from django.urls import reverse

from generation.models import VideoTemplate
from shop_video.tenancy.services import membership_add
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db

GALLERY = reverse("dashboard:templates")


def _edit(slug: str) -> str:
    return reverse("dashboard:template_json", args=[slug])


def _copy(member, slug: str = "quick-bumper"):
    return member.post(reverse("dashboard:template_copy", args=[slug]))


def test_built_ins_have_a_copy_button_that_makes_the_merchants_own_copy(member, merchant, builtin_templates):
    page = member.get(GALLERY).content.decode()
    assert page.count("Copy to my templates") == len(builtin_templates)
    assert f'action="{reverse("dashboard:template_copy", args=["quick-bumper"])}"' in page
    assert "csrfmiddlewaretoken" in page

    response = _copy(member)
    visual = reverse("dashboard:template_edit", args=["quick-bumper"])
    assert response.status_code == 302 and response["Location"] == visual
    mine = VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper")
    assert mine.spec == builtin_templates["quick-bumper"].spec and mine.version == 1 and not mine.is_builtin
    assert mine.name == "Quick bumper (6 s) (copy)"  # never named exactly like the built-in
    # The copy replaces the built-in in the gallery: one card, marked Yours, with Edit instead of Copy.
    page = member.get(GALLERY).content.decode()
    assert page.count("Copy to my templates") == len(builtin_templates) - 1
    assert page.count('<h2 class="card-title">Quick bumper (6 s)') == 1 and f'href="{visual}"' in page
    assert page.count('class="badge owner-yours">Yours') == 1
    assert page.count('class="badge owner-builtin">Built-in') == len(builtin_templates) - 1
    # Copying your own copy duplicates it under a new slug and name; nothing is overwritten.
    assert _copy(member).status_code == 302
    duplicate = VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper-copy")
    assert duplicate.name == "Quick bumper (6 s) (copy 2)" and duplicate.spec == mine.spec
    assert VideoTemplate.objects.get(pk=mine.pk).version == 1
    render_form = member.get(reverse("dashboard:render_new")).content.decode()
    assert "Quick bumper (6 s) (copy) (yours)" in render_form and "Product showcase (15 s) (built-in)" in render_form


def test_the_copy_button_needs_a_post_with_a_csrf_token(merchant, builtin_templates):
    member = client_for(merchant)
    member.handler.enforce_csrf_checks = True
    assert member.post(reverse("dashboard:template_copy", args=["quick-bumper"])).status_code == 403
    assert member.get(reverse("dashboard:template_copy", args=["quick-bumper"])).status_code == 405
    assert not VideoTemplate.objects.filter(merchant=merchant).exists()


def test_the_edit_page_saves_a_valid_spec_and_bumps_the_version(member, merchant, builtin_templates):
    _copy(member)
    page = member.get(_edit("quick-bumper")).content.decode()
    assert "Edit Quick bumper (6 s) (copy) as JSON" in page and "version 1" in page
    assert escape('"max_shots": 1') in page  # the spec, indented JSON in the textarea
    spec = json.loads(json.dumps(builtin_templates["quick-bumper"].spec))
    spec["scenes"][1]["duration"] = 2.5
    response = member.post(
        _edit("quick-bumper"), {"name": "Snappy bumper", "description": "Mine", "spec": json.dumps(spec)}
    )
    assert response.status_code == 302 and response["Location"] == _edit("quick-bumper")
    mine = VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper")
    assert (mine.name, mine.description, mine.version, mine.spec["scenes"][1]["duration"]) == (
        "Snappy bumper",
        "Mine",
        2,
        2.5,
    )
    page = member.get(_edit("quick-bumper")).content.decode()
    assert "Snappy bumper saved (version 2)." in page


def test_every_spec_error_is_listed_with_its_location_and_nothing_is_saved(member, merchant, builtin_templates):
    _copy(member)
    spec = json.loads(json.dumps(builtin_templates["quick-bumper"].spec))
    spec["scenes"][0]["duration"] = -1
    spec["scenes"].append({"type": "features", "duration": 3.0, "max_bullets": 9, "colour": "red"})
    spec["colours"] = {"background": "blue"}
    response = member.post(_edit("quick-bumper"), {"name": "Renamed", "spec": json.dumps(spec)})
    assert response.status_code == 400
    page = response.content.decode()
    for error in (
        "scenes[0].duration: must be a number of seconds above 0 and at most 180, got -1.",
        "scenes[2].max_bullets: must be a whole number from 1 to 5, got 9.",
        "scenes[2].colour: is not a field of a features scene",
        "colours.background: must be a colour written like",
    ):
        assert escape(error) in page, error
    assert "4 problems in the spec" in page and "Renamed" in page
    assert escape('"max_bullets": 9') in page  # what was typed stays
    mine = VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper")
    assert (mine.version, mine.spec) == (1, builtin_templates["quick-bumper"].spec)

    response = member.post(_edit("quick-bumper"), {"name": "Renamed", "spec": '{"scenes": [}'})
    assert response.status_code == 400 and "The spec is not valid JSON" in response.content.decode()
    assert escape('{"scenes": [}') in response.content.decode()  # what was typed stays, to be fixed
    assert VideoTemplate.objects.get(pk=mine.pk).name == mine.name


def test_a_built_in_has_no_edit_page(member, merchant, builtin_templates):
    response = member.get(_edit("quick-bumper"))
    assert response.status_code == 302 and response["Location"] == GALLERY
    assert "copy it to your templates to edit it" in member.get(GALLERY).content.decode()


def test_viewers_see_the_spec_but_cannot_copy_or_save(merchant, builtin_templates, acme_objects):
    membership_add(merchant=merchant, email="viewer@acme.test", role="viewer")
    viewer = client_for(merchant, email="viewer@acme.test")
    assert "Copy to my templates" not in viewer.get(GALLERY).content.decode()
    page = viewer.get(_edit("acme-only")).content.decode()
    assert "<fieldset disabled>" in page
    assert _copy(viewer).status_code == 403
    assert viewer.post(_edit("acme-only"), {"name": "x", "spec": "{}"}).status_code == 403
    assert VideoTemplate.objects.get(merchant=merchant, slug="acme-only").name == "Acme only"


def test_another_merchant_cannot_edit_or_copy_acmes_template(outsider, acme_objects):
    assert outsider.get(_edit("acme-only")).status_code == 404
    assert outsider.post(_edit("acme-only"), {"name": "stolen", "spec": "{}"}).status_code == 404
    assert _copy(outsider, "acme-only").status_code == 404
    assert VideoTemplate.objects.filter(slug="acme-only").count() == 1
