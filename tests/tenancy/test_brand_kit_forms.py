"""The dashboard form and the admin form run the same checks as the API, beside the field."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from shop_video.tenancy.admin import BrandKitAdminForm
from shop_video.tenancy.models import BrandKit, Membership
from shop_video.tenancy.services import membership_add
from tests.tenancy.files import GOOD_SVG, upload

pytestmark = pytest.mark.django_db

_FORM = {
    "name": "Default",
    "primary_colour": "#111111",
    "secondary_colour": "#ffffff",
    "accent_colour": "#e4572e",
    "watermark_position": "bottom-right",
    "ai_label_position": "auto",  # the admin's select always sends one
    "intro_enabled": "on",
    "outro_enabled": "on",
}


@pytest.fixture
def member(client, merchant):
    membership_add(merchant=merchant, email="owner@acme.example", role=Membership.Role.OWNER, password="pw-12345!")
    client.login(username="owner@acme.example", password="pw-12345!")
    return client


def test_the_dashboard_form_stores_an_svg_logo_as_png_and_shows_a_hostile_one_beside_the_field(member, merchant):
    url = reverse("dashboard:brand_kit")
    response = member.post(url, {**_FORM, "logo": upload("brand.svg", GOOD_SVG)})
    assert response.status_code == 302, response.content.decode()[:2000]
    kit = BrandKit.objects.get(merchant=merchant, is_default=True)
    assert kit.logo.name.endswith(".png")
    with kit.logo.open("rb") as stored:
        assert Image.open(io.BytesIO(stored.read())).size == (1024, 512)
    response = member.post(
        url, {**_FORM, "logo": upload("evil.svg", GOOD_SVG.replace(b"<rect", b"<script>x</script><rect"))}
    )
    assert response.status_code == 400
    assert "&lt;script&gt;" in response.content.decode()
    response = member.post(url, {**_FORM, "music": upload("song.mp3", b"not audio " * 30)})
    assert response.status_code == 400 and "no audio" in response.content.decode()
    kit.refresh_from_db()
    assert kit.logo.name.endswith(".png") and not kit.music  # the kept logo survives a refused upload


def test_the_admin_form_checks_uploads(merchant):
    kit = BrandKit.objects.get(merchant=merchant, is_default=True)
    data = {**_FORM, "merchant": merchant.pk, "is_default": "on", "intro_enabled": True, "outro_enabled": True}
    form = BrandKitAdminForm(data, {"font": upload("f.ttf", b"nope" * 100)}, instance=kit)
    assert not form.is_valid() and "TrueType (.ttf) or OpenType (.otf)" in form.errors["font"][0]
    form = BrandKitAdminForm(data, {"logo": upload("brand.svg", GOOD_SVG)}, instance=kit)
    assert form.is_valid(), form.errors
    form.save()
    kit.refresh_from_db()
    assert kit.logo.name.endswith(".png")
