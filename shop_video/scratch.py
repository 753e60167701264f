"""A worker's local copies of stored files: engines, ffmpeg and moviepy need real paths, media lives in a bucket.

`scratch_path(file)` gives a local path holding a stored file's bytes. On local storage that is the stored file
itself (the disk is already local; copying would only cost time). On a bucket it is a copy in
WORKER_SCRATCH_DIR, downloaded once and reused while its ETag stays the same, so a retried shot's new clip is
never confused with the old one.

The folder is bounded (WORKER_SCRATCH_MAX_GB) and shared safely by every worker process on the machine:
- a copy is downloaded under `tmp/` (its full size reserved first) and renamed into `objects/`: another process
  sees the whole file or none;
- bookkeeping (what is there, what to evict) happens under an exclusive lock on `.lock`;
- a process holds a shared lock on every copy it handed out until its task ends (scratch_release, on Celery's
  task_postrun), and eviction skips copies someone holds: nothing is deleted under a running task;
- eviction takes the least recently used copies first (each use touches the file's mtime); when that cannot make
  room the task fails with ScratchFull ("scratch full: ...").
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path, PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db.models.fields.files import FieldFile

from shop_video.media_faults import DiskFull

_CHUNK = 1024 * 1024
_held: dict[str, int] = {}  # path -> fd holding a shared lock, for this process's current task


class ScratchFull(DiskFull):
    """The scratch folder cannot take a file even after evicting everything no task is using."""


def scratch_path(file: FieldFile | str, *, storage: Storage | None = None) -> Path:
    """A local path with the bytes of `file` (a FieldFile uses its own storage; a name, `storage` or the
    default storage). Valid until this process's task ends."""
    if isinstance(file, FieldFile):
        storage, name = file.storage, file.name
    else:
        storage, name = (default_storage if storage is None else storage), file
    if isinstance(storage, FileSystemStorage):
        return Path(storage.path(name))
    return _cached_copy(storage, name)


def scratch_release() -> None:
    """Let go of every copy this process handed out (they stay cached, but may now be evicted)."""
    while _held:
        _, fd = _held.popitem()
        os.close(fd)


def scratch_root() -> Path:
    return Path(settings.WORKER_SCRATCH_DIR)


def scratch_work_dir() -> Path:
    """Where a task writes what it makes before uploading it (media_file_writer, the live cutter)."""
    folder = scratch_root() / "out"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def scratch_max_bytes() -> int:
    return int(float(settings.WORKER_SCRATCH_MAX_GB) * 1024**3)


# --- the cache ------------------------------------------------------------------------------------------------


def _cached_copy(storage: Storage, name: str) -> Path:
    root = scratch_root()
    (root / "objects").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    version = _version(storage, name)
    identity = f"{type(storage).__name__}\0{getattr(storage, 'bucket_name', '')}\0{_location(storage)}\0{name}"
    key = hashlib.sha256(f"{identity}\0{version}".encode()).hexdigest()[:40]
    final = root / "objects" / f"{key}{PurePath(name).suffix.lower()}"
    if _hold(final):
        return final
    size = storage.size(name)
    with _bookkeeping(root):
        _make_room(root, size, name=name)
        partial = root / "tmp" / f"{uuid.uuid4().hex}.part"
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            if size:
                os.posix_fallocate(fd, 0, size)  # the room is taken now, as other processes count it
        except OSError as exc:
            os.close(fd)
            partial.unlink(missing_ok=True)
            raise _full(root, name, size) from exc
    try:
        with os.fdopen(fd, "wb") as out, storage.open(name, "rb") as source:
            shutil.copyfileobj(source, out, _CHUNK)
            out.truncate()
        with _bookkeeping(root):
            os.replace(partial, final)
            if not _hold(final):  # evicted in between is impossible under the lock; a vanished disk is not
                raise FileNotFoundError(f"scratch copy of {name} disappeared")
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _full(root, name, size) from exc
        raise
    finally:
        partial.unlink(missing_ok=True)
    return final


def _version(storage: Storage, name: str) -> str:
    tag = getattr(storage, "version_tag", None)
    if tag is not None:
        return tag(name)
    return f"{storage.size(name)}:{storage.get_modified_time(name).timestamp()}"


def _location(storage: Storage) -> str:
    return str(getattr(storage, "location", ""))


def _hold(path: Path) -> bool:
    """Take a shared lock on a cached copy (so no one evicts it) and mark it used; False if it is not there."""
    key = str(path)
    if key in _held:
        _touch(path)
        return True
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    fcntl.flock(fd, fcntl.LOCK_SH)
    if not path.exists():  # evicted between open and lock: the evictor unlinks under its exclusive lock
        os.close(fd)
        return False
    _held[key] = fd
    _touch(path)
    return True


def _touch(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.utime(path)


@contextlib.contextmanager
def _bookkeeping(root: Path):
    fd = os.open(root / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _used_bytes(root: Path) -> int:
    total = 0
    for folder in ("objects", "tmp"):
        for entry in os.scandir(root / folder):
            with contextlib.suppress(FileNotFoundError):
                total += entry.stat().st_blocks * 512 if folder == "tmp" else entry.stat().st_size
    return total


def _make_room(root: Path, size: int, *, name: str) -> None:
    """Under the bookkeeping lock: evict least recently used copies no one holds until `size` more fits."""
    limit = scratch_max_bytes()
    if size > limit:
        raise _full(root, name, size)
    used = _used_bytes(root)
    if used + size <= limit:
        return
    copies = []
    for entry in os.scandir(root / "objects"):
        with contextlib.suppress(FileNotFoundError):
            stat = entry.stat()
            copies.append((stat.st_mtime, stat.st_size, entry.path))
    for _, copy_size, path in sorted(copies):
        if used + size <= limit:
            break
        if path in _held or not _evict(Path(path)):
            continue
        used -= copy_size
    if used + size > limit:
        raise _full(root, name, size)


def _evict(path: Path) -> bool:
    """Delete a copy unless a task holds it (a shared lock): True when it is gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def _full(root: Path, name: str, size: int) -> ScratchFull:
    return ScratchFull(
        errno.ENOSPC,
        f"scratch full: {name} ({size:,} bytes) does not fit in {root} (WORKER_SCRATCH_MAX_GB="
        f"{settings.WORKER_SCRATCH_MAX_GB}, or the disk under it) even after evicting every copy no task is "
        "using; raise WORKER_SCRATCH_MAX_GB or point WORKER_SCRATCH_DIR at a larger disk",
    )


def scratch_stale_partials_remove(*, older_than_seconds: float = 3600) -> int:
    """Partial downloads of processes that died (tmp/*.part not touched for an hour): reclaim their room."""
    root, removed = scratch_root(), 0
    with contextlib.suppress(FileNotFoundError), _bookkeeping(root):
        for entry in os.scandir(root / "tmp"):
            if entry.stat().st_mtime < time.time() - older_than_seconds:
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
    return removed
