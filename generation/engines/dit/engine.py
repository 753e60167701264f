"""DitEngine: a product photo (or a prompt) becomes a shot from a diffusers video DiT.

The shot, as a linear script:
  1. the family's model (loaded once per process) and the plan: a valid size for the aspect ratio, the
     segments that cover the duration at the model's native frame rate;
  2. checks that fail early with what to change (prompt length, end frame support, duration);
  3. the photo fitted to the model's size without distortion (and the end photo, if any);
  4. the segments, each conditioned on the last frames of the one before; every denoising step checks the
     latents are finite, reports progress and lets a cancel stop the loop before anything is decoded;
     out of memory: recover (outside the except block) and try once more;
  5. quality: a black or frozen clip is made again once with a new seed, then fails with the reason;
  6. delivery, streamed: colour matched to the photo, optical-flow retimed to the shot's fps, upscaled
     and fitted to the shot's size.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import torch
from django.conf import settings
from PIL import Image

from generation.engines.base import EngineError, FrameStream, ProgressCallback, ShotRequest, ShotResult, photo_open
from generation.engines.dit import loading, postprocess
from generation.engines.dit.delivery import DeliveryPlan
from generation.engines.dit.family import ASPECT_SHAPES, Segment, SegmentPlan, family_get, family_size, segments_plan

logger = logging.getLogger(__name__)

MAX_SHOT_SECONDS = 180.0
DOCS = "docs/models.md"
# Camera presets become words the models were trained on; `static` also asks the negative prompt to hold still.
CAMERA_PHRASES = {
    "orbit": "The camera slowly orbits around the product, revealing its sides.",
    "push_in": "The camera slowly pushes in towards the product.",
    "zoom_out": "The camera slowly pulls back to reveal the whole product.",
    "pan_left": "The camera pans slowly to the left.",
    "pan_right": "The camera pans slowly to the right.",
    "tilt_up": "The camera tilts slowly upwards.",
    "tilt_down": "The camera tilts slowly downwards.",
    "static": "Static camera, the product is still and softly lit.",
    "ken_burns": "Slow cinematic camera drift.",
}
STILL_NEGATIVE = "camera movement, camera shake, zoom"


class NonFiniteLatents(Exception):
    def __init__(self, step: int):
        super().__init__(step)
        self.step = step


class DitEngine:
    name = "dit"

    def generate(self, request: ShotRequest, *, on_step: ProgressCallback | None = None) -> ShotResult:
        # 1. checks that need no model, then the model and the plan
        family = family_get(str(request.parameters.get("family") or settings.DIT_DEFAULT_FAMILY))
        if request.duration > MAX_SHOT_SECONDS + 1e-9:
            raise EngineError(
                f"a DiT shot lasts at most {MAX_SHOT_SECONDS:g} s, this one asks for "
                f"{request.duration:.1f} s; split it into scenes"
            )
        if request.end_image_path and not family.supports_end_frame:
            raise EngineError(f"the {family.name} family cannot take an end frame; use ltx or wan for start+end shots")
        model = loading.model_get(family.name, on_step=on_step)
        if request.end_image_path and not model.profile.end_frame:
            raise EngineError(
                f"the {family.name} model on this worker ({model.profile.release}) was not trained for "
                f"an end frame; drop the end photo or use a release that takes one ({DOCS})"
            )
        aspect_ratio = nearest_aspect_ratio(request.width, request.height)
        width, height = family_size(model.geometry, aspect_ratio)
        # 2. checks against the loaded model
        frames_needed = math.ceil((request.num_frames - 1) * model.fps / request.fps) + 1
        plan = segments_plan(
            model.geometry, frames_needed=frames_needed, overlap=model.module.extension_overlap(model.geometry)
        )
        prompt = _prompt_compose(request.prompt, request.camera)
        _prompt_length_check(model, prompt)
        negative = request.negative_prompt or family.negative_prompt
        if request.camera == "static":
            negative = f"{negative}, {STILL_NEGATIVE}" if negative else STILL_NEGATIVE
        # A release run on explicit timesteps (distilled LTX) takes exactly that many steps.
        timesteps = model.profile.call_kwargs.get("timesteps")
        steps = len(timesteps) if timesteps else int(request.parameters.get("steps") or model.steps)
        guidance = float(request.parameters.get("guidance_scale") or model.profile.guidance_scale)
        # 3. conditioning photos at the model's size
        source = _photo_load(request.image_path, width, height) if request.image_path else None
        end = _photo_load(request.end_image_path, width, height) if request.end_image_path else None

        run = _Run(
            model=model,
            plan=plan,
            width=width,
            height=height,
            prompt=prompt,
            negative=negative,
            steps=steps,
            guidance=guidance,
            source=source,
            end=end,
            on_step=on_step,
        )
        # 4.-5. generate, with one new seed for a black or frozen clip
        seeds = [request.seed, (request.seed * 1_000_003 + 7919) % 2**31]
        for attempt, seed in enumerate(seeds):
            native = run.frames(seed=seed)
            report, reason = postprocess.quality_check(
                native, min_motion=settings.DIT_MIN_MOTION, min_luma=settings.DIT_MIN_LUMA
            )
            if reason is None:
                break
            if attempt == 0:
                logger.warning("%s with seed %s; trying once more with seed %s", reason, seed, seeds[1])
                continue
            raise EngineError(
                f"{reason} with seed {seeds[0]} and again with seed {seeds[1]}; try another photo "
                f"or prompt, or a more dynamic camera preset"
            )
        # 6. delivery
        if source is not None:
            native = postprocess.colour_match(native, reference=np.asarray(source))
        stream = delivery_stream(
            native,
            src_fps=model.fps,
            dst_fps=request.fps,
            count=request.num_frames,
            width=request.width,
            height=request.height,
        )
        metadata = {
            "family": family.name,
            "model": str(model.path),
            "generated_size": [width, height],
            "generated_fps": model.fps,
            "segments": list(plan.frames),
            "overlap": plan.overlap,
            "seed": seed,
            "retried_with_new_seed": attempt > 0,
            "steps": steps,
            "oom_recoveries": run.recoveries,
            "motion": round(report.motion, 3),
            "luma": round(report.luma, 1),
            "camera": request.camera,
        }
        return ShotResult(frames=stream, fps=request.fps, metadata=metadata)


class _Run:
    """One shot's segments through the pipelines, with progress, cancel, finite checks and OOM recovery."""

    def __init__(
        self, *, model, plan: SegmentPlan, width, height, prompt, negative, steps, guidance, source, end, on_step
    ):
        self.model, self.plan, self.width, self.height = model, plan, width, height
        self.prompt, self.negative, self.steps, self.guidance = prompt, negative, steps, guidance
        self.source, self.end, self.on_step = source, end, on_step
        self.recoveries: list[str] = []
        self._done = 0

    def frames(self, *, seed: int) -> np.ndarray:
        failure = ""
        for attempt in range(2):
            try:
                return self._segments(seed=seed)
            except torch.OutOfMemoryError as exc:
                failure = str(exc).splitlines()[0] if str(exc) else "CUDA out of memory"
            # Out of the except block: the exception and the frames it pinned (activations) are released now.
            if attempt == 0:
                actions = loading.memory_recover(self.model)
                self.recoveries.extend(actions)
                logger.warning("out of memory (%s); %s; trying once more", failure, ", ".join(actions))
        raise EngineError(
            f"out of GPU memory twice ({failure}), even after {', '.join(self.recoveries)}; "
            f"use a shorter scene or a smaller model, or a GPU with more memory"
        )

    def _segments(self, *, seed: int) -> np.ndarray:
        self._done = 0
        total = self.steps * len(self.plan.frames)
        pieces, previous = [], None
        for index, count in enumerate(self.plan.frames):
            last = index == len(self.plan.frames) - 1
            segment = Segment(
                num_frames=count,
                width=self.width,
                height=self.height,
                image=self.source if index == 0 else None,
                end_image=self.end if last else None,
                previous=previous,
            )
            pipeline, kwargs = self.model.module.pipeline_call(self.model, segment)
            loading.cache_reset(pipeline)  # a cancelled or failed call leaves residuals of its own size behind
            try:
                output = pipeline(
                    prompt=self.prompt,
                    negative_prompt=self.negative,
                    width=self.width,
                    height=self.height,
                    num_frames=count,
                    num_inference_steps=self.steps,
                    guidance_scale=self.guidance,
                    generator=torch.Generator(device="cpu").manual_seed(seed + index),
                    output_type="pt",
                    max_sequence_length=self.model.max_sequence_length,
                    callback_on_step_end=self._step_callback(total),
                    callback_on_step_end_tensor_inputs=["latents"],
                    **{**self.model.profile.call_kwargs, **kwargs},
                )
            except NonFiniteLatents as exc:
                raise EngineError(
                    f"the model produced NaN/inf values at step {exc.step + 1} of segment {index + 1}; the shot "
                    f"was stopped before decoding. Try another seed, or DIT_DTYPE=float32 if this model overflows "
                    f"in {str(self.model.dtype).removeprefix('torch.')}"
                ) from None
            clip = frames_to_uint8(output.frames[0])
            if len(clip) < count:
                raise EngineError(
                    f"the {self.model.family.name} pipeline returned {len(clip)} frames for a {count}-frame segment"
                )
            clip = clip[:count]
            pieces.append(clip if index == 0 else clip[self.plan.overlap :])
            previous = [Image.fromarray(frame) for frame in clip[-self.plan.overlap :]]
        return np.concatenate(pieces)

    def _step_callback(self, total: int):
        def callback(pipeline, step: int, timestep, callback_kwargs: dict) -> dict:
            latents = callback_kwargs.get("latents")
            if latents is not None and not bool(torch.isfinite(latents).all()):
                raise NonFiniteLatents(step)
            self._done += 1
            if self.on_step is not None:
                self.on_step(min(self._done, total), total)  # raises ShotCancelled: stops before the decode
            return callback_kwargs

        return callback


