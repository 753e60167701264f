"""Media in an S3-compatible bucket (MEDIA_STORAGE=s3://..., see shop_video.storage_settings): django-storages'
S3 backend with this project's rules on top.

- Every object is uploaded with a safe content type (the same short list /files/ serves), cache headers (public:
  long-lived, the names never change meaning; private: `private`), a SHA-256 checksum S3 verifies on arrival
  (ChecksumAlgorithm) and the hex digest in the object's metadata (`sha256`) for anyone who reads it back.
- An upload is one PUT, or a multipart upload that S3 assembles only on its final request: a worker killed in
  the middle leaves no object under the final name (abandoned parts are cleaned by the bucket's lifecycle rule,
  docs/architecture.md).
- No object is public-read. Public files get MEDIA_PUBLIC_BASE_URL + name when it is set (a CDN in front of the
  public prefix), otherwise a presigned URL; private files only ever a short presigned URL, handed out by
  /files/ after the merchant check.
- `object_storage_check()` runs when a process starts (web: a system check and wsgi; worker: celeryd_init) and
  turns "unreachable", "no such bucket" and "bad credentials" into a message that names the variable to fix.
"""

from __future__ import annotations

import hashlib
import io
from urllib.parse import quote

from botocore.config import Config
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage

PUBLIC_CACHE_CONTROL = "public, max-age=86400"
PRIVATE_CACHE_CONTROL = "private, max-age=300"
# A worker on a flaky network retries a request a few times before the task sees the error (and retries).
CLIENT_TIMEOUTS = {"connect_timeout": 10, "read_timeout": 120, "retries": {"max_attempts": 4, "mode": "standard"}}


def file_sha256(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


class _ObjectStorage(S3Storage):
    cache_control = PRIVATE_CACHE_CONTROL

    def __init__(self, **options):
        super().__init__(**options)
        if options.get("client_config") is None:
            self.client_config = Config(
                s3={"addressing_style": self.addressing_style},
                signature_version=self.signature_version,
                proxies=self.proxies,
                **CLIENT_TIMEOUTS,
            )

    def get_object_parameters(self, name):
        from shop_video.private_files import safe_content_type

        return {
            **super().get_object_parameters(name),
            "ContentType": safe_content_type(name),
            "CacheControl": self.cache_control,
        }

    def _get_write_parameters(self, name, content=None):
        params = super()._get_write_parameters(name, content)
        params["ChecksumAlgorithm"] = "SHA256"
        if content is not None and _seekable(content):
            content.seek(0)
            params["Metadata"] = {**params.get("Metadata", {}), "sha256": file_sha256(content)}
            content.seek(0)
        return params

    def version_tag(self, name: str) -> str:
        """What changes whenever the object's bytes do (its ETag): the worker scratch cache keys copies by it."""
        from botocore.exceptions import ClientError

        try:
            return self.bucket.Object(self._normalize_name(name)).e_tag.strip('"')
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"{name} is not in the bucket") from None
            raise


def _seekable(content) -> bool:
    try:
        return content.seekable() if hasattr(content, "seekable") else isinstance(content, io.IOBase)
    except ValueError:  # a closed file
        return False


class PublicObjectStorage(_ObjectStorage):
    """Renditions, posters, previews, captions and live chunks."""

    cache_control = PUBLIC_CACHE_CONTROL

    def url(self, name, parameters=None, expire=None, http_method=None):
        base = getattr(settings, "MEDIA_PUBLIC_BASE_URL", "")
        if base and not parameters and http_method in (None, "GET"):
            return f"{base}/{quote(name.lstrip('/'))}"
        return super().url(name, parameters=parameters, expire=expire, http_method=http_method)


class PrivateObjectStorage(_ObjectStorage):
    """Feeds, photos, brand files, presenter photos, shot clips. Their URL is the merchant-checking view's, as on
    local disk (`/files/<name>`); only that view, after its check, hands out a short presigned URL."""

    cache_control = PRIVATE_CACHE_CONTROL

    def url(self, name, parameters=None, expire=None, http_method=None):
        from shop_video.media import PRIVATE_FILES_URL

        return f"{PRIVATE_FILES_URL}{quote(name.lstrip('/'))}"

    def presigned_url(self, name: str) -> str:
        return super().url(name)

    def get_object_parameters(self, name):
        return {**super().get_object_parameters(name), "ContentDisposition": "attachment"}


def object_storage_check() -> None:
    """Raise ImproperlyConfigured naming the variable to fix when the configured bucket cannot be used; nothing on
    local storage. One HEAD request per storage, with short timeouts."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
    from django.core.files.storage import storages

    if not getattr(settings, "MEDIA_STORAGE_BUCKET", None):
        return
    endpoint = settings.STORAGES["default"]["OPTIONS"].get("endpoint_url") or "AWS's default endpoint"
    for alias in ("default", "private"):
        storage = storages[alias]
        if not isinstance(storage, S3Storage):
            continue
        client = storage.connection.meta.client
        # Short and few: a process that cannot reach its bucket should say so in seconds, not minutes.
        quick = client.meta.config.merge(Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1}))
        probe = storage._create_session().client(
            "s3",
            region_name=storage.region_name,
            endpoint_url=storage.endpoint_url,
            config=quick,
            use_ssl=storage.use_ssl,
            verify=storage.verify,
        )
        try:
            probe.head_bucket(Bucket=storage.bucket_name)
        except NoCredentialsError:
            raise ImproperlyConfigured(
                "MEDIA_STORAGE is a bucket but no AWS credentials were found: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or give the machine an instance role)."
            ) from None
        except EndpointConnectionError as exc:
            raise ImproperlyConfigured(
                f"The media bucket cannot be reached at {endpoint} ({exc}): check AWS_S3_ENDPOINT_URL and the "
                "network between this machine and the bucket."
            ) from None
        except ClientError as exc:
            raise ImproperlyConfigured(_client_error_message(exc, storage.bucket_name)) from None
        except BotoCoreError as exc:
            raise ImproperlyConfigured(
                f"The media bucket at {endpoint} did not answer ({exc}): check AWS_S3_ENDPOINT_URL."
            ) from None


def _client_error_message(exc, bucket: str) -> str:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = exc.response.get("Error", {}).get("Code", "")
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken") or (
        status == 403 and code in ("", "403")
    ):
        return (
            f"The media bucket {bucket!r} refused the credentials ({code or status}): check AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if you use one)."
        )
    if status == 404 or code in ("NoSuchBucket", "404"):
        return f"The media bucket {bucket!r} does not exist: create it, or fix the bucket name in MEDIA_STORAGE."
    if status == 301 or code in ("PermanentRedirect", "AuthorizationHeaderMalformed"):
        return f"The media bucket {bucket!r} is in another region: set AWS_S3_REGION_NAME to the bucket's region."
    return (
        f"The media bucket {bucket!r} answered {code or status}: check MEDIA_STORAGE, AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, and that the credentials may read and write the bucket."
    )
