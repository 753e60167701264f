"""Writing generated files into media storage atomically, at deterministic names.

A renderer writes to a local temporary file; only a complete file is moved to its final name, so a crash or a
retry never leaves (or serves) half an MP4, and a retry overwrites instead of piling up `name_abc123.mp4`s.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage

from shop_video.media_faults import DiskFull, disk_full_reason, mp4_complete_check


@contextlib.contextmanager
def media_file_writer(name: str, *, suffix: str = "") -> Iterator[Path]:
    """Yield a local path to write; on a clean exit publish it as `name` in default storage."""
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        final = Path(storage.path(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        workdir = final.parent  # same filesystem, so os.replace is atomic
    else:
        workdir = None
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=suffix or Path(name).suffix, dir=workdir)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.suffix == ".mp4":
            mp4_complete_check(tmp_path, name=name)  # encoders do not always say that they failed
        if isinstance(storage, FileSystemStorage):
            # mkstemp makes 0600 files; published media must be readable like any upload.
            os.chmod(tmp_path, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
            os.replace(tmp_path, final)
        else:
            if storage.exists(name):
                storage.delete(name)
            with tmp_path.open("rb") as handle:
                storage.save(name, File(handle))
    except Exception as exc:
        if reason := disk_full_reason(exc, directory=tmp_path.parent, name=name):
            raise DiskFull(errno.ENOSPC, reason) from exc
        raise
    finally:
        tmp_path.unlink(missing_ok=True)  # half a file is never left behind, let alone published


def media_local_path(name: str) -> Path:
    """A local filesystem path for a stored file (engines and moviepy need real paths; local media only for now)."""
    return Path(default_storage.path(name))
