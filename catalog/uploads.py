"""Photos uploaded by hand: many files for one product, or a zip whose files are matched to products by
SKU or handle in the file (or folder) name: MUG-1.jpg, MUG-1-2.jpg, MUG-1 (3).png, blue-mug/back.jpg.

A zip is untrusted: members escaping the archive (zip slip), links, too many members, too many bytes once
unpacked and suspicious compression ratios are refused before anything is decompressed, and each member is
read with a hard cap whatever its header claims. Nothing is ever written to disk from the archive's names.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings

from catalog.images import ImageRejected
from catalog.models import Product
from catalog.selectors import product_by_name
from catalog.services import product_image_add
from shop_video.tenancy.models import Merchant

ZIP_MAX_MEMBERS = 2000
ZIP_MAX_RATIO = 50  # photos barely compress; far more than this is a bomb, not a JPEG
_IGNORED = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|\._)")
_NUMBER_SUFFIX = re.compile(r"(?:[-_ ]\d{1,3}|\s*\(\d{1,3}\))$")


class ArchiveRejected(ValueError):
    """The zip as a whole is refused; the message says why."""


@dataclass
class UploadReport:
    attached: list[tuple[str, str]] = field(default_factory=list)  # (file name, product key)
    errors: list[dict] = field(default_factory=list)  # {"file": name, "message": what to change}

    def error(self, name: str, message: str) -> None:
        self.errors.append({"file": name, "message": message})

    def attach(self, product: Product, name: str, data: bytes) -> None:
        try:
            product_image_add(product=product, data=data)
        except ImageRejected as exc:
            self.error(name, str(exc))
        else:
            self.attached.append((name, product.key))


def product_images_upload(*, product: Product, files: list[tuple[str, bytes]]) -> UploadReport:
    """Several photos for one product; each bad file is reported and the good ones kept."""
    report = UploadReport()
    for name, data in files:
        report.attach(product, name, data)
    return report


def product_images_from_zip(*, merchant: Merchant, archive: bytes) -> UploadReport:
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
    except zipfile.BadZipFile:
        raise ArchiveRejected("the file is not a zip archive; upload a .zip of photos") from None
    with zf:
        members = _members_checked(zf)
        report = UploadReport()
        for info in sorted(members, key=lambda member: member.filename):
            name = info.filename
            product = _product_for(merchant, PurePosixPath(name))
            if product is None:
                report.error(
                    name,
                    "no product has this SKU or handle; name photos SKU.jpg, SKU-2.jpg or put "
                    "them in a folder named after the SKU",
                )
                continue
            data = _read_capped(zf, info)
            if data is None:
                report.error(name, f"unpacks to more than {settings.IMAGE_MAX_BYTES:,} bytes")
                continue
            report.attach(product, name, data)
    return report


def _members_checked(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = [info for info in zf.infolist() if not info.is_dir() and not _IGNORED.search(info.filename)]
    if len(infos) > ZIP_MAX_MEMBERS:
        raise ArchiveRejected(f"the zip holds {len(infos):,} files; upload at most {ZIP_MAX_MEMBERS:,} at a time")
    total = sum(info.file_size for info in infos)
    limit = settings.IMAGE_MAX_BYTES * 40
    if total > limit:
        raise ArchiveRejected(f"the zip unpacks to {total:,} bytes; the limit is {limit:,}: split it")
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise ArchiveRejected(f"{info.filename!r} points outside the archive; the zip was refused")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveRejected(f"{info.filename!r} is a symbolic link; zips of photos may hold only files")
        if info.compress_size and info.file_size / info.compress_size > ZIP_MAX_RATIO:
            raise ArchiveRejected(
                f"{info.filename!r} is compressed {info.file_size // info.compress_size}:1, "
                "which photos never are; the zip was refused"
            )
    return infos


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    # The header's file_size may lie; read one byte past the cap to know for sure.
    with zf.open(info) as member:
        data = member.read(settings.IMAGE_MAX_BYTES + 1)
    return None if len(data) > settings.IMAGE_MAX_BYTES else data


def _product_for(merchant: Merchant, path: PurePosixPath) -> Product | None:
    candidates = [path.stem, _NUMBER_SUFFIX.sub("", path.stem)]
    if len(path.parts) > 1:
        candidates.append(path.parts[-2])  # a folder named after the product
    for name in dict.fromkeys(c.strip() for c in candidates if c.strip()):
        product = product_by_name(merchant=merchant, name=name)
        if product is not None:
            return product
    return None
