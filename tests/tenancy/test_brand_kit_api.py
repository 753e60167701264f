"""/api/v1/brand-kits: uploads checked and stored, errors in the one shape, another merchant's kit a 404."""

import io

import pytest
from PIL import Image

from shop_video.tenancy.models import BrandKit
from tests.tenancy.files import GOOD_SVG, font_bytes, raster_bytes, upload, wav_bytes

pytestmark = pytest.mark.django_db


def _kit(merchant) -> BrandKit:
    return BrandKit.objects.get(merchant=merchant, is_default=True)


def test_list_shows_only_the_callers_kits(api, merchant, other_merchant):
    body = api.get("/api/v1/brand-kits").json()
    assert [kit["id"] for kit in body] == [_kit(merchant).pk]
    assert body[0]["logo"] is None and body[0]["is_default"] is True


def test_create_with_files_stores_the_checked_files_and_gives_their_urls(api, merchant):
    response = api.post(
        "/api/v1/brand-kits",
        {
            "name": "Summer",
            "logo": upload("sun.svg", GOOD_SVG),
            "font": upload("brand.ttf", font_bytes()),
            "music": upload("theme.wav", wav_bytes(2.0)),
            "accent_colour": "#00aa00",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Summer" and body["is_default"] is False and body["accent_colour"] == "#00aa00"
    assert body["logo"].startswith("http://testserver/") and body["logo"].endswith(".png")
    assert body["font"].endswith(".ttf") and body["music"].endswith(".wav")
    kit = BrandKit.objects.get(pk=body["id"], merchant=merchant)
    with kit.logo.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.size == (1024, 512) and image.getpixel((256, 256)) == (255, 0, 0, 255)


def test_patch_replaces_a_file_and_an_empty_value_clears_it(api, merchant):
    kit = _kit(merchant)
    url = f"/api/v1/brand-kits/{kit.pk}"
    response = api.patch(url, {"logo": upload("mark.jpg", raster_bytes("JPEG"))}, format="multipart")
    assert response.status_code == 200, response.content
    kit.refresh_from_db()
    assert response.json()["logo"] == f"http://testserver/files/{kit.logo.name}" and kit.logo.name.endswith(".png")
    assert kit.logo.name.startswith(f"{merchant.media_key}/logos/")  # private, a random name
    response = api.patch(url, {"logo": ""}, format="multipart")
    assert response.status_code == 200 and response.json()["logo"] is None
    response = api.patch(url, {"primary_colour": "#123456", "intro_enabled": False}, format="json")
    assert response.json()["primary_colour"] == "#123456" and response.json()["intro_enabled"] is False


def test_a_bad_file_is_a_400_in_the_one_error_shape_naming_the_field(api, merchant):
    kit = _kit(merchant)
    response = api.patch(
        f"/api/v1/brand-kits/{kit.pk}",
        {"logo": upload("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')},
        format="multipart",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error" and "<script>" in error["fields"]["logo"][0]
    assert "logo:" in error["message"]
    kit.refresh_from_db()
    assert not kit.logo  # nothing was stored

    response = api.post(
        "/api/v1/brand-kits",
        {"name": "Noisy", "music": upload("song.mp3", b"text " * 100), "font": upload("f.woff", b"wOFF" + b"\0" * 100)},
        format="multipart",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "no audio" in fields["music"][0] and "WOFF" in fields["font"][0]
    assert not BrandKit.objects.filter(name="Noisy").exists()


def test_names_are_unique_and_unknown_fields_are_named(api, merchant):
    response = api.post("/api/v1/brand-kits", {"name": "Default"}, format="json")
    assert response.status_code == 400 and "already exists" in response.json()["error"]["fields"]["name"][0]
    response = api.post("/api/v1/brand-kits", {"name": "X", "colour": "red"}, format="json")
    assert "colour" in response.json()["error"]["fields"]
    response = api.post("/api/v1/brand-kits", {"name": "X", "primary_colour": "red"}, format="json")
    assert "#1a2b3c" in response.json()["error"]["fields"]["primary_colour"][0]


def test_making_a_kit_default_moves_the_default_and_delete_guards_it(api, merchant):
    old = _kit(merchant)
    new_id = api.post("/api/v1/brand-kits", {"name": "New", "is_default": True}, format="json").json()["id"]
    old.refresh_from_db()
    assert not old.is_default and BrandKit.objects.get(pk=new_id).is_default
    response = api.delete(f"/api/v1/brand-kits/{new_id}")
    assert response.status_code == 400 and "make another kit the default" in response.json()["error"]["message"]
    assert api.delete(f"/api/v1/brand-kits/{old.pk}").status_code == 204
    assert not BrandKit.objects.filter(pk=old.pk).exists()


def test_another_merchants_kit_is_a_404_and_stays_unchanged(api, other_api, merchant):
    kit = _kit(merchant)
    url = f"/api/v1/brand-kits/{kit.pk}"
    for response in (
        other_api.get(url),
        other_api.patch(url, {"logo": upload("x.png", raster_bytes("PNG")), "name": "stolen"}, format="multipart"),
        other_api.delete(url),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "not_found"
    kit.refresh_from_db()
    assert kit.name == "Default" and not kit.logo
    assert api.get(url).status_code == 200
    assert other_api.get("/api/v1/brand-kits/99999999999999999999").status_code == 404
