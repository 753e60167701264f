"""Presenter profiles: the photo must show exactly one face, the voice must exist, one default per merchant;
the same rules through the service, the API and the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from generation.models import Presenter
from generation.presenter.services import presenter_create, presenter_delete, presenter_update
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_portrait_becomes_the_merchants_default_presenter_with_its_face_found(merchant):
    presenter = factories.presenter_make(merchant=merchant, language="de", voice="de", speed=1.1)
    x, y, w, h = presenter.face
    # The Haar cascade finds the one face of the 512x512 portrait around (177, 66, 95, 95).
    assert 150 < x < 210 and 40 < y < 100 and 70 < w < 130 and h == w
    assert presenter.is_default and presenter.avatar.name.endswith(".jpg")
    second = factories.presenter_make(merchant=merchant, slug="second")
    assert not second.is_default  # the first stays the default until told otherwise
    presenter_update(presenter=second, is_default=True)
    assert list(Presenter.objects.filter(merchant=merchant, is_default=True)) == [second]


@pytest.mark.parametrize(
    "photo, message",
    [
        (factories.photo_bytes(), "No face found in the photo"),
        (factories.two_faces_bytes(), "Found 2 faces in the photo"),
        (b"GIF89a not really", "The presenter photo was refused"),
    ],
)
def test_a_photo_without_exactly_one_face_is_refused_and_nothing_is_stored(merchant, photo, message, settings):
    with pytest.raises(ValidationError) as refused:
        presenter_create(merchant=merchant, name="Host", avatar=photo)
    assert message in " ".join(refused.value.message_dict["avatar"])
    assert not Presenter.objects.exists()
    assert (
        not list((settings.MEDIA_ROOT / "presenters").glob("**/*"))
        if (settings.MEDIA_ROOT / "presenters").exists()
        else True
    )


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"voice": "klingon"}, "voice", "Voice 'klingon' is not one of the espeak engine's voices"),
        ({"speed": 3.0}, "speed", "Speed must be from 0.5 to 2.0"),
        ({"language": "english!"}, "language", "is not a language tag"),
        ({"tts_engine": "alexa"}, "tts_engine", "alexa"),
        ({"framing": "feet"}, "framing", "Framing 'feet' is unknown"),
    ],
)
def test_a_bad_voice_is_refused_naming_the_field(merchant, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        factories.presenter_make(merchant=merchant, **fields)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Presenter.objects.exists()


def test_deleting_the_default_hands_the_role_on(merchant):
    first = factories.presenter_make(merchant=merchant, slug="a-host")
    factories.presenter_make(merchant=merchant, slug="b-host")
    presenter_delete(presenter=first)
    assert Presenter.objects.get(merchant=merchant, is_default=True).slug == "b-host"


def _upload(data: bytes, name: str = "host.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_the_api_creates_lists_updates_and_deletes_presenters(api, other_api, merchant):
    response = api.post(
        "/api/v1/presenters",
        {
            "name": "Mia",
            "slug": "mia",
            "avatar": _upload(factories.portrait_bytes()),
            "language": "en",
            "voice": "en-us",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "mia" and body["is_default"] and body["avatar"].startswith("http")
    assert len(body["face"]) == 4
    assert [p["slug"] for p in api.get("/api/v1/presenters").json()] == ["mia"]
    response = api.patch("/api/v1/presenters/mia", {"speed": 1.25, "framing": "head"}, format="json")
    assert response.status_code == 200 and response.json()["speed"] == 1.25
    assert other_api.get("/api/v1/presenters/mia").status_code == 404
    assert other_api.get("/api/v1/presenters").json() == []
    assert api.delete("/api/v1/presenters/mia").status_code == 204
    assert api.get("/api/v1/presenters/mia").status_code == 404


def test_the_api_refuses_a_photo_with_two_faces_with_a_400_naming_the_photo(api):
    response = api.post(
        "/api/v1/presenters", {"name": "Duo", "avatar": _upload(factories.two_faces_bytes())}, format="multipart"
    )
    assert response.status_code == 400
    assert "Found 2 faces" in str(response.json())
    assert "avatar" in str(response.json())
    response = api.post(
        "/api/v1/presenters",
        {"name": "Mia", "avatar": _upload(factories.portrait_bytes()), "mood": "happy"},
        format="multipart",
    )
    assert response.status_code == 400 and "mood is not a presenter field" in str(response.json())


def test_the_admin_refuses_a_faceless_photo_on_the_field(client, merchant):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password")
    client.force_login(admin)
    form = {
        "merchant": merchant.pk,
        "name": "Host",
        "slug": "host",
        "tts_engine": "espeak",
        "voice": "",
        "speed": "1.0",
        "language": "en",
        "framing": "chest",
    }
    response = client.post("/admin/generation/presenter/add/", {**form, "avatar": _upload(factories.photo_bytes())})
    assert response.status_code == 200 and "No face found in the photo" in response.content.decode()
    assert not Presenter.objects.exists()
    response = client.post("/admin/generation/presenter/add/", {**form, "avatar": _upload(factories.portrait_bytes())})
    assert response.status_code == 302
    assert Presenter.objects.get().face
