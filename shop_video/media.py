"""Where files live and what they are called, through Django's storage API only.

Two storages (settings.STORAGES): "default" holds what may be public (renditions, their posters, previews and
captions, live-room chunks), "private" everything a merchant uploaded or that only they may read (feeds, photos,
logos, fonts, music, presenter photos, shot clips, voice tracks). Private files are named
`<merchant.media_key>/<kind>/<random hex>[.<validated extension>]`: never a client's name or extension, never a
sequential id. On local disk the private storage is rooted outside MEDIA_ROOT and its URLs point at the view that
checks the merchant (shop_video.private_files); with MEDIA_STORAGE=s3://... both are prefixes of one bucket
(shop_video/storage_settings.py, shop_video/object_storage.py), with no code change.

A renderer writes to a local temporary file; only a complete file is moved to its final name, so a crash or a
retry never leaves (or serves) half an MP4, and a retry overwrites instead of piling up `name_abc123.mp4`s.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.core.signals import setting_changed
from django.db.models.fields.files import FieldFile
from django.utils.crypto import salted_hmac
from django.utils.functional import LazyObject, cached_property, empty

from shop_video.media_faults import DiskFull, disk_full_reason, mp4_complete_check

try:  # what a bucket's client raises when the bucket cannot be reached or refuses (shop_video/object_storage.py)
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS: tuple[type[BaseException], ...] = (BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - local storage only
    STORAGE_ERRORS = ()

PRIVATE_FILES_URL = "/files/"  # the merchant-checking view (shop_video.urls); local private storage's base_url

IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "gif"})
AUDIO_EXTENSIONS = frozenset({"mp3", "wav", "ogg", "oga", "m4a", "aac", "flac"})
FONT_EXTENSIONS = frozenset({"ttf", "otf"})
VIDEO_EXTENSIONS = frozenset({"mp4"})


# --- storages -----------------------------------------------------------------------------------------------


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private files: rooted at settings.PRIVATE_MEDIA_ROOT (never under MEDIA_ROOT, so no web server
    serves them), with URLs of the view that checks who asks."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @cached_property
    def base_url(self):
        return self._value_or_setting(self._base_url, PRIVATE_FILES_URL)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


private_storage = _PrivateStorage()


def _private_storage_reset(*, setting, **kwargs) -> None:
    if setting == "STORAGES":  # tests that swap the backend get the new one
        private_storage._wrapped = empty


setting_changed.connect(_private_storage_reset)


def private_storage_get() -> Storage:
    """The `storage=` of every private file field (a callable, so migrations name it instead of a path)."""
    return private_storage


# --- names ----------------------------------------------------------------------------------------------------


def media_token() -> str:
    return uuid.uuid4().hex


def media_token_for(*, kind: str, key: object) -> str:
    """An unguessable name that stays the same for the same thing (a retried shot overwrites its own clip):
    keyed with SECRET_KEY, so knowing an id is not knowing its file name."""
    return salted_hmac("shop_video.media.name", f"{kind}:{key}").hexdigest()[:32]


def media_extension(filename: str, *, allowed: Iterable[str]) -> str:
    """The client's extension only when it is one this kind of file may have (content is checked elsewhere);
    otherwise none, so nothing is stored as .html or .svg."""
    extension = PurePath(filename or "").suffix.lower().lstrip(".")
    return extension if extension in allowed else ""


def private_name(*, merchant, kind: str, extension: str = "", token: str = "") -> str:
    return f"{merchant.media_key}/{kind}/{token or media_token()}{'.' + extension if extension else ''}"


def rendition_folder(*, job) -> str:
    """Renditions are public, but their folder is not an id anyone can count through."""
    return f"renders/{media_token_for(kind='job', key=job.pk)}"


class PrivateUploadTo:
    """upload_to of a private file field: `<merchant key>/<kind>/<random>[.ext]`; `merchant` is the dotted path
    from the instance to its Merchant (e.g. "kit.merchant")."""

    def __init__(self, kind: str, extensions: Iterable[str] = (), merchant: str = "merchant"):
        self.kind, self.extensions, self.merchant = kind, tuple(sorted(extensions)), merchant

    def __call__(self, instance, filename: str) -> str:
        owner = instance
        for attribute in self.merchant.split("."):
            owner = getattr(owner, attribute)
        extension = media_extension(filename, allowed=self.extensions)
        return private_name(merchant=owner, kind=self.kind, extension=extension)

    def deconstruct(self):  # by hand: sorted lists, so migrations do not see a change in a set's order
        return ("shop_video.media.PrivateUploadTo", (self.kind, list(self.extensions), self.merchant), {})

    def __eq__(self, other):
        return isinstance(other, PrivateUploadTo) and self.deconstruct() == other.deconstruct()


class RenditionUploadTo:
    """upload_to of a rendition's files (assembly names them itself; this covers anything saved by hand)."""

    def __init__(self, extensions: Iterable[str] = ()):
        self.extensions = tuple(sorted(extensions))

    def __call__(self, instance, filename: str) -> str:
        extension = media_extension(filename, allowed=self.extensions)
        return f"{rendition_folder(job=instance.job)}/{media_token()}{'.' + extension if extension else ''}"

    def deconstruct(self):
        return ("shop_video.media.RenditionUploadTo", (list(self.extensions),), {})

    def __eq__(self, other):
        return isinstance(other, RenditionUploadTo) and self.extensions == other.extensions


