"""Copying a built-in template and editing the copy from the dashboard: the copy button, the edit page's JSON
spec checked on save (errors beside the field, naming scene and field; nothing saved), and who may do what."""

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
    return reverse("dashboard:template_edit", args=[slug])


def _copy(member, slug: str = "quick-bumper"):
    return member.post(reverse("dashboard:template_copy", args=[slug]))


def test_built_ins_have_a_copy_button_that_makes_the_merchants_own_copy(member, merchant, builtin_templates):
    page = member.get(GALLERY).content.decode()
    assert page.count("Copy to my templates") == len(builtin_templates)
    assert f'action="{reverse("dashboard:template_copy", args=["quick-bumper"])}"' in page
    assert "csrfmiddlewaretoken" in page

    response = _copy(member)
    assert response.status_code == 302 and response["Location"] == _edit("quick-bumper")
    mine = VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper")
    assert mine.spec == builtin_templates["quick-bumper"].spec and mine.version == 1 and not mine.is_builtin
    # The copy replaces the built-in in the gallery: one card, with Edit instead of Copy.
    page = member.get(GALLERY).content.decode()
    assert page.count("Copy to my templates") == len(builtin_templates) - 1
    assert page.count("Quick bumper (6 s)</h2>") == 1 and f'href="{_edit("quick-bumper")}"' in page


def test_the_copy_button_needs_a_post_with_a_csrf_token(merchant, builtin_templates):
    member = client_for(merchant)
    member.handler.enforce_csrf_checks = True
    assert member.post(reverse("dashboard:template_copy", args=["quick-bumper"])).status_code == 403
    assert member.get(reverse("dashboard:template_copy", args=["quick-bumper"])).status_code == 405
    assert not VideoTemplate.objects.filter(merchant=merchant).exists()


def test_the_edit_page_saves_a_valid_spec_and_bumps_the_version(member, merchant, builtin_templates):
    _copy(member)
    page = member.get(_edit("quick-bumper")).content.decode()
    assert "Edit Quick bumper (6 s)" in page and "version 1" in page
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


def test_a_bad_spec_is_shown_beside_the_field_and_nothing_is_saved(member, merchant, builtin_templates):
    _copy(member)
    spec = json.loads(json.dumps(builtin_templates["quick-bumper"].spec))
    spec["scenes"].append({"type": "features", "duration": 3.0, "max_bullets": 9})
    response = member.post(_edit("quick-bumper"), {"name": "Renamed", "spec": json.dumps(spec)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "scene 3 (features): max_bullets must be a whole number from 1 to 5, got 9." in page
    assert 'aria-invalid="true"' in page and "Renamed" in page
    assert escape('"max_bullets": 9') in page  # what was typed stays
    mine = VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper")
    assert (mine.name, mine.version, mine.spec) == ("Quick bumper (6 s)", 1, builtin_templates["quick-bumper"].spec)

    response = member.post(_edit("quick-bumper"), {"name": "Renamed", "spec": '{"scenes": [}'})
    assert response.status_code == 400 and "The spec is not valid JSON" in response.content.decode()
    assert escape('{"scenes": [}') in response.content.decode()  # what was typed stays, to be fixed
    assert VideoTemplate.objects.get(pk=mine.pk).name == "Quick bumper (6 s)"


def test_a_built_in_has_no_edit_page_and_an_own_template_is_not_copied_over(member, merchant, builtin_templates):
    response = member.get(_edit("quick-bumper"))
    assert response.status_code == 302 and response["Location"] == GALLERY
    assert "copy it to your templates to edit it" in member.get(GALLERY).content.decode()
    _copy(member)
    response = _copy(member)  # now the merchant sees their own copy
    assert response.status_code == 302 and response["Location"] == GALLERY
    assert "You already have a template" in member.get(GALLERY).content.decode()
    assert VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper").version == 1


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
