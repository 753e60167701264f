"""Copying media stored on local disk into the configured bucket (`manage.py media_to_bucket`), for an install that
moves from MEDIA_ROOT / PRIVATE_MEDIA_ROOT to MEDIA_STORAGE=s3://...

Every file under MEDIA_ROOT goes to the public storage and every file under PRIVATE_MEDIA_ROOT to the private
one, under the same name, so the rows that name them stay valid with no database change. It is idempotent and
resumable: an object already in the bucket with the same size and SHA-256 is skipped, and an upload is atomic
(S3 shows an object only once it is whole), so a run that was interrupted, or is run again, copies only what is
missing or different. The local files are left in place; delete them once the bucket serves everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

from shop_video.object_storage import file_sha256

PARTIAL_PREFIX = ".partial-"  # media_file_writer's files in progress: never published, never copied


class NotABucket(Exception):
    """MEDIA_STORAGE does not point at a bucket, so there is nowhere to copy to."""


@dataclass
class CopyReport:
    copied: int = 0  # not in the bucket before
    replaced: int = 0  # in the bucket with other bytes (the local file is the one its row was written for)
    skipped: int = 0  # already there with the same size and SHA-256
    bytes_copied: int = 0
    lines: list[str] = field(default_factory=list)  # one per file copied or replaced, for --verbose


def local_media_roots() -> list[tuple[str, Path]]:
    """(storage alias, local folder) pairs: public media and private media."""
    return [("default", Path(settings.MEDIA_ROOT)), ("private", Path(settings.PRIVATE_MEDIA_ROOT))]


def media_to_bucket_copy(*, dry_run: bool = False, progress: Callable[[str], None] | None = None) -> CopyReport:
    if not getattr(settings, "MEDIA_STORAGE_BUCKET", None):
        raise NotABucket(
            "MEDIA_STORAGE is not a bucket: set MEDIA_STORAGE=s3://BUCKET/PREFIX (and the AWS_* variables) for "
            "this command, keeping MEDIA_ROOT and PRIVATE_MEDIA_ROOT pointed at the local folders to copy."
        )
    report = CopyReport()
    for alias, root in local_media_roots():
        target = storages[alias]
        for path, name in _local_files(root):
            size = path.stat().st_size
            with path.open("rb") as handle:
                digest = file_sha256(handle)
            there = _object_state(target, name)
            if there == (size, digest):
                report.skipped += 1
                continue
            verb = "replace" if there else "copy"
            line = f"{verb} {alias}:{name} ({size:,} bytes)"
            report.lines.append(line)
            if progress:
                progress(line)
            if not dry_run:
                _upload(target, name, path)
            report.bytes_copied += size
            if there:
                report.replaced += 1
            else:
                report.copied += 1
    return report


def _local_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Files under `root` with their storage names, sorted (a resumed run walks in the same order)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.startswith(PARTIAL_PREFIX):
            yield path, path.relative_to(root).as_posix()


def _object_state(storage: Storage, name: str) -> tuple[int, str | None] | None:
    """(size, SHA-256 hex) of the object named `name`, None when there is none. Uploads through this project
    carry the digest in their metadata; for others a single-part ETag (the MD5) is checked against nothing, so
    they count as different and are copied again."""
    from botocore.exceptions import ClientError

    head = storage.bucket.Object(storage._normalize_name(name))
    try:
        head.load()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return head.content_length, (head.metadata or {}).get("sha256")


def _upload(storage: Storage, name: str, path: Path) -> None:
    with path.open("rb") as handle:
        saved = storage.save(name, File(handle, name=name))
    if saved != name:  # file_overwrite keeps names; a storage that renames would break the rows
        storage.delete(saved)
        raise RuntimeError(f"the bucket stored {name} as {saved}; set file_overwrite for this storage")
