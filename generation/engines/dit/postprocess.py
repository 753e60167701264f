"""Post-processing for video diffusion output: raw model frames in, delivery frames out, quality checked.

A DiT model renders a short clip at its own size and frame rate (e.g. 33 frames of 832x480 at 16 fps).
This module prepares the product photo as the model's conditioning image (`photo_fit`), then turns the
model's frames into what the merchant receives: retimed to the delivery frame rate with optical-flow
in-between frames (`frames_retime`), scaled to the delivery size (`frames_resize`, `frames_fit`),
colour drift corrected back towards the photo (`colour_match`), and finally checked for the two
failures a diffusion model produces silently: a black clip and a frozen one (`quality_check`).

Frames are numpy uint8 arrays of shape (N, H, W, 3), RGB. Pure numpy, OpenCV and Pillow: no torch, so
this runs (and is tested) on machines without the model stack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

# Background behind a contained photo: the photo scaled to cover the frame, blurred by shrinking it this
# much, then dimmed. Same look as the motion engine's canvas, so engines can be mixed in one video.
BACKGROUND_SHRINK = 24
BACKGROUND_BRIGHTNESS = 0.55

# Enlarging by more than this softens edges visibly; a mild unsharp mask gives the crispness back.
SHARPEN_ABOVE_SCALE = 1.5
SHARPEN_AMOUNT = 0.5
SHARPEN_SIGMA = 1.0

# motion_score works on a copy at most this many pixels on its long side: cheap, and still sees motion.
MOTION_MAX_SIDE = 128

# BT.709 luma weights (R, G, B): what video players use for HD material.
BT709 = np.array([0.2126, 0.7152, 0.0722], dtype=np.float64)

# A source position this close to a whole frame is that frame: no flow, no resampling blur.
_WHOLE_FRAME_TOLERANCE = 1e-6


# --- conditioning image ----------------------------------------------------------------------------------


def photo_fit(image: Image.Image, *, width: int, height: int) -> Image.Image:
    """The product photo as the conditioning image for a model rendering `width` x `height`.

    The whole photo is contained (aspect kept, never cropped nor stretched) and centred over a blurred,
    darkened copy of itself scaled to cover the frame, so the model sees no hard letterbox bars to animate.
    Any mode is accepted; transparent areas are put on white. Returns RGB of exactly width x height.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"photo_fit needs a positive size, got {width}x{height}")
    photo = _photo_rgb(image)

    cover = ImageOps.fit(photo, (width, height), Image.Resampling.BILINEAR)
    small = (max(1, width // BACKGROUND_SHRINK), max(1, height // BACKGROUND_SHRINK))
    blurred = cover.resize(small, Image.Resampling.BOX).filter(ImageFilter.GaussianBlur(1))
    background = blurred.resize((width, height), Image.Resampling.BICUBIC)
    background = ImageEnhance.Brightness(background).enhance(BACKGROUND_BRIGHTNESS)

    product = ImageOps.contain(photo, (width, height), Image.Resampling.LANCZOS)
    background.paste(product, ((width - product.width) // 2, (height - product.height) // 2))
    return background


def _photo_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Cut-out product shots: transparent areas on white rather than whatever colour hides there.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


# --- time ------------------------------------------------------------------------------------------------


def frames_retime(frames: np.ndarray, *, src_fps: float, dst_fps: float, num_frames: int) -> np.ndarray:
    """Resample the clip in time to `dst_fps`, returning exactly `num_frames` frames.

    Output frame i shows time i / dst_fps, i.e. source position p = i * src_fps / dst_fps, clamped to the
    clip. Whole positions copy that source frame; others get an in-between frame synthesised with optical
    flow (plain cross-fading would show two half-bright copies of anything that moves).

    Cost: two dense flows (DIS, grayscale) per source pair actually needed, cached, so 8 -> 30 fps costs
    2 * (N - 1) flows however many in-between frames share a pair; plus two remaps and a blend per
    in-between frame. Measured on two CPU cores: 33 frames of 96x64 into 120 in about 0.04 s; at 1080x1920
    about 0.3 s per source pair (the two flows) plus about 0.01 s per in-between frame, so a whole
    33-frame clip to 120 frames takes some 10 s there. Retime at the model's size, before upscaling.
    """
    _check_frames(frames, "frames_retime")
    if not (src_fps > 0 and dst_fps > 0 and math.isfinite(src_fps) and math.isfinite(dst_fps)):
        raise ValueError(f"frames_retime needs positive frame rates, got src_fps={src_fps}, dst_fps={dst_fps}")
    if num_frames <= 0:
        raise ValueError(f"frames_retime needs num_frames > 0, got {num_frames}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames_retime works on uint8 frames, got {frames.dtype}")

    count = frames.shape[0]
    if src_fps == dst_fps and count >= num_frames:
        return frames[:num_frames].copy()

    interpolator = _FlowInterpolator(frames)
    out = np.empty((num_frames, *frames.shape[1:]), dtype=np.uint8)
    for index in range(num_frames):
        position = min(max(index * src_fps / dst_fps, 0.0), count - 1.0)
        nearest = round(position)
        if abs(position - nearest) <= _WHOLE_FRAME_TOLERANCE:
            out[index] = frames[nearest]
        else:
            before = math.floor(position)
            out[index] = interpolator.between(before, position - before)
    return out


class _FlowInterpolator:
    """In-between frames for one clip, with the flow of each source pair computed once and reused."""

    def __init__(self, frames: np.ndarray) -> None:
        self._frames = np.ascontiguousarray(frames)  # cv2 wants each frame as one contiguous block
        height, width = frames.shape[1:3]
        grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        self._grid_x, self._grid_y = grid_x, grid_y
        self._pair: int | None = None
        self._flow_ab = self._flow_ba = self._next_gray = np.empty(0)
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)

    def between(self, before: int, alpha: float) -> np.ndarray:
        """The frame a fraction `alpha` (0 < alpha < 1) of the way from frame `before` to the next one."""
        frame_a, frame_b = self._frames[before], self._frames[before + 1]
        flow_ab, flow_ba = self._pair_flows(before)
        # Backward warping: pixel x at time alpha came from x - alpha*F_ab in a and goes on to
        # x - (1-alpha)*F_ba in b. Using each flow at x itself (not at its source) is the usual
        # approximation; it is exact for smooth motion and only softens moving edges a little.
        warped_a = cv2.remap(
            frame_a,
            self._grid_x - alpha * flow_ab[..., 0],
            self._grid_y - alpha * flow_ab[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        beta = 1.0 - alpha
        warped_b = cv2.remap(
            frame_b,
            self._grid_x - beta * flow_ba[..., 0],
            self._grid_y - beta * flow_ba[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        # Each side is weighted by how close it is in time: its warp is shorter, so more trustworthy.
        return cv2.addWeighted(warped_a, beta, warped_b, alpha, 0.0)

    def _pair_flows(self, before: int) -> tuple[np.ndarray, np.ndarray]:
        # Output times only move forward, so only the current pair is kept: memory stays flat for long clips.
        if self._pair != before:
            # Walking forward, this pair's first frame is the last pair's second: its grayscale is at hand.
            gray_a = self._next_gray if self._pair == before - 1 else _gray(self._frames[before])
            gray_b = _gray(self._frames[before + 1])
            self._flow_ab = self._dis.calc(gray_a, gray_b, None)
            self._flow_ba = self._dis.calc(gray_b, gray_a, None)
            self._pair, self._next_gray = before, gray_b
        return self._flow_ab, self._flow_ba


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


# --- space -----------------------------------------------------------------------------------------------


def frames_resize(frames: np.ndarray, *, width: int, height: int) -> np.ndarray:
    """Scale every frame to cover `width` x `height` (aspect kept), then centre-crop to exactly that size.

    Lanczos when enlarging, area averaging when shrinking (no aliasing); enlarging by more than 1.5x
    also gets a mild unsharp mask so product edges stay crisp.
    """
    _check_frames(frames, "frames_resize")
    _check_size(width, height, "frames_resize")
    src_height, src_width = frames.shape[1:3]
    if (src_width, src_height) == (width, height):
        return frames.copy()

    scale = max(width / src_width, height / src_height)
    # Rounding can land one pixel short of the target; cover means never short.
    scaled_size = (max(width, round(src_width * scale)), max(height, round(src_height * scale)))
    left, top = (scaled_size[0] - width) // 2, (scaled_size[1] - height) // 2
    out = np.empty((frames.shape[0], height, width, 3), dtype=np.uint8)
    for index, frame in enumerate(frames):
        out[index] = _scale(frame, scaled_size, scale)[top : top + height, left : left + width]
    return out


def frames_fit(frames: np.ndarray, *, width: int, height: int, max_crop: float = 0.12) -> np.ndarray:
    """Fit the clip to `width` x `height` without ever cropping the product out or stretching it.

    When the aspect ratios are close (within `max_crop`, relative), cover-and-crop loses only a sliver,
    so that is what happens (`frames_resize`). Otherwise each frame is contained whole, centred over a
    blurred, darkened cover copy of itself: the same look as `photo_fit`.
    """
    _check_frames(frames, "frames_fit")
    _check_size(width, height, "frames_fit")
    src_height, src_width = frames.shape[1:3]
    if abs((src_width / src_height) / (width / height) - 1.0) <= max_crop:
        return frames_resize(frames, width=width, height=height)

    scale = min(width / src_width, height / src_height)
    product_size = (max(1, min(width, round(src_width * scale))), max(1, min(height, round(src_height * scale))))
    left, top = (width - product_size[0]) // 2, (height - product_size[1]) // 2
    covered = frames_resize(frames, width=width, height=height)
    out = np.empty((frames.shape[0], height, width, 3), dtype=np.uint8)
    for index, frame in enumerate(frames):
        out[index] = _blurred_background(covered[index])
        out[index, top : top + product_size[1], left : left + product_size[0]] = _scale(frame, product_size, scale)
    return out


def _scale(frame: np.ndarray, size: tuple[int, int], scale: float) -> np.ndarray:
    if scale <= 1.0:
        return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    scaled = cv2.resize(frame, size, interpolation=cv2.INTER_LANCZOS4)
    if scale > SHARPEN_ABOVE_SCALE:
        # Unsharp mask: add back a fraction of the detail a blur removes; uint8 arithmetic saturates at 0/255.
        soft = cv2.GaussianBlur(scaled, (0, 0), SHARPEN_SIGMA)
        scaled = cv2.addWeighted(scaled, 1.0 + SHARPEN_AMOUNT, soft, -SHARPEN_AMOUNT, 0.0)
    return scaled


def _blurred_background(cover: np.ndarray) -> np.ndarray:
    height, width = cover.shape[:2]
    small = cv2.resize(
        cover, (max(1, width // BACKGROUND_SHRINK), max(1, height // BACKGROUND_SHRINK)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), 1.0)
    background = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    return cv2.convertScaleAbs(background, alpha=BACKGROUND_BRIGHTNESS)


# --- colour ----------------------------------------------------------------------------------------------


def colour_match(frames: np.ndarray, *, reference: np.ndarray) -> np.ndarray:
    """Pull the clip's colours back towards the source photo by per-channel histogram matching.

    One lookup table per channel maps the whole clip's distribution (all frames pooled) onto the
    reference's, so every frame gets the same correction and nothing flickers from frame to frame.
    `reference` is an (H', W', 3) uint8 RGB image of any size.
    """
    _check_frames(frames, "colour_match")
    if reference.ndim != 3 or reference.shape[2] != 3 or reference.size == 0:
        raise ValueError(f"colour_match needs an (H, W, 3) reference image, got shape {reference.shape}")
    if frames.dtype != np.uint8 or reference.dtype != np.uint8:
        raise ValueError("colour_match works on uint8 frames and a uint8 reference")

    # Stacking the frames vertically makes the clip one tall image: cv2 counts and maps it in one call.
    clip = frames.reshape(-1, frames.shape[2], 3)
    levels = np.arange(256, dtype=np.float64)
    lut = np.empty((1, 256, 3), dtype=np.uint8)
    for channel in range(3):
        clip_cdf = _cdf(clip, channel)
        ref_cdf = _cdf(reference, channel)
        # Each clip level goes to the reference level at the same quantile; interpolating between
        # reference levels keeps the mapping smooth where the reference histogram has gaps.
        mapped = np.interp(clip_cdf, ref_cdf, levels)
        lut[0, :, channel] = np.clip(np.rint(mapped), 0, 255).astype(np.uint8)
    return cv2.LUT(clip, lut).reshape(frames.shape)


def _cdf(image: np.ndarray, channel: int) -> np.ndarray:
    counts = cv2.calcHist([np.ascontiguousarray(image)], [channel], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(counts, dtype=np.float64)
    return cdf / cdf[-1]


# --- quality ---------------------------------------------------------------------------------------------


def motion_score(frames: np.ndarray) -> float:
    """Mean absolute grayscale difference between consecutive frames, 0..255 (0.0 for a single frame).

    Measured on a copy at most 128 px on its long side: fast, and a frozen clip scores ~0 at any size.
    """
    _check_frames(frames, "motion_score")
    if frames.shape[0] < 2:
        return 0.0
    gray = _small_gray(frames)
    return float(np.abs(np.diff(gray, axis=0)).mean())


def mean_luma(frames: np.ndarray) -> float:
    """Mean BT.709 luma of the clip, 0..255."""
    _check_frames(frames, "mean_luma")
    # Luma is linear in R, G, B, so its mean is the weighted mean of the channel means.
    channel_means = frames.reshape(-1, 3).mean(axis=0, dtype=np.float64)
    return float(channel_means @ BT709)


def _small_gray(frames: np.ndarray) -> np.ndarray:
    height, width = frames.shape[1:3]
    shrink = min(1.0, MOTION_MAX_SIDE / max(height, width))
    size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
    small = np.stack([cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in frames])
    return small.astype(np.float32) @ BT709.astype(np.float32)


@dataclass(frozen=True)
class QualityReport:
    """What quality_check measured: motion score and mean luma (0..255), and whether every value is finite."""

    motion: float
    luma: float
    finite: bool = True


def quality_check(frames: np.ndarray, *, min_motion: float, min_luma: float) -> tuple[QualityReport, str | None]:
    """Measure the clip and say why it is unusable, or None when it is fine.

    Checked in order: non-finite values (NaN luma would slip past every threshold), black (a frozen
    black clip is reported as black, the more telling cause), then frozen.
    """
    _check_frames(frames, "quality_check")
    finite = bool(np.isfinite(frames).all()) if np.issubdtype(frames.dtype, np.floating) else True
    report = QualityReport(motion=motion_score(frames), luma=mean_luma(frames), finite=finite)
    if not report.finite:
        return report, "the clip has non-finite pixel values (NaN or infinity)"
    if report.luma < min_luma:
        return report, f"the clip is black (mean luma {report.luma:.1f} < {min_luma:.1f})"
    if report.motion < min_motion:
        return report, f"the clip is frozen (motion score {report.motion:.2f} < {min_motion:.2f})"
    return report, None


# --- validation ------------------------------------------------------------------------------------------


def _check_frames(frames: np.ndarray, caller: str) -> None:
    if not isinstance(frames, np.ndarray) or frames.ndim != 4 or frames.shape[3] != 3:
        shape = getattr(frames, "shape", None)
        raise ValueError(f"{caller} needs frames shaped (N, H, W, 3), got {shape}")
    if frames.shape[0] == 0:
        raise ValueError(f"{caller} got an empty clip (no frames)")
    if frames.shape[1] == 0 or frames.shape[2] == 0:
        raise ValueError(f"{caller} got frames of zero size {frames.shape[2]}x{frames.shape[1]}")


def _check_size(width: int, height: int, caller: str) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"{caller} needs a positive size, got {width}x{height}")
