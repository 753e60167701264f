"""One DiT shot's delivery, start to file: retime, fit and encode a DeliveryPlan to a local path.

This is the work a GPU worker's delivery pool runs on its other cores (generation/delivery_pool.py), so it imports
no Django: the pool's processes start with nothing but numpy, OpenCV, ffmpeg and (with a GPU) torch.

The encoder: libx264 `ultrafast` at CRF 16, exactly as the sequential shot runner writes a shot clip (the
assembly re-encodes it), or NVIDIA's h264_nvenc at the same constant quality when the ffmpeg build has it AND a
trial encode on this machine works (ffmpeg builds list nvenc whether or not there is a GPU and a driver).
"""

from __future__ import annotations

import functools
import logging
import subprocess
import time

import imageio_ffmpeg

from generation.assembly.clipio import write_clip
from generation.engines.base import FrameStream
from generation.engines.dit.delivery import DeliveryPlan

logger = logging.getLogger(__name__)

X264 = "libx264"
NVENC = "h264_nvenc"
ENCODERS = ("auto", X264, NVENC)
SHOT_CLIP_CRF = 16  # as shot_runner writes a shot clip: nearly lossless, re-encoded by the assembly
SHOT_CLIP_X264_PRESET = "ultrafast"
NVENC_PROBE_SECONDS = 20


def delivery_encode(plan: DeliveryPlan, path: str, *, encoder: str = X264, device: str = "cpu") -> dict:
    """Write the plan's delivery frames to `path`; returns what to record on the shot (encoder, seconds)."""
    started = time.monotonic()
    stream = plan.stream(device=device)
    if encoder == NVENC:
        _write_clip_nvenc(stream, plan.dst_fps, path)
    else:
        write_clip(stream, plan.dst_fps, path, crf=SHOT_CLIP_CRF, preset=SHOT_CLIP_X264_PRESET)
    return {
        "delivery_encoder": encoder,
        "delivery_device": device,
        "delivery_seconds": round(time.monotonic() - started, 2),
    }


def encoder_pick(requested: str) -> str:
    """`auto`: NVENC when it works here, else libx264. Asking for NVENC where it does not work falls back to
    libx264 with a warning rather than failing every shot."""
    if requested not in ENCODERS:
        raise ValueError(f"unknown shot clip encoder {requested!r}; use one of {', '.join(ENCODERS)}")
    if requested == X264:
        return X264
    if nvenc_works():
        return NVENC
    if requested == NVENC:
        logger.warning("h264_nvenc was asked for but does not work on this machine; encoding with libx264")
    return X264


@functools.cache
def nvenc_works() -> bool:
    """Whether this ffmpeg can encode with h264_nvenc here: listed among its encoders, and a two-frame trial
    encode succeeds (it needs an NVIDIA GPU and driver, which the listing does not check)."""
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    try:
        listing = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30)
        if NVENC not in listing.stdout:
            return False
        trial = subprocess.run(
            [exe, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=gray:s=256x256:d=0.1",
             "-frames:v", "2", "-c:v", NVENC, "-f", "null", "-"],
            capture_output=True, text=True, timeout=NVENC_PROBE_SECONDS,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return trial.returncode == 0


def _write_clip_nvenc(frames: FrameStream, fps: int, path: str) -> None:
    # Constant quantiser: NVENC's counterpart of x264's CRF for an intermediate that is re-encoded anyway.
    write_clip(
        frames, fps, path, codec=NVENC, codec_params=["-preset", "p4", "-rc", "constqp", "-qp", str(SHOT_CLIP_CRF)]
    )