# --- writing and reading --------------------------------------------------------------------------------------


@contextlib.contextmanager
def media_file_writer(name: str, *, suffix: str = "", storage: Storage | None = None) -> Iterator[Path]:
    """Yield a local path to write; on a clean exit publish it as `name` in `storage` (default storage unless
    told). Nothing is ever visible under `name` before the whole file is: on local disk the file is written
    beside its final name and renamed; on a bucket it is written in the worker's scratch folder and uploaded in
    one PUT or one multipart upload, which the bucket shows only once complete."""
    storage = default_storage if storage is None else storage
    local = isinstance(storage, FileSystemStorage)
    if local:
        final = Path(storage.path(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        workdir = final.parent  # same filesystem, so os.replace is atomic
    else:
        from shop_video.scratch import scratch_work_dir

        workdir = scratch_work_dir()
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=suffix or Path(name).suffix, dir=workdir)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.suffix == ".mp4":
            mp4_complete_check(tmp_path, name=name)  # encoders do not always say that they failed
        if local:
            # mkstemp makes 0600 files; stored media must be readable like any upload.
            os.chmod(tmp_path, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
            os.replace(tmp_path, final)
        else:
            with tmp_path.open("rb") as handle:
                saved = storage.save(name, File(handle))  # overwrites: the storage keeps deterministic names
            if saved != name:
                raise RuntimeError(f"{type(storage).__name__} stored {name} as {saved}: it must overwrite")
    except Exception as exc:
        if reason := disk_full_reason(exc, directory=tmp_path.parent, name=name):
            raise DiskFull(errno.ENOSPC, reason) from exc
        raise
    finally:
        tmp_path.unlink(missing_ok=True)  # half a file is never left behind, let alone published


def media_file_publish(path: Path, *, name: str, storage: Storage | None = None) -> None:
    """Publish the finished local file `path` as `name` (whole or not at all, as media_file_writer does)."""
    with media_file_writer(name, suffix=path.suffix, storage=storage) as tmp_path:
        shutil.copyfile(path, tmp_path)


def media_is_local(storage: Storage) -> bool:
    """Whether `storage` is a folder on this machine (it can then be served by this app; a bucket serves itself)."""
    return isinstance(storage, FileSystemStorage)  # a lazy storage (default_storage) answers for what it wraps


def media_folder_delete(folder: str, *, storage: Storage | None = None) -> None:
    """Delete every file under `folder` (a prefix in a bucket); on local disk the emptied folders go too."""
    storage = default_storage if storage is None else storage
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{folder}/{name}")
    for directory in directories:
        media_folder_delete(f"{folder}/{directory}", storage=storage)
    if isinstance(storage, FileSystemStorage):
        with contextlib.suppress(OSError):
            os.rmdir(storage.path(folder))


def media_local_path(file: FieldFile | str, *, storage: Storage | None = None) -> Path:
    """For tests and benchmarks that inspect outputs: shop_video.scratch.scratch_path (the file itself on local
    disk, a cached copy from a bucket). Application code calls scratch_path directly, on a worker only."""
    from shop_video.scratch import scratch_path

    return scratch_path(file, storage=storage)
