"""Merchants' own templates over the API: create, copy a built-in, edit (the spec checked on save, errors naming
the scene and field), delete; built-ins stay read-only and another merchant's templates are a 404."""

import copy

import pytest

from generation.models import RenderJob, VideoTemplate
from generation.services.render_jobs import render_job_create

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/v1/templates"
SPEC = {
    "scenes": [
        {"type": "intro", "duration": 1.0},
        {"type": "product_shots", "duration": 2.0, "max_shots": 2},
        {"type": "features", "duration": 3.0, "max_bullets": 4},
    ]
}
BAD_BULLETS = "scene 3 (features): max_bullets must be a whole number from 1 to 5, got 9."


def _bad_spec():
    spec = copy.deepcopy(SPEC)
    spec["scenes"][2]["max_bullets"] = 9
    return spec


@pytest.fixture
def own(merchant):
    return VideoTemplate.objects.create(merchant=merchant, slug="summer", name="Summer", description="Sunny", spec=SPEC)


def test_a_merchant_creates_a_template_of_their_own(api, merchant, builtin_templates):
    response = api.post(
        TEMPLATES, {"slug": "summer", "name": "Summer sale", "description": "Hot", "spec": SPEC}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["name"], body["description"], body["version"], body["is_builtin"]) == (
        "summer",
        "Summer sale",
        "Hot",
        1,
        False,
    )
    assert body["spec"] == SPEC and body["spec_error"] is None and len(body["scenes"]) == 3
    assert response["Location"] == "http://testserver/api/v1/templates/summer"
    assert VideoTemplate.objects.get(merchant=merchant, slug="summer").name == "Summer sale"
    assert "summer" in [t["slug"] for t in api.get(TEMPLATES).json()["results"]]


