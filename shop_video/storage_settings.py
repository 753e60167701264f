"""Which storages hold media, from the environment: `MEDIA_STORAGE` unset means the local filesystem (MEDIA_ROOT
and PRIVATE_MEDIA_ROOT), `MEDIA_STORAGE=s3://BUCKET/PREFIX` an S3-compatible bucket through django-storages.

On S3 both storages share the bucket under separate prefixes: `PREFIX/public/` (renditions, posters, previews,
captions, live chunks) and `PREFIX/private/` (feeds, photos, brand files, presenter photos, shot clips). No
object is written with a public ACL: private files are only ever presigned for their merchant, public ones get
`MEDIA_PUBLIC_BASE_URL` + name (a CDN whose origin is `PREFIX/public/`) or a presigned URL.

The rest is django-storages' own vocabulary (AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_S3_ADDRESSING_STYLE)
and boto3's credential chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).
Pure data, no boto3 import: settings.py and the tests' S3 fixture both build their settings here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# DNS-style bucket names (what AWS, MinIO, R2 and GCS all accept).
_S3_URL = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>[^?#]*))?")
ADDRESSING_STYLES = ("auto", "path", "virtual")
PUBLIC_PART, PRIVATE_PART = "public", "private"

LOCAL_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},  # public: renditions, live chunks
    "private": {"BACKEND": "shop_video.media.PrivateFileSystemStorage"},
}


def media_storage_settings(environ: Mapping[str, str]) -> dict:
    """The settings that follow from MEDIA_STORAGE and its companions: STORAGES' "default" and "private"
    entries, MEDIA_STORAGE_BUCKET (None on local disk) and MEDIA_PUBLIC_BASE_URL."""
    raw = (environ.get("MEDIA_STORAGE") or "").strip()
    public_base_url = (environ.get("MEDIA_PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if public_base_url and not public_base_url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"MEDIA_PUBLIC_BASE_URL={public_base_url!r} is not an http(s) URL: set it to the CDN address in front "
            "of the bucket's public prefix, e.g. https://cdn.example.com/media, or leave it unset."
        )
    if not raw or raw in ("local", "file"):
        return {
            "STORAGES": dict(LOCAL_STORAGES),
            "MEDIA_STORAGE_BUCKET": None,
            "MEDIA_PUBLIC_BASE_URL": public_base_url,
            "MEDIA_ORIGINS": [],
        }
    match = _S3_URL.fullmatch(raw)
    if match is None:
        raise ImproperlyConfigured(
            f"MEDIA_STORAGE={raw!r} is not understood: leave it unset for local disk, or set "
            "s3://BUCKET/PREFIX (a lowercase bucket name; the prefix is optional)."
        )
    bucket, prefix = match["bucket"], (match["prefix"] or "").strip("/")
    addressing = (environ.get("AWS_S3_ADDRESSING_STYLE") or "").strip() or None
    if addressing is not None and addressing not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"AWS_S3_ADDRESSING_STYLE={addressing!r} is not one of {', '.join(ADDRESSING_STYLES)}."
        )
    common = {
        "bucket_name": bucket,
        "endpoint_url": (environ.get("AWS_S3_ENDPOINT_URL") or "").strip() or None,
        "region_name": (environ.get("AWS_S3_REGION_NAME") or environ.get("AWS_DEFAULT_REGION") or "").strip() or None,
        "addressing_style": addressing,
        "default_acl": None,  # the bucket's own (private) ACL: nothing is ever uploaded public-read
        "file_overwrite": True,  # a retried shot or rendition replaces its own deterministic name
        "querystring_auth": True,
        "signature_version": "s3v4",
    }
    part = lambda name: f"{prefix}/{name}" if prefix else name  # noqa: E731
    return {
        "STORAGES": {
            "default": {
                "BACKEND": "shop_video.object_storage.PublicObjectStorage",
                "OPTIONS": {**common, "location": part(PUBLIC_PART), "querystring_expire": 6 * 3600},
            },
            "private": {
                "BACKEND": "shop_video.object_storage.PrivateObjectStorage",
                # short: a private file's URL is handed to its merchant right after the /files/ check
                "OPTIONS": {**common, "location": part(PRIVATE_PART), "querystring_expire": 300},
            },
        },
        "MEDIA_STORAGE_BUCKET": bucket,
        "MEDIA_PUBLIC_BASE_URL": public_base_url,
        "MEDIA_ORIGINS": _media_origins(common["endpoint_url"], public_base_url),
    }


def _media_origins(endpoint_url: str | None, public_base_url: str) -> list[str]:
    """Where pages load media from (the Content-Security-Policy's img/media/connect sources): the CDN, and the
    bucket's endpoint with its virtual-hosted bucket names (AWS when no endpoint is set)."""
    origins = [_origin(public_base_url)] if public_base_url else []
    if endpoint_url:
        scheme, _, host = _origin(endpoint_url).partition("://")
        origins.append(f"{scheme}://{host}")
        if any(char.isalpha() for char in host.split(":")[0]):  # a host name may carry virtual-hosted buckets
            origins.append(f"{scheme}://*.{host}")
    else:
        origins.append("https://*.amazonaws.com")
    return origins


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
