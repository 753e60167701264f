"""Model families as data: which diffusers pipelines serve a family and the sizes, frame counts and defaults
it accepts. Pure Python (no torch), so the rules are tested without a model and settings can validate names.

Adding a family is one small module beside this one that defines `FAMILY` and `pipeline_call`; list it in
FAMILY_MODULES.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, replace
from typing import Any

from generation.engines.base import EngineError

FAMILY_MODULES = {
    "ltx": "generation.engines.dit.ltx",
    "wan": "generation.engines.dit.wan",
    "cogvideox": "generation.engines.dit.cogvideox",
}
FAMILY_NAMES = tuple(FAMILY_MODULES)

# Width / height of each aspect ratio we deliver.
ASPECT_SHAPES = {"9:16": (9, 16), "1:1": (1, 1), "16:9": (16, 9), "4:5": (4, 5)}
# A generated size may miss the ratio by this much (log scale, ~3 %); the delivery step crops the difference.
RATIO_TOLERANCE = 0.03


@dataclass(frozen=True)
class Family:
    name: str
    i2v_pipeline: str  # diffusers class for image-to-video (the directory's model_index.json)
    t2v_pipeline: str | None  # built from the same components with from_pipe; None: not offered
    keyframe_pipeline: str | None  # start+end frames and extension by video conditioning (LTX)
    native_fps: int  # the frame rate the model was trained to produce
    steps: int
    guidance_scale: float
    negative_prompt: str
    max_sequence_length: int  # prompt tokens the text encoder reads
    supports_end_frame: bool


@dataclass(frozen=True)
class Profile:
    """What one released model was trained and documented for. Each family module keeps one table, PROFILES, of
    these (every value commented with the model card or diffusers example it comes from) and `profile_name`,
    which picks the row from the directory's configs before any weight is read; a directory's shop_video.json
    may name the row (`"release": "..."`) where configs cannot tell (distilled variants)."""

    release: str  # the repository the values are for
    steps: int
    guidance_scale: float
    fps: int  # the frame rate it was trained to produce
    end_frame: bool  # trained for a last frame (Wan `last_image`, LTX end keyframe)
    float32_components: tuple[str, ...] = ()  # kept in float32 whatever DIT_DTYPE says (the examples do)
    call: tuple[tuple[str, Any], ...] = ()  # further pipeline arguments (decode settings, timesteps, ...)

    @property
    def call_kwargs(self) -> dict[str, Any]:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in self.call}


def profile_pick(module, configs: dict[str, dict], *, named: str | None = None) -> Profile:
    """The family table's row for a directory: `named` (shop_video.json's release) or what its configs say."""
    name = named or module.profile_name(configs)
    try:
        return module.PROFILES[name]
    except KeyError:
        raise EngineError(
            f"shop_video.json names release {name!r}, which the {module.FAMILY.name} family does not "
            f"know; use one of {', '.join(module.PROFILES)}"
        ) from None


@dataclass(frozen=True)
class Geometry:
    """What one loaded model accepts, read from its configs (and a tiny model's shop_video.json)."""

    spatial_compression: int  # VAE pixels per latent pixel
    temporal_compression: int  # VAE frames per latent frame
    patch_size: int  # transformer spatial patch
    max_pixels: int  # width x height budget of one segment
    max_frames: int  # frames in one segment (n-1 divisible by temporal_compression)
    native_size: tuple[int, int] | None = None  # learned positional embeddings: only this width x height
    pipeline_multiple: int = 1  # what the pipeline's check_inputs demands on top (LTX: 32 always)
    fixed_frames: bool = False  # learned positional embeddings for max_frames only: always generate those

    @property
    def size_multiple(self) -> int:
        return math.lcm(self.spatial_compression * self.patch_size, self.pipeline_multiple)


def family_get(name: str) -> Family:
    return family_module(name).FAMILY


def family_module(name: str):
    try:
        return importlib.import_module(FAMILY_MODULES[name])
    except KeyError:
        raise EngineError(f"Unknown DiT family {name!r}; use one of {', '.join(FAMILY_NAMES)}.") from None


def family_size(geometry: Geometry, aspect_ratio: str) -> tuple[int, int]:
    """The largest valid width x height within the model's pixel budget closest to the aspect ratio.
    A model with a fixed size answers that size (the delivery step pads it to the ratio, never stretches)."""
    if geometry.native_size is not None:
        return geometry.native_size
    try:
        ratio_w, ratio_h = ASPECT_SHAPES[aspect_ratio]
    except KeyError:
        raise EngineError(
            f"Aspect ratio {aspect_ratio!r} is not offered; use one of {', '.join(ASPECT_SHAPES)}."
        ) from None
    multiple = geometry.size_multiple
    target = ratio_w / ratio_h
    cells = geometry.max_pixels // (multiple * multiple)  # patches in the budget; a few thousand at most
    candidates = [
        (abs(math.log((w / h) / target)), w * multiple, h * multiple)
        for h in range(1, cells + 1)
        for w in range(1, cells // h + 1)
    ]
    if not candidates:
        raise EngineError(f"the model's pixel budget ({geometry.max_pixels}) is below one {multiple}x{multiple} patch")
    # Within RATIO_TOLERANCE of the ratio the largest size wins (the delivery crop loses at most that);
    # otherwise the closest ratio.
    close = [c for c in candidates if c[0] <= RATIO_TOLERANCE]
    if close:
        _, width, height = max(close, key=lambda c: (c[1] * c[2], -c[0]))
    else:
        _, width, height = min(candidates)
    return width, height


def segment_frames_valid(geometry: Geometry, frames: int) -> int:
    """The smallest valid frame count (k * temporal + 1) at or above `frames`, capped at the segment limit. A
    model with fixed frames (CogVideoX-5b-I2V) always makes its full count; the engine trims what is not needed."""
    if geometry.fixed_frames:
        return geometry.max_frames
    step = geometry.temporal_compression
    valid = 1 + step * max(1, math.ceil((frames - 1) / step))
    return min(valid, geometry.max_frames)


@dataclass(frozen=True)
class SegmentPlan:
    frames: tuple[int, ...]  # frames generated by each segment
    overlap: int  # leading frames of every later segment that repeat the previous one

    @property
    def total(self) -> int:
        return self.frames[0] + sum(count - self.overlap for count in self.frames[1:])


def segments_plan(geometry: Geometry, *, frames_needed: int, overlap: int) -> SegmentPlan:
    """Cover `frames_needed` native frames with as few valid segments as possible. Every segment after the first
    is conditioned on the last `overlap` frames of the one before and contributes its frames after those."""
    first = segment_frames_valid(geometry, frames_needed)
    counts = [first]
    covered = first
    while covered < frames_needed:
        count = segment_frames_valid(geometry, frames_needed - covered + overlap)
        if count <= overlap:
            raise EngineError(
                f"segments of {geometry.max_frames} frames cannot extend a shot past an overlap of {overlap} frames"
            )
        counts.append(count)
        covered += count - overlap
    return SegmentPlan(frames=tuple(counts), overlap=overlap)


def geometry_with_profile(geometry: Geometry, profile: dict[str, Any]) -> Geometry:
    """A tiny model's shop_video.json narrows the budget to what it was built for."""
    overrides = {key: profile[key] for key in ("max_pixels", "max_frames") if key in profile}
    return replace(geometry, **overrides)


@dataclass
class Segment:
    """One pipeline call. The engine fills the common arguments; the family module adds the conditioning."""

    num_frames: int
    width: int
    height: int
    image: Any = None  # PIL image for the first frame (None: text-to-video)
    end_image: Any = None  # PIL image for the last frame (only on the last segment)
    previous: list | None = None  # PIL frames ending the previous segment (extension)
