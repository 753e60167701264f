"""How writing a generated file goes wrong, told apart so the job says what happened: a full disk ("disk full",
with where and what to change) and an MP4 cut short (an encoder that failed without saying so).

An encoder (ffmpeg) reports a full disk in its own words, as a broken pipe, or not at all: imageio-ffmpeg and
moviepy do not check ffmpeg's exit status, so a trailer that could not be written leaves an MP4 without its index
and no exception. media_file_writer therefore checks an MP4's boxes before publishing it, and the free space
left decides "disk full" when the error itself does not say.
"""

from __future__ import annotations

import errno
import shutil
import struct
from pathlib import Path

# A failed write with less than this left on its disk is put down to the disk.
DISK_FULL_FREE_BYTES = 1 << 20


class DiskFull(OSError):
    """Writing a file ran out of disk space; str() is the reason ("disk full: ...") a failed job shows."""

    def __str__(self) -> str:
        return self.strerror


class IncompleteMedia(ValueError):
    """A written file is not whole (an MP4 without its index, or whose boxes run past its end)."""


def disk_full_reason(exc: BaseException, *, directory: Path, name: str) -> str | None:
    """Why `exc`, raised while writing `name` in `directory`, is a full disk; None when it is not one."""
    if isinstance(exc, DiskFull):
        return None  # already reported by an inner writer
    said_so, seen = False, exc
    while seen is not None and not said_so:
        said_so = (isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT)) or (
            "No space left on device" in str(seen)
        )
        seen = seen.__cause__ or seen.__context__
    try:
        usage = shutil.disk_usage(directory)
    except OSError:
        usage = None
    if not said_so and (usage is None or usage.free >= DISK_FULL_FREE_BYTES):
        return None
    left = f" ({usage.free:,} of {usage.total:,} bytes free)" if usage else ""
    return (
        f"disk full: no space left in {directory}{left} while writing {name}; free space there, or point "
        "MEDIA_ROOT (and PRIVATE_MEDIA_ROOT) at a larger disk"
    )


def mp4_complete_check(path: Path, *, name: str) -> None:
    """Raise IncompleteMedia unless the file's top-level MP4 boxes tile it exactly and include moov (the index a
    player needs). Reads only the box headers."""
    size = path.stat().st_size
    boxes = []
    with path.open("rb") as handle:
        offset = 0
        while offset < size:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                raise IncompleteMedia(f"{name} ends inside a box header at byte {offset:,} of {size:,}")
            box_size, kind = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) == 16:
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                box_size = size - offset  # "to the end of the file"
            if box_size < 8 or offset + box_size > size:
                raise IncompleteMedia(
                    f"{name} is cut short: its {kind.decode('latin-1')!r} box at byte {offset:,} needs "
                    f"{box_size:,} bytes, the file has {size - offset:,} left"
                )
            boxes.append(kind)
            offset += box_size
    if b"moov" not in boxes:
        raise IncompleteMedia(f"{name} has no index (moov box): the encoder stopped before finishing it")
