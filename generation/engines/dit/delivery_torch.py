"""`postprocess.frames_fit` in torch, for a delivery process that has a GPU: the upscale to 1080x1920 (about
40 ms a frame on two CPU cores) becomes a few batched kernels.

Same geometry as the OpenCV version (cover-and-crop when the shapes are close, else the whole frame contained
over a blurred, darkened cover copy) and the same filters in spirit: antialiased bicubic when shrinking (OpenCV:
area), bicubic when enlarging (OpenCV: Lanczos) with the same unsharp mask above 1.5x. So the pixels differ from
OpenCV's by a grey level or two, not the picture (tests/generation/test_delivery_pool.py holds the bound).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from generation.engines.dit import postprocess

BATCH_FRAMES = 16  # frames per kernel launch: 16 at 1080x1920 in float32 is 400 MB on the device


def frames_fit(frames: np.ndarray, *, width: int, height: int, device: str, max_crop: float = 0.12) -> np.ndarray:
    """(N, H, W, 3) uint8 in, (N, height, width, 3) uint8 out, the work done on `device`."""
    postprocess._check_frames(frames, "frames_fit")
    if width <= 0 or height <= 0:
        raise ValueError(f"frames_fit needs a positive size, got {width}x{height}")
    out = np.empty((frames.shape[0], height, width, 3), dtype=np.uint8)
    for start in range(0, frames.shape[0], BATCH_FRAMES):
        batch = torch.from_numpy(frames[start : start + BATCH_FRAMES]).to(device)
        batch = batch.permute(0, 3, 1, 2).float()  # N, C, H, W
        fitted = _fit(batch, width=width, height=height, max_crop=max_crop)
        out[start : start + len(batch)] = _to_uint8(fitted).permute(0, 2, 3, 1).cpu().numpy()
    return out


def _fit(batch: torch.Tensor, *, width: int, height: int, max_crop: float) -> torch.Tensor:
    src_height, src_width = batch.shape[2:]
    cover = _cover(batch, width=width, height=height)
    if abs((src_width / src_height) / (width / height) - 1.0) <= max_crop:
        return cover
    scale = min(width / src_width, height / src_height)
    product_size = (max(1, min(width, round(src_width * scale))), max(1, min(height, round(src_height * scale))))
    left, top = (width - product_size[0]) // 2, (height - product_size[1]) // 2
    out = _background(cover)
    out[:, :, top : top + product_size[1], left : left + product_size[0]] = _scale(batch, product_size, scale)
    return out


def _cover(batch: torch.Tensor, *, width: int, height: int) -> torch.Tensor:
    src_height, src_width = batch.shape[2:]
    if (src_width, src_height) == (width, height):
        return batch
    scale = max(width / src_width, height / src_height)
    scaled_size = (max(width, round(src_width * scale)), max(height, round(src_height * scale)))
    left, top = (scaled_size[0] - width) // 2, (scaled_size[1] - height) // 2
    return _scale(batch, scaled_size, scale)[:, :, top : top + height, left : left + width]


def _scale(batch: torch.Tensor, size: tuple[int, int], scale: float) -> torch.Tensor:
    width, height = size
    if scale <= 1.0:
        return F.interpolate(batch, size=(height, width), mode="bicubic", antialias=True, align_corners=False)
    scaled = F.interpolate(batch, size=(height, width), mode="bicubic", align_corners=False)
    if scale > postprocess.SHARPEN_ABOVE_SCALE:
        # Rounded to uint8 levels first, as OpenCV's resize output is, so the mask sharpens the same picture.
        scaled = scaled.clamp(0, 255).round()
        soft = _gaussian_blur(scaled, postprocess.SHARPEN_SIGMA)
        scaled = scaled * (1.0 + postprocess.SHARPEN_AMOUNT) - soft * postprocess.SHARPEN_AMOUNT
    return scaled


def _background(cover: torch.Tensor) -> torch.Tensor:
    height, width = cover.shape[2:]
    small_size = (max(1, height // postprocess.BACKGROUND_SHRINK), max(1, width // postprocess.BACKGROUND_SHRINK))
    small = F.interpolate(cover, size=small_size, mode="area")
    small = _gaussian_blur(small, 1.0)
    background = F.interpolate(small, size=(height, width), mode="bicubic", align_corners=False)
    return (background * postprocess.BACKGROUND_BRIGHTNESS).abs()


def _gaussian_blur(batch: torch.Tensor, sigma: float) -> torch.Tensor:
    # OpenCV's kernel size for a uint8 image and ksize (0, 0): 2 * round(3 * sigma) + 1, separable, reflect-101.
    radius = round(3 * sigma)
    offsets = torch.arange(-radius, radius + 1, dtype=batch.dtype, device=batch.device)
    kernel = torch.exp(-(offsets**2) / (2 * sigma * sigma))
    kernel = kernel / kernel.sum()
    channels = batch.shape[1]
    pad_h, pad_w = min(radius, batch.shape[2] - 1), min(radius, batch.shape[3] - 1)
    if pad_h < radius or pad_w < radius:  # frames smaller than the kernel: replicate, reflect cannot
        padded = F.pad(batch, (radius, radius, radius, radius), mode="replicate")
    else:
        padded = F.pad(batch, (radius, radius, radius, radius), mode="reflect")
    horizontal = kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1)
    vertical = kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1)
    return F.conv2d(F.conv2d(padded, horizontal, groups=channels), vertical, groups=channels)


def _to_uint8(batch: torch.Tensor) -> torch.Tensor:
    return batch.clamp(0, 255).round().to(torch.uint8)
