"""Test utility: what an encoded MP4 really contains, read with PyAV (imageio-ffmpeg ships no ffprobe).

Not a test module; tests import probe_video and assert on the VideoProbe it returns.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

import av


@dataclass(frozen=True)
class VideoProbe:
    video_codec: str
    pix_fmt: str | None
    width: int
    height: int
    fps: float
    duration: float  # of the video stream, in seconds
    frames_decoded: int  # every frame of the video stream, decoded
    audio_codec: str | None
    color_primaries: str | None
    color_trc: str | None
    colorspace: str | None
    faststart: bool  # the 'moov' index precedes the 'mdat' media data, so playback starts before download ends


def probe_video(path: str | os.PathLike) -> VideoProbe:
    path = os.fspath(path)
    with av.open(path) as container:
        video = container.streams.video[0]
        codec = video.codec_context
        audio_codec = container.streams.audio[0].codec_context.name if container.streams.audio else None
        frames_decoded, first_frame = 0, None
        for frame in container.decode(video):  # raises av.FFmpegError on a corrupt stream
            if first_frame is None:
                first_frame = frame
            frames_decoded += 1
        # Colour tags live on the decoded frames in recent PyAV; fall back to the codec context.
        colour_source = first_frame if first_frame is not None else codec
        if video.duration is not None:
            duration = float(video.duration * video.time_base)
        else:
            duration = float(container.duration / av.time_base) if container.duration else 0.0
        return VideoProbe(
            video_codec=codec.name,
            pix_fmt=codec.format.name if codec.format else None,
            width=codec.width,
            height=codec.height,
            fps=float(video.average_rate) if video.average_rate else 0.0,
            duration=duration,
            frames_decoded=frames_decoded,
            audio_codec=audio_codec,
            color_primaries=_colour_name(colour_source, "color_primaries", _PRIMARIES),
            color_trc=_colour_name(colour_source, "color_trc", _TRANSFERS),
            colorspace=_colour_name(colour_source, "colorspace", _MATRICES),
            faststart=_moov_before_mdat(path),
        )


# FFmpeg's enum values (AVColorPrimaries, AVColorTransferCharacteristic, AVColorSpace), for the ones
# a deliverable can plausibly carry; PyAV returns plain ints.
_PRIMARIES = {1: "bt709", 2: "unknown", 5: "bt470bg", 6: "smpte170m", 9: "bt2020"}
_TRANSFERS = {1: "bt709", 2: "unknown", 6: "smpte170m", 13: "iec61966-2-1", 16: "smpte2084", 18: "arib-std-b67"}
_MATRICES = {0: "rgb", 1: "bt709", 2: "unknown", 5: "bt470bg", 6: "smpte170m", 9: "bt2020nc"}


def _colour_name(source, attribute: str, names: dict[int, str]) -> str | None:
    value = getattr(source, attribute, None)
    if value is None:
        return None
    value = int(getattr(value, "value", value))  # an int, or an enum in some PyAV versions
    return names.get(value, str(value))


def _moov_before_mdat(path: str) -> bool:
    """Walk the top-level MP4 boxes: 4-byte big-endian size + 4-byte type; size 1 means a 64-bit
    size follows, size 0 means the box runs to the end of the file."""
    file_size = os.path.getsize(path)
    with open(path, "rb") as f:
        offset = 0
        while offset + 8 <= file_size:
            f.seek(offset)
            size, box_type = struct.unpack(">I4s", f.read(8))
            if size == 1:
                (size,) = struct.unpack(">Q", f.read(8))
            elif size == 0:
                size = file_size - offset
            if box_type == b"moov":
                return True
            if box_type == b"mdat":
                return False
            if size < 8:
                raise ValueError(f"{path}: corrupt MP4 box {box_type!r} of size {size} at offset {offset}")
            offset += size
    raise ValueError(f"{path}: no top-level moov or mdat box")