def delivery_stream(
    native: np.ndarray, *, src_fps: int, dst_fps: int, count: int, width: int, height: int
) -> FrameStream:
    """Retime and fit chunk by chunk, as a stream that carries its plan (delivery.py): a GPU worker may hand the
    plan to its delivery pool and take the next shot."""
    plan = DeliveryPlan(native=native, src_fps=src_fps, dst_fps=dst_fps, count=count, width=width, height=height)
    return plan.stream()


def frames_to_uint8(frames) -> np.ndarray:
    """(F, C, H, W) floats in [0, 1] on the model's device -> contiguous (F, H, W, 3) uint8 on the host. Done on
    the device in one pass: diffusers' numpy output is a channel-first view that every later step would copy.
    float32 first: frames come back in the VAE's dtype, and in bfloat16 1.0 * 255 + 0.5 rounds to 256, which the
    uint8 cast wraps to 0 (white turns black; levels above 128 would be even-only)."""
    return (
        frames.float()
        .clamp(0.0, 1.0)
        .mul(255.0)
        .add(0.5)
        .to(dtype=torch.uint8)
        .permute(0, 2, 3, 1)
        .contiguous()
        .cpu()
        .numpy()
    )


def nearest_aspect_ratio(width: int, height: int) -> str:
    return min(
        ASPECT_SHAPES,
        key=lambda name: abs(math.log((width / height) / (ASPECT_SHAPES[name][0] / ASPECT_SHAPES[name][1]))),
    )


def _prompt_compose(prompt: str, camera: str) -> str:
    phrase = CAMERA_PHRASES.get(camera)
    if phrase is None:
        raise EngineError(f"unknown camera {camera!r}; use one of {', '.join(CAMERA_PHRASES)}")
    prompt = prompt.strip()
    return f"{prompt.rstrip('.')}. {phrase}" if prompt else phrase


def _prompt_length_check(model, prompt: str) -> None:
    tokens = len(model.base.tokenizer(prompt, add_special_tokens=True)["input_ids"])
    if tokens > model.max_sequence_length:
        raise EngineError(
            f"the prompt is {tokens} tokens (camera phrase included) and the {model.family.name} "
            f"model reads at most {model.max_sequence_length}; shorten the scene's prompt in the template"
        )


def _photo_load(path: str, width: int, height: int) -> Image.Image:
    return postprocess.photo_fit(photo_open(path), width=width, height=height)
