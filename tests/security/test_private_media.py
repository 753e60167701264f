"""Issue 17, items 1 and 2: private files reach their own merchant only, under random names, and nothing stored
is ever served as a page (shop_video/media.py, shop_video/private_files.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory

from catalog.models import CatalogImport
from shop_video.media import private_storage
from shop_video.private_files import public_media_serve
from shop_video.tenancy.models import BrandKit, Membership
from tests import factories
from tests.tenancy.files import font_bytes, upload, wav_bytes

pytestmark = pytest.mark.django_db

SCRIPT_FEED = b"<html><script>fetch('/api/v1/api-keys',{method:'POST'})</script></html>"
SVG_FEED = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _random_name(kind: str) -> str:
    """`<merchant media_key>/<kind>/<uuid4 hex>`: nothing of the client's name, no id, no slug."""
    return rf"[0-9a-f]{{32}}/{kind}/[0-9a-f]{{32}}"


def _import_upload(api, name: str, data: bytes) -> CatalogImport:
    response = api.post(
        "/api/v1/catalog/imports",
        {"file": SimpleUploadedFile(name, data, content_type="text/html"), "format": "plain_csv"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    return CatalogImport.objects.get(pk=response.json()["id"])


def _signed_in(client, merchant, *, role=None):
    membership = Membership.objects.filter(merchant=merchant).first()
    if role:
        Membership.objects.filter(pk=membership.pk).update(role=role)
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize("name, data", [("feed.html", SCRIPT_FEED), ("feed.svg", SVG_FEED)])
def test_an_uploaded_page_is_stored_privately_under_a_random_name_without_its_extension(api, merchant, name, data):
    record = _import_upload(api, name, data)
    stored = record.file.name
    assert re.fullmatch(_random_name("imports"), stored), stored  # no .html, no id, no slug
    assert stored.split("/")[0] == merchant.media_key
    assert Path(settings.PRIVATE_MEDIA_ROOT, stored).read_bytes() == data
    assert not any(Path(settings.MEDIA_ROOT).rglob("*")), "nothing of the upload under the public MEDIA_ROOT"
    assert record.file.url == f"/files/{stored}"  # FileUrlField and templates point at the checking view
    assert _import_upload(api, name, data).file.name != stored  # a second upload: another random name


@pytest.mark.parametrize("name, data", [("feed.html", SCRIPT_FEED), ("feed.svg", SVG_FEED)])
def test_the_owner_downloads_an_uploaded_page_as_an_attachment_never_as_html(api, client, merchant, name, data):
    record = _import_upload(api, name, data)
    response = _signed_in(client, merchant).get(record.file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "sandbox" in response["Content-Security-Policy"] and "default-src 'none'" in response["Content-Security-Policy"]
    )
    assert api.get(record.file.url).status_code == 200  # the merchant's API key reads it too


def test_anonymous_and_another_merchants_members_and_keys_get_nothing(api, other_api, client, merchant, other_merchant):
    record = _import_upload(api, "feed.csv", b"sku,title,price,currency\nA,Lamp,1,USD\n")
    url = record.file.url
    assert client.get(url).status_code == 401  # not signed in
    assert other_api.get(url).status_code == 404  # another shop's key: as if there were no such file
    assert _signed_in(client, other_merchant).get(url).status_code == 404  # another shop's owner
    # a member of both shops who is looking at the other one still reads acme's file: it is theirs
    Membership.objects.create(user=Membership.objects.get(merchant=other_merchant).user, merchant=merchant)
    assert client.get(url).status_code == 200
    assert _signed_in(client, merchant, role=Membership.Role.VIEWER).get(url).status_code == 200
    for guess in (f"/files/{merchant.media_key}/imports/missing", "/files/../media/x", "/files/x/y"):
        assert client.get(guess).status_code == 404
    operator = User.objects.create_superuser("operator", "operator@example.test", "a-long-test-password")
    client.force_login(operator)
    assert client.get(url).status_code == 200  # a superuser (the operators): the admin's photo previews


def test_the_old_public_feed_paths_are_gone(api, client, merchant):
    record = _import_upload(api, "feed.csv", b"sku,title,price,currency\nA,Lamp,1,USD\n")
    for guess in (f"/media/catalog/imports/{merchant.slug}/{record.pk}.csv", f"/media/{record.file.name}"):
        assert client.get(guess).status_code == 404
    assert not default_storage.exists(record.file.name)


def test_brand_fonts_music_logos_and_presenter_photos_are_private_and_random(api, merchant):
    kit = BrandKit.objects.get(merchant=merchant, is_default=True)
    response = api.patch(
        f"/api/v1/brand-kits/{kit.pk}",
        {"font": upload("Brand Font.ttf", font_bytes()), "music": upload("theme.wav", wav_bytes(1.0))},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    kit.refresh_from_db()
    presenter = factories.presenter_make(merchant=merchant)
    for stored, kind, extension in (
        (kit.font, "fonts", ".ttf"),
        (kit.music, "music", ".wav"),
        (presenter.avatar, "presenters", ".jpg"),
    ):
        assert re.fullmatch(_random_name(kind) + re.escape(extension), stored.name), stored.name
        assert stored.storage is private_storage and Path(settings.PRIVATE_MEDIA_ROOT, stored.name).is_file()
    assert response.json()["font"] == f"http://testserver/files/{kit.font.name}"


def test_a_rendition_plays_inline_and_any_other_public_file_downloads(merchant):
    default_storage.save("renders/abc/9x16.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    default_storage.save("renders/abc/page.html", ContentFile(b"<script>alert(1)</script>"))
    request = RequestFactory().get("/media/x")
    video = public_media_serve(request, "renders/abc/9x16.mp4", document_root=settings.MEDIA_ROOT)
    assert (video["Content-Type"], video["Content-Disposition"]) == ("video/mp4", 'inline; filename="9x16.mp4"')
    assert video["X-Content-Type-Options"] == "nosniff"
    page = public_media_serve(request, "renders/abc/page.html", document_root=settings.MEDIA_ROOT)
    assert page["Content-Type"] == "application/octet-stream" and page["Content-Disposition"].startswith("attachment")


def test_dashboard_pages_carry_a_strict_csp(client, merchant):
    for url in ("/accounts/login/", "/app/", "/app/brand/"):
        response = _signed_in(client, merchant).get(url) if url.startswith("/app/") else client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy, policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_media_make_private_moves_files_stored_before_and_is_idempotent(merchant):
    legacy = f"catalog/imports/{merchant.slug}/1.html"
    default_storage.save(legacy, ContentFile(SCRIPT_FEED))
    record = CatalogImport.objects.create(merchant=merchant, source="feed.html", file=legacy)
    CatalogImport.objects.filter(pk=record.pk).update(file=legacy)  # as a running install has it
    call_command("media_make_private", stdout=open("/dev/null", "w"))
    record.refresh_from_db()
    assert re.fullmatch(_random_name("imports"), record.file.name), record.file.name
    assert private_storage.open(record.file.name).read() == SCRIPT_FEED and not default_storage.exists(legacy)
    moved = record.file.name
    call_command("media_make_private", stdout=open("/dev/null", "w"))
    record.refresh_from_db()
    assert record.file.name == moved
