"""Media in a bucket on a real S3-compatible server (moto's, over HTTP): every upload carries its content type,
cache headers and checksum; private objects are never readable without a signature and reach their merchant only
through /files/; public files get the CDN base URL or a presigned URL that downloads; a worker killed in the
middle of an upload leaves nothing under the final name."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog.models import ProductImage
from shop_video.media import media_file_writer, private_storage
from shop_video.tenancy.models import Membership
from tests import factories


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_upload_lands_with_type_cache_headers_and_checksum(s3_media):
    body = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    default_storage.save("renders/abc/video.mp4", ContentFile(body))
    private_storage.save("k" * 32 + "/fonts/abc.ttf", ContentFile(b"font bytes"))

    client = s3_media.client()
    public = client.head_object(Bucket=s3_media.bucket, Key="media/public/renders/abc/video.mp4")
    assert public["ContentType"] == "video/mp4"
    assert public["CacheControl"].startswith("public")
    assert public["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert public["ContentLength"] == len(body)
    private = client.head_object(Bucket=s3_media.bucket, Key=f"media/private/{'k' * 32}/fonts/abc.ttf")
    assert private["ContentType"] == "font/ttf"
    assert private["CacheControl"].startswith("private")
    assert private["ContentDisposition"] == "attachment"
    assert private["Metadata"]["sha256"] == hashlib.sha256(b"font bytes").hexdigest()
    # An uploaded name that would be a page is stored as data all the same.
    private_storage.save("k" * 32 + "/imports/page.html", ContentFile(b"<script>"))
    page = client.head_object(Bucket=s3_media.bucket, Key=f"media/private/{'k' * 32}/imports/page.html")
    assert page["ContentType"] == "application/octet-stream"


def test_written_file_is_uploaded_whole_and_overwrites_its_own_name(s3_media):
    for text in ("first", "second"):
        with media_file_writer("renders/x/1x1.vtt") as tmp:
            tmp.write_text(f"WEBVTT {text}")
    assert default_storage.open("renders/x/1x1.vtt").read() == b"WEBVTT second"
    assert s3_media.keys("public/renders/x") == ["media/public/renders/x/1x1.vtt"]
    assert not any((Path(os.environ["WORKER_SCRATCH_DIR"]) / "out").iterdir()), "no temporary file left behind"


@pytest.mark.django_db
def test_a_private_object_is_refused_without_a_signature_and_reaches_its_merchant_through_files(
    s3_media, client, merchant, other_merchant
):
    product = factories.product_make(merchant=merchant, sku="MUG-1", photos=1)
    image = ProductImage.objects.get(product=product)
    key = f"media/private/{image.file.name}"
    assert image.file.url == f"/files/{image.file.name}"
    assert key in s3_media.keys("private")
    anonymous_url = f"{s3_media.server.endpoint_url}/{s3_media.bucket}/{key}"
    assert _get(anonymous_url)[0] == 403  # never public-read

    client.force_login(Membership.objects.filter(merchant=other_merchant).first().user)
    assert client.get(f"/files/{image.file.name}").status_code == 404  # another shop: as if it did not exist
    client.force_login(Membership.objects.filter(merchant=merchant).first().user)
    response = client.get(f"/files/{image.file.name}")
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    status, body = _get(response["Location"])  # a short presigned URL
    assert status == 200 and body == image.file.open("rb").read() and body[:2] == b"\xff\xd8"
    assert "X-Amz-Expires=300" in response["Location"]


def test_public_files_get_the_cdn_base_url_or_a_presigned_url_that_downloads(s3_media, settings):
    default_storage.save("renders/abc/9x16.mp4", ContentFile(b"video bytes"))
    status, body = _get(default_storage.url("renders/abc/9x16.mp4"))
    assert (status, body) == (200, b"video bytes")
    settings.MEDIA_PUBLIC_BASE_URL = "https://cdn.example.com/media"
    assert default_storage.url("renders/abc/9x16.mp4") == "https://cdn.example.com/media/renders/abc/9x16.mp4"
    # Private files never use the CDN, nor a bucket URL: their address is the view that checks the merchant.
    assert private_storage.url("k/fonts/a.ttf") == "/files/k/fonts/a.ttf"


# The child uploads a 12 MB file (multipart, 5 MB parts) whose reads stall after the first part, says so, and
# waits to be killed: the real storage code path, slowed at its source.
_UPLOADER = """
import os, sys, time, django
django.setup()
from django.core.files import File
from django.core.files.storage import default_storage
from storages.backends import s3
from boto3.s3.transfer import TransferConfig

default_storage._setup()
default_storage._wrapped.transfer_config = TransferConfig(multipart_threshold=5 * 2**20, use_threads=False)

class Stalling:
    closed = False

    def __init__(self, size):
        self.size, self.sent = size, 0
    def read(self, n=-1):
        if self.sent >= 6 * 2**20:
            open(sys.argv[1], "w").close()
            time.sleep(600)
        n = min(self.size - self.sent if n < 0 else n, self.size - self.sent)
        self.sent += n
        return b"x" * n
    def seek(self, *a):
        return 0
    def seekable(self):
        return False
    def tell(self):
        return self.sent

default_storage.save("renders/killed/9x16.mp4", File(Stalling(12 * 2**20), name="9x16.mp4"))
"""


def test_a_worker_killed_mid_upload_leaves_no_object_under_the_final_name(s3_media, tmp_path):
    marker = tmp_path / "first-part-sent"
    env = {**os.environ, **s3_media.environment, "DJANGO_SETTINGS_MODULE": "shop_video.settings"}
    child = subprocess.Popen([sys.executable, "-c", _UPLOADER, str(marker)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the uploader ended before stalling"
            assert time.monotonic() < deadline, "the uploader never sent its first part"
            time.sleep(0.1)
        uploads = s3_media.client().list_multipart_uploads(Bucket=s3_media.bucket).get("Uploads", [])
        assert [upload["Key"] for upload in uploads] == ["media/public/renders/killed/9x16.mp4"]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert not default_storage.exists("renders/killed/9x16.mp4")
    assert s3_media.keys("public/renders/killed") == []
