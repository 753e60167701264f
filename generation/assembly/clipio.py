"""The intermediate per-shot clip format: frames from an engine -> an H.264 yuv420p MP4, no audio."""

from __future__ import annotations

import os

import imageio_ffmpeg
import numpy as np

from generation.engines.base import FrameStream

# ffmpeg output options that make a file honestly BT.709: -colorspace picks the RGB->YUV matrix (ffmpeg
# negotiates the conversion from it) and tags it; primaries and transfer are not negotiated, and recent
# ffmpeg copies them from the frames (unknown for raw RGB input), so setparams stamps them on the frames.
BT709_FFMPEG_PARAMS = (
    "-vf", "setparams=color_primaries=bt709:color_trc=bt709",
    "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
)  # fmt: skip


def write_clip(
    frames: np.ndarray | FrameStream,
    fps: int,
    path: str | os.PathLike,
    *,
    crf: int = 16,
    preset: str = "veryfast",
    codec: str = "libx264",
    codec_params: list[str] | None = None,
) -> None:
    """Encode (T, H, W, 3) uint8 RGB frames (an array or a FrameStream) to path. H and W must be even (yuv420p
    halves chroma). Another encoder (`codec`, e.g. h264_nvenc) takes its own rate settings in `codec_params`
    instead of x264's preset and CRF."""
    if not isinstance(frames, FrameStream):
        frames = np.asarray(frames)
    if len(frames.shape) != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must have shape (T, H, W, 3), got {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, got {frames.dtype}")
    count, height, width, _ = frames.shape
    if count == 0:
        raise ValueError("frames is empty: a clip needs at least one frame")
    if width % 2 or height % 2:
        raise ValueError(f"frame size must be even for yuv420p, got {width}x{height}")
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ValueError(f"fps must be an integer >= 1, got {fps!r}")

    path = os.fspath(path)
    writer = imageio_ffmpeg.write_frames(
        path,
        (width, height),
        fps=fps,
        codec=codec,
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        quality=None,  # we pass -crf ourselves
        macro_block_size=1,  # sizes are already even; never let imageio rescale
        ffmpeg_log_level="error",
        output_params=[
            *(["-preset", preset, "-crf", str(crf)] if codec_params is None else codec_params),
            *BT709_FFMPEG_PARAMS,
            "-movflags",
            "+faststart",
        ],
    )
    writer.send(None)  # start ffmpeg
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
    except BaseException:
        writer.close()
        if os.path.exists(path):
            os.remove(path)  # never leave a truncated clip that looks finished
        raise
    writer.close()
