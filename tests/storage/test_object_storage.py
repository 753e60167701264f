"""Uploads to a real S3-compatible server: content type, cache headers and checksum on every object; private
objects never readable without a signature; public URLs from MEDIA_PUBLIC_BASE_URL or presigned."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_upload_lands_with_type_cache_headers_and_checksum(s3_media):
    body = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    default_storage.save("renders/abc/video.mp4", ContentFile(body))

    head = s3_media.client().head_object(
        Bucket=s3_media.bucket, Key="media/public/renders/abc/video.mp4", ChecksumMode="ENABLED"
    )
    assert head["ContentType"] == "video/mp4"
    assert head["CacheControl"].startswith("public")
    assert head["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert head["ContentLength"] == len(body)
