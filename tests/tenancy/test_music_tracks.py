"""A brand kit's named music tracks: checked uploads, the order a template's music.track / music.mood picks in,
the /api/v1/brand-kits/{kit_id}/music-tracks routes (merchant-scoped), and the admin inline."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from shop_video.tenancy.brand_assets import CheckedAsset
from shop_video.tenancy.models import BrandKit, BrandMusicTrack
from shop_video.tenancy.selectors import brand_music_for
from shop_video.tenancy.services import brand_music_track_add, brand_music_track_delete
from tests.tenancy.files import upload, wav_bytes

pytestmark = pytest.mark.django_db


def _kit(merchant) -> BrandKit:
    return BrandKit.objects.get(merchant=merchant, is_default=True)


def _track(kit, name, mood="") -> BrandMusicTrack:
    # Stored without the audio check: these tests are about which file is picked, not what is in it.
    return brand_music_track_add(kit=kit, name=name, mood=mood, file=CheckedAsset(b"RIFF", name=f"{name}.wav"))


def test_a_named_track_wins_then_the_first_track_of_the_mood_then_the_default_music(merchant):
    kit = _kit(merchant)
    calm_first, calm_second, party = (
        _track(kit, "calm-a", "calm"),
        _track(kit, "calm-b", "calm"),
        _track(kit, "party", "upbeat"),
    )
    kit.music.save("default.wav", ContentFile(b"RIFF"))

    assert brand_music_for(kit=kit, track="party", mood="calm") == party.file.name
    assert brand_music_for(kit=kit, track="calm-b", mood=None) == calm_second.file.name
    assert brand_music_for(kit=kit, track="missing", mood="calm") is None  # never something else in its place
    assert brand_music_for(kit=kit, track=None, mood="calm") == calm_first.file.name
    assert brand_music_for(kit=kit, track=None, mood="warm") == kit.music.name  # no warm track: the default
    assert brand_music_for(kit=kit, track=None, mood=None) == kit.music.name
    kit.music = ""
    kit.save()
    assert brand_music_for(kit=kit, track=None, mood="warm") is None
    assert brand_music_for(kit=None, track=None, mood="calm") is None


def test_adding_checks_the_audio_the_name_and_the_mood_and_stores_nothing_refused(merchant):
    kit = _kit(merchant)
    track = brand_music_track_add(
        kit=kit, name="summer-theme", mood="upbeat", file=upload("Summer Theme.wav", wav_bytes(1.5))
    )
    # private, in the merchant's random folder, a random name: nothing of "Summer Theme" shared with other shops
    assert track.file.name.startswith(f"{merchant.media_key}/music/") and track.file.name.endswith(".wav")
    assert "Summer" not in track.file.name

    with pytest.raises(ValidationError) as error:
        brand_music_track_add(kit=kit, name="Summer Theme!", mood="loud", file=upload("song.mp3", b"text " * 100))
    fields = error.value.message_dict
    assert "no audio" in fields["file"][0]
    assert "slug" in fields["name"][0]
    assert "Mood 'loud' is unknown; use one of upbeat, calm, elegant, energetic, warm" in fields["mood"][0]

    with pytest.raises(ValidationError) as error:
        brand_music_track_add(kit=kit, name="summer-theme", mood="", file=upload("again.wav", wav_bytes(1.5)))
    assert "already has a track named 'summer-theme'" in error.value.message_dict["name"][0]

    with pytest.raises(ValidationError) as error:
        brand_music_track_add(kit=kit, name="short", mood="", file=upload("blip.wav", wav_bytes(0.3)))
    assert "at least 1 s" in error.value.message_dict["file"][0]
    assert list(kit.music_tracks.values_list("name", flat=True)) == ["summer-theme"]

    # The same name is fine in another kit.
    other = BrandKit.objects.create(merchant=merchant, name="Winter", is_default=False)
    assert _track(other, "summer-theme").kit == other


def test_deleting_a_track_leaves_the_kits_other_tracks(merchant):
    kit = _kit(merchant)
    gone, kept = _track(kit, "gone"), _track(kit, "kept")
    brand_music_track_delete(track=gone)
    assert list(kit.music_tracks.all()) == [kept]


# --- API ------------------------------------------------------------------------------------------------------


def test_upload_a_real_wav_list_it_and_see_it_in_the_kit(api, merchant):
    kit = _kit(merchant)
    url = f"/api/v1/brand-kits/{kit.pk}/music-tracks"
    response = api.post(
        url,
        {"name": "summer-theme", "mood": "upbeat", "file": upload("summer.wav", wav_bytes(1.5))},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "summer-theme" and body["mood"] == "upbeat"
    assert body["url"].startswith("http://testserver/") and body["url"].endswith(".wav")
    stored = BrandMusicTrack.objects.get(pk=body["id"], kit=kit)
    with stored.file.open("rb") as handle:
        assert handle.read(4) == b"RIFF"

    response = api.post(url, {"name": "quiet", "file": upload("quiet.wav", wav_bytes(1.2))}, format="multipart")
    assert response.status_code == 201 and response.json()["mood"] == ""
    assert [track["name"] for track in api.get(url).json()] == ["summer-theme", "quiet"]
    kit_body = api.get(f"/api/v1/brand-kits/{kit.pk}").json()
    assert [(track["name"], track["mood"]) for track in kit_body["music_tracks"]] == [
        ("summer-theme", "upbeat"),
        ("quiet", ""),
    ]
    assert kit_body["music_tracks"][0]["url"] == body["url"]
    assert api.get("/api/v1/brand-kits").json()[0]["music_tracks"][1]["name"] == "quiet"


def test_a_bad_track_is_a_400_in_the_one_error_shape_and_nothing_is_stored(api, merchant):
    kit = _kit(merchant)
    url = f"/api/v1/brand-kits/{kit.pk}/music-tracks"
    response = api.post(
        url, {"name": "noise", "mood": "upbeat", "file": upload("song.mp3", b"text " * 100)}, format="multipart"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error" and "no audio" in error["fields"]["file"][0]
    assert "file:" in error["message"]

    response = api.post(url, {"name": "a b", "mood": "loud", "file": upload("song.txt", b"x")}, format="multipart")
    fields = response.json()["error"]["fields"]
    assert response.status_code == 400 and set(fields) >= {"name", "mood"}

    api.post(url, {"name": "theme", "file": upload("a.wav", wav_bytes(1.2))}, format="multipart")
    response = api.post(url, {"name": "theme", "file": upload("b.wav", wav_bytes(1.2))}, format="multipart")
    assert response.status_code == 400 and "already has a track named" in response.json()["error"]["fields"]["name"][0]
    assert response.json()["error"]["fields"].keys() == {"name"}
    assert list(kit.music_tracks.values_list("name", flat=True)) == ["theme"]

    response = api.post(url, {"name": "theme"}, format="json")
    assert response.status_code == 415


def test_another_merchants_kit_and_track_are_a_404_and_stay_unchanged(api, other_api, merchant, other_merchant):
    kit = _kit(merchant)
    track = _track(kit, "secret-theme", "calm")
    url = f"/api/v1/brand-kits/{kit.pk}/music-tracks"
    for response in (
        other_api.get(url),
        other_api.post(url, {"name": "stolen", "file": upload("x.wav", wav_bytes(1.2))}, format="multipart"),
        other_api.delete(f"{url}/{track.pk}"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["error"]["type"] == "not_found"
        assert "secret-theme" not in response.content.decode()
    # Their own kit id with acme's track id is still a 404: a track belongs to one kit.
    other_kit = _kit(other_merchant)
    assert other_api.delete(f"/api/v1/brand-kits/{other_kit.pk}/music-tracks/{track.pk}").status_code == 404
    assert other_api.delete(f"/api/v1/brand-kits/{other_kit.pk}/music-tracks/99999999999999999999").status_code == 404
    assert list(kit.music_tracks.values_list("name", flat=True)) == ["secret-theme"]


def test_delete_removes_the_track(api, merchant):
    kit = _kit(merchant)
    track = _track(kit, "old-theme")
    url = f"/api/v1/brand-kits/{kit.pk}/music-tracks/{track.pk}"
    assert api.delete(url).status_code == 204
    assert not BrandMusicTrack.objects.filter(pk=track.pk).exists()
    response = api.delete(url)
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"


# --- Admin ----------------------------------------------------------------------------------------------------


def test_the_admin_inline_checks_track_uploads(client, merchant):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345!")
    client.force_login(user)
    kit = _kit(merchant)
    url = f"/admin/tenancy/brandkit/{kit.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "merchant": merchant.pk,
        "name": "Default",
        "is_default": "on",
        "primary_colour": "#111111",
        "secondary_colour": "#ffffff",
        "accent_colour": "#e4572e",
        "watermark_position": "bottom-right",
        "ai_label_position": "auto",
        "intro_enabled": "on",
        "outro_enabled": "on",
        "music_tracks-TOTAL_FORMS": "1",
        "music_tracks-INITIAL_FORMS": "0",
        "music_tracks-MIN_NUM_FORMS": "0",
        "music_tracks-MAX_NUM_FORMS": "1000",
        "music_tracks-0-name": "theme",
        "music_tracks-0-mood": "warm",
    }
    response = client.post(url, {**form, "music_tracks-0-file": upload("song.mp3", b"text " * 100)})
    assert response.status_code == 200 and "no audio" in response.content.decode()
    assert not kit.music_tracks.exists()
    response = client.post(url, {**form, "music_tracks-0-file": upload("theme.wav", wav_bytes(1.2))})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert kit.music_tracks.get().mood == "warm"
