"""A brand kit's AI-label defaults (position, language): saved through the API and the dashboard, bad values
refused naming the allowed ones, and used by the timeline's label wherever the template leaves them unset."""

import pytest
from django.urls import reverse

from generation.assembly.job_timeline import timeline_for_job
from generation.models import VideoTemplate
from generation.services.render_jobs import render_job_create
from shop_video.tenancy.models import BrandKit, Membership
from shop_video.tenancy.services import membership_add
from tests import factories

pytestmark = pytest.mark.django_db


def _kit(merchant) -> BrandKit:
    return BrandKit.objects.get(merchant=merchant, is_default=True)


def _label(merchant, ai_label: dict, locale: str = "en"):
    """The AI label of a one-shot render's timeline (a motion shot: the template's show "always" draws it)."""
    scenes = [{"type": "product_shots", "duration": 1.0, "max_shots": 1}]
    spec = {"scenes": scenes, "options": {"locale": locale}, "ai_label": {"show": "always", **ai_label}}
    VideoTemplate.objects.update_or_create(merchant=merchant, slug="label", defaults={"name": "Label", "spec": spec})
    job = render_job_create(merchant=merchant, template_slug="label", sku="MUG-1", short_side=180)
    job.shots.update(file="renders/acme/9x16-0.mp4")
    return timeline_for_job(job, "9:16").ai_label


@pytest.fixture
def mug(merchant):
    return factories.product_make(merchant=merchant, sku="MUG-1", photos=1)


def test_the_kits_position_and_language_reach_the_label_where_the_template_leaves_them_unset(merchant, mug, sent_tasks):
    unset = _label(merchant, {})
    assert (unset.position, unset.text) == ("auto", "AI-generated")
    BrandKit.objects.filter(pk=_kit(merchant).pk).update(ai_label_position="bottom-left", ai_label_language="de")
    label = _label(merchant, {}, locale="fr")
    assert (label.position, label.text) == ("bottom-left", "KI-generiert")
    template_says = _label(merchant, {"position": "top-right", "language": "ja"}, locale="fr")
    assert (template_says.position, template_says.text) == ("top-right", "AI生成")  # the template's setting wins
    BrandKit.objects.filter(pk=_kit(merchant).pk).update(ai_label_language="")
    assert _label(merchant, {}, locale="fr").text == "Généré par IA"  # blank: the video's language


def test_the_api_saves_the_defaults_and_refuses_unknown_ones_naming_the_choices(api, merchant):
    url = f"/api/v1/brand-kits/{_kit(merchant).pk}"
    response = api.patch(url, {"ai_label_position": "top-left", "ai_label_language": "sv"}, format="json")
    assert response.status_code == 200 and response.json()["ai_label_position"] == "top-left"
    assert (_kit(merchant).ai_label_position, _kit(merchant).ai_label_language) == ("top-left", "sv")
    bad = api.patch(url, {"ai_label_position": "middle", "ai_label_language": "klingon"}, format="json")
    assert bad.status_code == 400, bad.content
    body = bad.content.decode()
    assert "use one of auto, top-right, top-left, bottom-left, bottom-right" in body
    assert "use one of en, de, fr" in body and "blank for the video's language" in body
    assert (_kit(merchant).ai_label_position, _kit(merchant).ai_label_language) == ("top-left", "sv")
    assert api.patch(url, {"ai_label_language": ""}, format="json").json()["ai_label_language"] == ""


def test_the_dashboard_form_saves_the_defaults_and_shows_a_refused_one(client, merchant):
    membership_add(merchant=merchant, email="owner@acme.example", role=Membership.Role.OWNER, password="pw-12345!")
    client.login(username="owner@acme.example", password="pw-12345!")
    url = reverse("dashboard:brand_kit")
    page = client.get(url).content.decode()
    assert 'name="ai_label_position"' in page and 'name="ai_label_language"' in page
    fields = {"name": "Default", "primary_colour": "#111111", "secondary_colour": "#ffffff"}
    fields |= {"accent_colour": "#e4572e", "watermark_position": "bottom-right"}
    saved = client.post(url, {**fields, "ai_label_position": "bottom-right", "ai_label_language": "ko"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert (_kit(merchant).ai_label_position, _kit(merchant).ai_label_language) == ("bottom-right", "ko")
    bad = client.post(url, {**fields, "ai_label_position": "centre", "ai_label_language": "ko"})
    assert bad.status_code == 400 and "centre is not a label position; choose one of auto" in bad.content.decode()
    kept = client.post(url, fields)  # a post without the position (an older page) keeps the kit's
    assert kept.status_code == 302 and _kit(merchant).ai_label_position == "bottom-right"
    assert _kit(merchant).ai_label_language == ""  # the select's blank choice: the video's language
