"""`manage.py media_to_bucket`: local media (public and private) copied into the bucket on the tests' S3 server
under the same names, so rows made on local disk open from the bucket; run again it copies nothing, and after an
interrupted run it copies only what was missing."""

from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalog.models import ProductImage
from shop_video.media import private_storage
from shop_video.storage_settings import LOCAL_STORAGES
from tests import factories
from tests.storage.conftest import s3_media, s3_server  # noqa: F401  (the fixtures, from their one home)

pytestmark = pytest.mark.django_db

RENDITION = "renders/abc/video.mp4"


def _local_media(settings, merchant):
    """What an install on local disk has: a public rendition under MEDIA_ROOT, a product's photos under
    PRIVATE_MEDIA_ROOT, made through the storage API while the storages were local."""
    with override_settings(STORAGES={**settings.STORAGES, **LOCAL_STORAGES}):
        default_storage.save(RENDITION, StringIO("not really an mp4"))
        product = factories.product_make(merchant=merchant, sku="MUG-1", photos=2)
        names = {
            "public": [RENDITION],
            "private": sorted(p.file.name for p in ProductImage.objects.filter(product=product)),
        }
    assert len(names["private"]) == 2 and (settings.PRIVATE_MEDIA_ROOT / names["private"][0]).is_file()
    return names


def _run(*args: str) -> str:
    out = StringIO()
    call_command("media_to_bucket", *args, stdout=out)
    return out.getvalue()


def test_local_media_is_copied_under_the_same_names_and_rows_open_from_the_bucket(
    s3_media,  # noqa: F811
    settings,
    merchant,
    monkeypatch,
):
    names = _local_media(settings, merchant)
    local_photo = (settings.PRIVATE_MEDIA_ROOT / names["private"][0]).read_bytes()
    assert "Copied 3 new and 0 changed files" in _run()
    assert s3_media.keys() == sorted(
        [f"media/public/{RENDITION}", *(f"media/private/{name}" for name in names["private"])]
    )
    # The rows made on local disk open from the bucket, same bytes, with the storage's rules on each object.
    photo = ProductImage.objects.filter(file=names["private"][0]).get()
    assert photo.file.storage is private_storage and photo.file.read() == local_photo
    head = s3_media.client().head_object(Bucket=s3_media.bucket, Key=f"media/private/{names['private'][0]}")
    assert head["ContentType"] == "image/jpeg" and head["Metadata"]["sha256"]
    assert default_storage.open(RENDITION).read() == b"not really an mp4"

    # Again: nothing to do, and nothing is uploaded.
    from shop_video import media_to_bucket

    monkeypatch.setattr(media_to_bucket, "_upload", lambda *args: pytest.fail(f"uploaded again: {args}"))
    assert "Copied 0 new and 0 changed files (0 bytes); 3 already in the bucket." in _run()


def test_an_interrupted_run_resumes_with_what_is_missing_and_a_changed_file_is_copied_again(
    s3_media,  # noqa: F811
    settings,
    merchant,
    monkeypatch,
):
    names = _local_media(settings, merchant)
    from shop_video import media_to_bucket

    real_upload, uploads = media_to_bucket._upload, []

    def upload_then_die(storage, name, path):
        if len(uploads) == 1:
            raise ConnectionError("the network went away")  # the second upload never reaches the bucket
        uploads.append(name)
        real_upload(storage, name, path)

    monkeypatch.setattr(media_to_bucket, "_upload", upload_then_die)
    with pytest.raises(ConnectionError):
        _run()
    assert len(s3_media.keys()) == 1  # the first file, whole; nothing half-written for the second
    monkeypatch.setattr(media_to_bucket, "_upload", real_upload)
    assert "Copied 2 new and 0 changed files" in _run() and len(s3_media.keys()) == 3

    (settings.MEDIA_ROOT / RENDITION).write_bytes(b"the re-encoded rendition")
    (settings.MEDIA_ROOT / "renders/abc/.partial-x.mp4").write_bytes(b"half")  # a render in progress: not media
    out = _run("-v", "2", "--dry-run")
    assert f"replace default:{RENDITION}" in out and "Would copy 0 new and 1 changed" in out
    assert default_storage.open(RENDITION).read() == b"not really an mp4"  # a dry run copies nothing
    assert "Copied 0 new and 1 changed files (24 bytes); 2 already in the bucket." in _run()
    assert default_storage.open(RENDITION).read() == b"the re-encoded rendition"
    assert not any(".partial-" in key for key in s3_media.keys())
    assert names["private"][0] in " ".join(s3_media.keys())


def test_on_local_storage_it_says_what_to_set():
    with pytest.raises(CommandError, match=r"MEDIA_STORAGE is not a bucket: set MEDIA_STORAGE=s3://BUCKET/PREFIX"):
        _run()
