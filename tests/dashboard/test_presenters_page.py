"""Presenters in the dashboard: added with a checked private photo, edited, heard, and deleted."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from generation.models import Presenter
from shop_video.dashboard import presenter_views
from tests import factories
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db

FIELDS = {"name": "Maya", "slug": "", "voice": "espeak:en-us", "speed": "1.1", "language": "en", "framing": "head"}


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_presenter_is_added_with_a_private_photo_and_listed(member, merchant, builtin_templates):
    photo = SimpleUploadedFile("maya.jpg", factories.portrait_bytes(), content_type="image/jpeg")
    response = member.post(reverse("dashboard:presenter_new"), {**FIELDS, "avatar": photo}, follow=True)
    presenter = Presenter.objects.get(merchant=merchant)
    assert response.redirect_chain == [(reverse("dashboard:presenter_edit", args=["maya"]), 302)]
    assert (presenter.slug, presenter.voice, presenter.speed, presenter.is_default) == ("maya", "en-us", 1.1, True)
    assert presenter.avatar.url.startswith("/files/")  # the private files view: acme's members only
    page = _text(response)
    assert "Presenter Maya added." in page and presenter.avatar.url in page
    # The scripts it will say: presenter-spotlight's presenter scene has an English one.
    assert "Presenter spotlight" in page and "Meet the {{ product.title }}" in page
    assert 'data-confirm="Delete presenter Maya?' in page
    listing = member.get(reverse("dashboard:presenters")).content.decode()
    assert "Maya" in listing and reverse("dashboard:presenter_edit", args=["maya"]) in listing
    assert 'href="/app/presenters/"' in listing  # the nav item


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"not a photo at all", "The presenter photo was refused: not a readable image"),
        (None, "This field is required."),
        ("two-faces", "2 faces"),
    ],
)
def test_a_bad_photo_is_explained_for_merchants_and_nothing_is_stored(member, merchant, upload, message):
    data = dict(FIELDS)
    if upload == "two-faces":
        data["avatar"] = SimpleUploadedFile("pair.jpg", factories.two_faces_bytes())
    elif upload is not None:
        data["avatar"] = SimpleUploadedFile("notes.jpg", upload)
    response = member.post(reverse("dashboard:presenter_new"), data)
    page = _text(response)
    assert response.status_code == 400 and message in page, page[page.find("errorlist") - 200 :][:600]
    assert "BytesIO" not in page and "Traceback" not in page
    assert not Presenter.objects.filter(merchant=merchant).exists()


def test_editing_bounds_every_field_and_keeps_the_photo(member, merchant, presenter):
    url = reverse("dashboard:presenter_edit", args=[presenter.slug])
    avatar = presenter.avatar.name
    for changes, message in [
        ({"speed": "9"}, "Ensure this value is less than or equal to 2.0."),
        ({"speed": "nan"}, "Enter a number."),
        ({"language": "english please"}, "Give a language tag such as en, de or pt-br."),
        ({"slug": "new"}, "'new' is a word the dashboard uses"),
        ({"name": "x" * 5000}, "Ensure this value has at most 200 characters"),
        ({"voice": "espeak:klingon"}, "Select a valid choice."),
    ]:
        response = member.post(url, {**FIELDS, "slug": "host", **changes})
        assert response.status_code == 400 and message in _text(response), changes
    saved = member.post(url, {**FIELDS, "slug": "host", "voice": "espeak:de", "language": "de"}, follow=True)
    assert "Presenter Maya saved." in _text(saved)
    presenter.refresh_from_db()
    assert (presenter.name, presenter.voice, presenter.language, presenter.avatar.name) == ("Maya", "de", "de", avatar)


def test_the_voice_sample_is_spoken_once_and_served_from_the_cache(member, presenter, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    spoken = []
    real = presenter_views.speech_synthesize
    monkeypatch.setattr(presenter_views, "speech_synthesize", lambda **kw: spoken.append(kw) or real(**kw))
    url = reverse("dashboard:presenter_voice_sample")
    query = {"voice": "espeak:en-us", "speed": "1.0", "language": "en"}
    first, second = member.get(url, query), member.get(url, query)
    assert first.status_code == 200 and first["Content-Type"] == "audio/wav" and first.content[:4] == b"RIFF"
    assert second.content == first.content and len(spoken) == 1
    assert spoken[0]["text"] == presenter_views.VOICE_SAMPLE_TEXT  # a fixed, short sentence: nothing to inject
    for bad in ({"voice": "espeak:nope"}, {"speed": "100"}, {"language": "<script>"}, {"voice": "sapi:x"}):
        refused = member.get(url, {**query, **bad})
        assert refused.status_code == 400 and refused["Content-Type"].startswith("text/plain"), bad
        assert refused.content.startswith(b"No sample: ")


def test_deleting_a_presenter_and_another_merchants_are_404(member, merchant, other_merchant, presenter):
    second = factories.presenter_make(merchant=merchant, slug="sam")
    outsider = client_for(other_merchant)
    assert outsider.get(reverse("dashboard:presenter_edit", args=["host"])).status_code == 404
    assert outsider.post(reverse("dashboard:presenter_delete", args=["host"])).status_code == 404
    response = member.post(reverse("dashboard:presenter_delete", args=["host"]), follow=True)
    assert response.redirect_chain == [(reverse("dashboard:presenters"), 302)]
    assert "Presenter Host deleted." in _text(response)
    second.refresh_from_db()
    assert list(Presenter.objects.filter(merchant=merchant)) == [second] and second.is_default