def test_a_bad_spec_is_refused_naming_the_scene_and_field(api, merchant):
    response = api.post(TEMPLATES, {"slug": "summer", "name": "Summer", "spec": _bad_spec()}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error" and error["fields"] == {"spec": [BAD_BULLETS]}
    assert error["message"] == f"spec: {BAD_BULLETS}"
    assert not VideoTemplate.objects.filter(merchant=merchant).exists()


def test_a_slug_the_merchant_already_has_is_refused(api, own):
    response = api.post(TEMPLATES, {"slug": "summer", "name": "Again", "spec": SPEC}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["slug"] == [
        "You already have a template 'summer'; choose another slug, or edit that one."
    ]
    own.refresh_from_db()
    assert own.name == "Summer"


def test_unknown_fields_and_non_object_specs_are_refused(api, merchant):
    response = api.post(TEMPLATES, {"slug": "x", "name": "X", "spec": SPEC, "version": 9}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "version": ["version is not a template field; send any of slug, name, description, spec."]
    }
    response = api.post(TEMPLATES, {"slug": "x", "name": "X", "spec": []}, format="json")
    assert response.json()["error"]["fields"]["spec"] == ['spec must be an object with a "scenes" list.']


def test_copying_a_builtin_makes_the_merchants_own_copy_that_replaces_it(api, merchant, builtin_templates):
    response = api.post(f"{TEMPLATES}/product-showcase/copy", format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    builtin = builtin_templates["product-showcase"]
    assert (body["slug"], body["name"], body["version"], body["is_builtin"], body["spec"]) == (
        "product-showcase",
        f"{builtin.name} (copy)",  # never named exactly like the built-in
        1,
        False,
        builtin.spec,
    )
    copy_ = VideoTemplate.objects.get(merchant=merchant, slug="product-showcase")
    assert api.get(f"{TEMPLATES}/product-showcase").json()["is_builtin"] is False
    listed = [t for t in api.get(TEMPLATES).json()["results"] if t["slug"] == "product-showcase"]
    assert len(listed) == 1 and listed[0]["is_builtin"] is False
    # The merchant now sees their copy: copying it again under the same slug is refused, under a new one works.
    again = api.post(f"{TEMPLATES}/product-showcase/copy", {}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["fields"]["slug"] == [
        "You already have a template 'product-showcase'. Edit it, or give the copy another slug."
    ]
    second = api.post(f"{TEMPLATES}/product-showcase/copy", {"slug": "showcase-b"}, format="json")
    assert second.status_code == 201 and second.json()["slug"] == "showcase-b"
    assert second.json()["name"] == f"{builtin.name} (copy 2)"
    copy_.refresh_from_db()
    assert copy_.version == 1


def test_patch_edits_the_merchants_template_and_a_new_spec_bumps_the_version(api, own):
    response = api.patch(f"{TEMPLATES}/summer", {"name": "Summer 2"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Summer 2"
    assert response.json()["version"] == 1  # a name is not a new version
    spec = copy.deepcopy(SPEC)
    spec["scenes"][2]["max_bullets"] = 5
    response = api.patch(f"{TEMPLATES}/summer", {"spec": spec}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    own.refresh_from_db()
    assert (own.name, own.version, own.spec["scenes"][2]["max_bullets"]) == ("Summer 2", 2, 5)
    assert own.description == "Sunny"  # a PATCH leaves what it does not send


def test_patch_with_a_bad_spec_changes_nothing(api, own):
    response = api.patch(f"{TEMPLATES}/summer", {"name": "Renamed", "spec": _bad_spec()}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"spec": [BAD_BULLETS]}
    own.refresh_from_db()
    assert (own.name, own.version, own.spec) == ("Summer", 1, SPEC)


def test_patch_cannot_rename_the_slug(api, own):
    response = api.patch(f"{TEMPLATES}/summer", {"slug": "winter"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "slug": ["slug is not a template field; send any of name, description, spec."]
    }


def test_a_builtin_cannot_be_edited_or_deleted_and_the_message_says_to_copy_it(api, builtin_templates):
    builtin = builtin_templates["quick-bumper"]
    response = api.patch(f"{TEMPLATES}/quick-bumper", {"name": "Mine"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Template 'quick-bumper' is built in and cannot be edited. Copy it first (POST "
        "/api/v1/templates/quick-bumper/copy, or the dashboard's Copy to my templates button), then edit your copy."
    )
    response = api.delete(f"{TEMPLATES}/quick-bumper")
    assert response.status_code == 400 and "built in and cannot be deleted" in response.json()["error"]["message"]
    builtin.refresh_from_db()
    assert builtin.name == "Quick bumper (6 s)"


def test_deleting_a_copy_shows_the_builtin_again(api, merchant, builtin_templates):
    api.post(f"{TEMPLATES}/quick-bumper/copy", format="json")
    assert api.delete(f"{TEMPLATES}/quick-bumper").status_code == 204
    assert not VideoTemplate.objects.filter(merchant=merchant).exists()
    assert api.get(f"{TEMPLATES}/quick-bumper").json()["is_builtin"] is True
    assert api.delete(f"{TEMPLATES}/nope").status_code == 404


def test_renders_of_a_deleted_copy_move_to_the_builtin(
    api, merchant, product_with_photos, builtin_templates, sent_tasks
):
    api.post(f"{TEMPLATES}/quick-bumper/copy", format="json")
    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku="MUG-1")
    assert job.template.merchant_id == merchant.pk
    assert api.delete(f"{TEMPLATES}/quick-bumper").status_code == 204
    job.refresh_from_db()
    assert job.template == builtin_templates["quick-bumper"]
    assert api.get(f"/api/v1/renders/{job.pk}").json()["template"] == "quick-bumper"


def test_a_template_of_the_merchants_own_design_that_renders_used_is_kept(
    api, merchant, product_with_photos, own, sent_tasks
):
    render_job_create(merchant=merchant, template_slug="summer", sku="MUG-1")
    response = api.delete(f"{TEMPLATES}/summer")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Template 'summer' cannot be deleted: 1 render was made with it and still link to it. Edit it instead "
        "(finished renders keep the spec they were made with)."
    )
    assert VideoTemplate.objects.filter(pk=own.pk).exists() and RenderJob.objects.count() == 1


def test_another_merchants_template_is_a_404_for_every_verb(other_api, own, builtin_templates):
    url = f"{TEMPLATES}/summer"
    assert other_api.get(url).status_code == 404
    assert other_api.patch(url, {"name": "stolen"}, format="json").status_code == 404
    assert other_api.delete(url).status_code == 404
    assert other_api.post(f"{url}/copy", {"slug": "mine"}, format="json").status_code == 404
    own.refresh_from_db()
    assert own.name == "Summer" and not VideoTemplate.objects.filter(slug="mine").exists()
    # The same slug is free for them: templates are per merchant.
    created = other_api.post(TEMPLATES, {"slug": "summer", "name": "Theirs", "spec": SPEC}, format="json")
    assert created.status_code == 201
    assert VideoTemplate.objects.filter(slug="summer").count() == 2


def test_a_create_with_an_idempotency_key_is_made_once(api, merchant):
    headers = {"HTTP_IDEMPOTENCY_KEY": "create-summer-1"}
    body = {"slug": "summer", "name": "Summer", "spec": SPEC}
    first = api.post(TEMPLATES, body, format="json", **headers)
    again = api.post(TEMPLATES, body, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first["Location"]
    assert VideoTemplate.objects.filter(merchant=merchant).count() == 1
