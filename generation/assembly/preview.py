"""Stills and previews of a finished video: the poster JPEG and a small looping animated WebP.

Both are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from moviepy import VideoFileClip
from moviepy.video.io.ffmpeg_reader import ffmpeg_parse_infos
from PIL import Image

POSTER_QUALITY = 88
PREVIEW_QUALITY = 70  # previews are thumbnails in a grid: small files matter more than fine detail


def write_poster(video_path: str | os.PathLike, poster_path: str | os.PathLike, *, at: float) -> None:
    """Save the frame shown at time `at` (seconds) as a JPEG; `at` past the last frame gives the last."""
    if at < 0:
        raise ValueError(f"poster time must be >= 0, got {at!r}")
    with VideoFileClip(os.fspath(video_path), audio=False) as clip:
        last_frame_time = max(0.0, clip.duration - 1.0 / clip.fps)
        frame = clip.get_frame(min(at, last_frame_time))
    with _replaced_when_written(poster_path) as partial_path:
        Image.fromarray(frame).save(partial_path, "JPEG", quality=POSTER_QUALITY)


def write_animated_preview(
    video_path: str | os.PathLike,
    out_path: str | os.PathLike,
    *,
    start: float,
    seconds: float = 3.0,
    fps: int = 10,
    width: int = 360,
) -> None:
    """Save `seconds` of the video from `start` as a looping animated WebP, `width` pixels wide.

    start is moved back so the excerpt fits inside the video (a video shorter than `seconds` is
    previewed whole). The height keeps the aspect ratio, rounded to an even number. Frames identical
    to the one before are merged by the WebP encoder into one longer frame, so a still shot yields
    fewer frames than seconds x fps, with the same total duration.
    """
    if not start >= 0:
        raise ValueError(f"preview start must be >= 0 seconds, got {start!r}")
    if not seconds > 0:
        raise ValueError(f"preview length must be > 0 seconds, got {seconds!r}")
    for name, value in (("fps", fps), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"preview {name} must be an integer >= 1, got {value!r}")

    video_path = os.fspath(video_path)
    duration, (source_width, source_height) = _probe(video_path)
    start = max(0.0, min(start, duration - seconds))
    height = max(2, 2 * round(width * source_height / source_width / 2))
    frames = _decode_frames(video_path, start=start, seconds=seconds, fps=fps, size=(width, height))

    images = [Image.fromarray(frame) for frame in frames]
    with _replaced_when_written(out_path) as partial_path:
        images[0].save(
            partial_path,
            "WEBP",
            save_all=True,
            append_images=images[1:],
            loop=0,  # forever
            duration=round(1000 / fps),
            quality=PREVIEW_QUALITY,
        )


# --- helpers ----------------------------------------------------------------------------------------


def _probe(video_path: str) -> tuple[float, tuple[int, int]]:
    """(duration in seconds, (width, height)) of the video's first video stream."""
    if not os.path.isfile(video_path):
        raise FileNotFoundError(f"video not found: {video_path!r}")
    try:
        info = ffmpeg_parse_infos(video_path)
    except OSError as error:
        raise ValueError(f"cannot read video {video_path!r}: ffmpeg does not recognise it") from error
    if not info.get("video_found") or not info.get("duration"):
        raise ValueError(f"cannot preview {video_path!r}: it has no video stream with a duration")
    return float(info["duration"]), tuple(info["video_size"])


def _decode_frames(video_path: str, *, start: float, seconds: float, fps: int, size: tuple[int, int]) -> np.ndarray:
    """The excerpt resampled to fps and scaled to size, as (T, H, W, 3) uint8, from one ffmpeg run."""
    width, height = size
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin",
        "-ss", f"{start:.3f}", "-t", f"{seconds:.3f}", "-i", video_path,  # input-side: seek, then read only this
        "-an", "-vf", f"fps={fps},scale={width}:{height}:flags=area",
        "-frames:v", str(max(1, round(seconds * fps))),
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no reason given"]
        raise ValueError(f"cannot decode {video_path!r} for a preview: {reason[0]}")
    frame_bytes = width * height * 3
    count = len(result.stdout) // frame_bytes
    if count == 0:
        raise ValueError(f"no frames in {video_path!r} from {start:.3f}s for a preview")
    return np.frombuffer(result.stdout, dtype=np.uint8, count=count * frame_bytes).reshape(count, height, width, 3)


@contextmanager
def _replaced_when_written(path: str | os.PathLike) -> Iterator[str]:
    """A temporary path beside `path`, renamed to it if the block succeeds and removed if not."""
    path = Path(path)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield str(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
