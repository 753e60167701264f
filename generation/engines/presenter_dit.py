"""PresenterDitEngine ("presenter"): the presenter's photo becomes a speaking host, made by LTX-2 on a GPU worker.

LTX-2 (diffusers `LTX2ImageToVideoPipeline`) generates video and an audio waveform jointly: one transformer
denoises video latents and audio latents side by side, with cross-attention between the two streams, then the
video VAE decodes the frames and the audio VAE + vocoder decode the sound. Its components: `transformer`
(LTX2VideoTransformer3DModel), `vae` (AutoencoderKLLTX2Video), `audio_vae` (AutoencoderKLLTX2Audio), `vocoder`,
`text_encoder` (Gemma 3), `tokenizer`, `connectors` (text embeddings -> video and audio streams), `scheduler`.
It returns `frames` (video) and `audio` (the model's waveform).

Conditioning decision: the prompt speaks the script; the job keeps OUR speech track.
  - No LTX-2 image-to-video pipeline in diffusers 0.42 takes an input audio track. `LTX2ImageToVideoPipeline`
    and `LTX2ConditionPipeline` accept `audio_latents`, but only as the starting state of the audio stream: it is
    treated as noise at the first sigma and denoised like the rest, so a voice passed there is overwritten, not
    followed. (Only `LTX2DFRPipeline(freeze_audio=True)` holds audio clean for audio-to-video attention, and that
    is the LTX-2.5 multi-stage "DFR" recipe - keyframe slots, distilled sigmas - and diffusers has no front end
    that turns a WAV into the audio VAE's mel input; faking one for a model we cannot check here would give lips
    that follow a voice the model never heard.)
  - So the pipeline is prompted with the script as quoted dialogue ('... looks into the camera and says:
    "<script>"'): the host's mouth moves as someone speaking those words. The model's own audio is dropped. The
    shot's sound is our TTS track (parameters["speech_wav"], placed at "speech_offset" by the assembly), whose
    word timings drive captions and music ducking. Lip movement therefore follows the model's idea of the line,
    not our samples exactly: close for short lines, not frame-accurate. metadata["audio"] == "tts" says so.
  - When diffusers gains an audio-conditioned LTX-2 image-to-video pipeline, this is the module to change.
  - PRESENTER_DIT_FOLLOW_VOICE=true (default off) tries the other way: our WAV is turned into audio latents and
    held clean by LTX2DFRPipeline(freeze_audio=True) from the same weights, so the lips attend to our voice
    (generation/engines/dit/ltx2_audio.py; metadata["lips"] == "voice"). Checked with tiny models only: a GPU
    session must judge the lip sync, memory and speed with real weights before it is turned on (DOCS).

The shot, as a linear script:
  1. the model (loaded once per process from PRESENTER_DIT_MODEL) and the plan: the largest valid size for the
     shot's aspect ratio within the model's pixel budget, the frames that cover the duration at its native fps;
  2. checks with what to change: a script, a speech WAV that fits in the shot, a shot short enough for one take,
     a prompt within the text encoder's reading length, a face box inside the photo;
  3. the photo cropped around the face for the framing (head, chest or wide: the crop's height is a multiple of
     the face's, centred on it, clamped to the photo, never stretched), at the model's size;
  4. one pipeline call, progress reported on every denoising step (a cancel raised there stops before decoding);
  5. delivery: retimed to the shot's fps and fitted to its size, exactly request.num_frames frames.

Long scripts are not split: one take holds one identity and one continuous delivery, while chaining image-to-video
takes restarts the sentence and drifts the face. A shot longer than the model's longest take (or a script over
its prompt length) is refused with the limit, asking for one presenter scene per sentence or two.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image

from generation.engines.base import EngineError, ProgressCallback, ShotRequest, ShotResult, photo_open

logger = logging.getLogger(__name__)

DOCS = "docs/presenters.md"
PIPELINE_CLASS = "LTX2ImageToVideoPipeline"
ACCEPTED_PIPELINES = {"LTX2ImageToVideoPipeline", "LTX2Pipeline", "LTX2ConditionPipeline"}

# LTX-2's own limits; a model directory's shop_video.json may narrow them (tiny test models do).
NATIVE_FPS = 24
MAX_PIXELS = 768 * 512
MAX_FRAMES = 241  # 10 s at 24 fps, 8k+1
MAX_SEQUENCE_LENGTH = 1024  # Gemma 3 tokens the pipeline reads

# The released LTX-2 generations, as diffusers 0.42.1's LTX2ImageToVideoPipeline documents them (its __call__
# docstring names each generation's values; its signature's defaults are LTX-2.3's). Picked from the transformer
# config: 2.3 added prompt modulation of the cross attention (cross_attn_mod), 2.0 has none. A directory's
# shop_video.json may name the row ("release") and override any call value.
PROFILES = {
    "ltx-2.0": {
        "release": "Lightricks/LTX-2 (LTX-2.0)",
        "steps": 40,  # diffusers' LTX-2 docs example: num_inference_steps=40
        "call": {
            "guidance_scale": 4.0,  # same example: guidance_scale=4.0 (the docstring's default)
            "stg_scale": 0.0,  # docstring default: STG off
            "modality_scale": 1.0,  # docstring default: modality isolation guidance off
            "guidance_rescale": 0.0,  # docstring default
            "audio_guidance_scale": None,
            "audio_stg_scale": None,  # docstring: None follows the video value
            "audio_modality_scale": None,
            "audio_guidance_rescale": None,
            "spatio_temporal_guidance_blocks": [29],  # docstring: "[29] is recommended for LTX-2.0"
            "use_cross_timestep": False,  # docstring: "False is the legacy LTX-2.0 behavior"
        },
    },
    "ltx-2.3": {
        "release": "Lightricks/LTX-2.3",
        "steps": 30,  # the pipeline's default num_inference_steps
        "call": {
            "guidance_scale": 3.0,  # docstring: "for LTX-2.3 they suggest 3.0 for video and 7.0 for audio"
            "audio_guidance_scale": 7.0,
            "stg_scale": 1.0,
            "audio_stg_scale": 1.0,  # docstring: "For LTX-2.3, a value of 1.0 is suggested"
            "modality_scale": 3.0,
            "audio_modality_scale": 3.0,  # docstring: 3.0 suggested for both
            "guidance_rescale": 0.7,
            "audio_guidance_rescale": 0.7,  # the signature's (2.3) defaults
            "spatio_temporal_guidance_blocks": [28],  # docstring: "[28] is recommended for LTX-2.3"
            "use_cross_timestep": True,  # docstring: "True is the LTX-2.3/2.5 behavior"
        },
    },
}
PROFILE_CALL_KEYS = (
    "guidance_scale",
    "stg_scale",
    "audio_stg_scale",
    "modality_scale",
    "audio_modality_scale",
    "audio_guidance_scale",
    "guidance_rescale",
    "audio_guidance_rescale",
    "spatio_temporal_guidance_blocks",
    "use_cross_timestep",
)

NEGATIVE_PROMPT = (
    "worst quality, inconsistent motion, blurry, jittery, distorted face, deformed mouth, subtitles, text, watermark"
)
# Framing: how many face heights the crop is tall, and where the face centre sits (fraction from the top).
FRAMINGS = {"head": (2.4, 0.45), "chest": (4.0, 0.35), "wide": (7.0, 0.28)}
FRAMING_WORDS = {
    "head": "Close-up on the presenter's face and shoulders.",
    "chest": "Medium shot of the presenter from the chest up.",
    "wide": "Wide shot of the presenter.",
}
SPEECH_FIT_TOLERANCE = 0.05  # seconds a speech track may run past the shot's end (rounding)


@dataclass
class PresenterModel:
    path: Path
    pipeline: Any
    device: str
    dtype: Any
    geometry: Any  # generation.engines.dit.family.Geometry
    fps: int
    steps: int
    max_sequence_length: int
    call_defaults: dict[str, Any]
    release: str = ""
    offloaded: bool = False
    voice: dict[str, Any] | None = None  # shop_video.json's follow_voice_* values (ltx2_audio)

    @property
    def base(self):  # what loading.memory_recover works on
        return self.pipeline


def model_loads() -> int:
    """How many times this process loaded weights from disk (the presenter's and the DiT families' share one
    cache and count: generation/engines/dit/loading.py)."""
    from generation.engines.dit import loading

    return loading.model_loads()


def models_unload() -> None:
    from generation.engines.dit import loading

    loading.models_unload()


def model_get(*, on_step: ProgressCallback | None = None) -> PresenterModel:
    raw = str(settings.PRESENTER_DIT_MODEL or "").strip()
    if not raw:
        raise EngineError(
            "no presenter model on this worker: set PRESENTER_DIT_MODEL to a local LTX-2 diffusers "
            f"directory (model_index.json + .safetensors weights); see {DOCS}"
        )
    from generation.engines.dit import loading

    return loading.model_cached(f"presenter {raw}", lambda: _model_load(Path(raw)), on_step=on_step)


def profile_name(configs: dict[str, dict]) -> str:
    transformer = configs.get("transformer", {})
    return "ltx-2.3" if transformer.get("cross_attn_mod") or transformer.get("audio_cross_attn_mod") else "ltx-2.0"


def _model_load(path: Path) -> PresenterModel:
    from generation.engines.dit import loading
    from generation.engines.dit.family import Geometry, geometry_with_profile

    loading.directory_check(
        path,
        where=f"PRESENTER_DIT_MODEL={path}",
        accepted=ACCEPTED_PIPELINES,
        needs="the presenter engine needs an LTX-2 pipeline,",
        docs=DOCS,
    )
    named = loading._profile(path).get("release")
    name = named or profile_name(loading.model_configs(path))
    if name not in PROFILES:
        raise EngineError(f"{path}/shop_video.json names release {name!r}; the presenter knows {', '.join(PROFILES)}")
    release = PROFILES[name]
    # No first-block cache: diffusers 0.42.1 registers no LTX2VideoTransformerBlock metadata for it (the block
    # returns video and audio streams), so enable_cache fails on LTX-2 and DIT_CACHE_THRESHOLD would stop the load.
    placed = loading.pipeline_load(PIPELINE_CLASS, path, what="the presenter (LTX-2) weights", cache=False)
    pipeline, profile = placed.pipeline, placed.profile
    geometry = Geometry(
        spatial_compression=pipeline.vae_spatial_compression_ratio,
        temporal_compression=pipeline.vae_temporal_compression_ratio,
        patch_size=pipeline.transformer_spatial_patch_size,
        max_pixels=MAX_PIXELS,
        max_frames=MAX_FRAMES,
        pipeline_multiple=32,
    )  # check_inputs: multiples of 32
    tokenizer_limit = getattr(pipeline.tokenizer, "model_max_length", 10**6)
    max_sequence_length = min(
        int(profile.get("max_sequence_length", MAX_SEQUENCE_LENGTH)),
        tokenizer_limit if tokenizer_limit < 10**6 else MAX_SEQUENCE_LENGTH,
    )
    call_defaults = dict(release["call"])
    call_defaults.update({key: profile[key] for key in PROFILE_CALL_KEYS if key in profile})
    logger.info(
        "loaded the presenter LTX-2 pipeline (%s) from %s on %s (%s) in process %s",
        release["release"],
        path,
        placed.device,
        placed.dtype,
        os.getpid(),
    )
    return PresenterModel(
        path=path,
        pipeline=pipeline,
        device=placed.device,
        dtype=placed.dtype,
        geometry=geometry_with_profile(geometry, profile),
        fps=int(profile.get("fps", NATIVE_FPS)),
        steps=int(profile.get("steps", release["steps"])),
        max_sequence_length=max_sequence_length,
        call_defaults=call_defaults,
        release=release["release"],
        offloaded=placed.offloaded,
        voice={key: profile[key] for key in ("follow_voice_n_fft", "follow_voice_sigmas") if key in profile},
    )


class PresenterDitEngine:
    name = "presenter"

    def generate(self, request: ShotRequest, *, on_step: ProgressCallback | None = None) -> ShotResult:
        import torch

        from generation.engines.dit import engine as dit_engine
        from generation.engines.dit.family import family_size

        params = request.parameters
        # 1. the model and the plan
        script = " ".join(str(params.get("script") or "").split())
        if not script:
            raise EngineError("a presenter shot needs the words to speak: parameters['script'] is empty")
        if not request.image_path:
            raise EngineError("a presenter shot needs the presenter's photo (image_path); add one to the presenter")
        framing = str(params.get("framing") or "chest")
        if framing not in FRAMINGS:
            raise EngineError(f"unknown framing {framing!r}; use one of {', '.join(FRAMINGS)}")
        model = model_get(on_step=on_step)
        aspect_ratio = dit_engine.nearest_aspect_ratio(request.width, request.height)
        width, height = family_size(model.geometry, aspect_ratio)
        frames_needed = math.ceil((request.num_frames - 1) * model.fps / request.fps) + 1
        step = model.geometry.temporal_compression
        num_frames = 1 + step * max(1, math.ceil((frames_needed - 1) / step))
        # 2. checks against the request and the loaded model
        if num_frames > model.geometry.max_frames:
            longest = (model.geometry.max_frames - 1) / model.fps
            raise EngineError(
                f"the presenter shot lasts {request.duration:.1f} s and the model speaks at most "
                f"{longest:.1f} s in one take; split the script into shorter presenter scenes "
                f"(one or two sentences each)"
            )
        speech_offset = float(params.get("speech_offset") or 0.0)
        speech_seconds = _speech_check(params.get("speech_wav"), offset=speech_offset, shot=request.duration)
        prompt = _prompt_compose(script, framing, request.prompt)
        tokens = len(model.pipeline.tokenizer(prompt, add_special_tokens=True)["input_ids"])
        if tokens > model.max_sequence_length:
            raise EngineError(
                f"the presenter prompt is {tokens} tokens (script included) and the model reads at "
                f"most {model.max_sequence_length}; shorten the script or split it into scenes"
            )
        negative = request.negative_prompt or NEGATIVE_PROMPT
        steps = int(params.get("steps") or model.steps)
        call = dict(model.call_defaults)
        if params.get("guidance_scale"):
            call["guidance_scale"] = float(params["guidance_scale"])
        # 3. the photo, framed around the face, at the model's size
        photo = _photo_open(request.image_path)
        face = _face_box(params.get("face"), photo.size)
        crop = framing_crop(photo.size, face, framing=framing, aspect=width / height)
        image = photo.crop(crop).resize((width, height), Image.Resampling.LANCZOS)
        # 4. one take (following our voice when PRESENTER_DIT_FOLLOW_VOICE is set and there is a voice to follow)
        follow_voice = bool(settings.PRESENTER_DIT_FOLLOW_VOICE) and speech_seconds is not None
        if follow_voice and (model.voice or {}).get("follow_voice_sigmas"):
            steps = len(model.voice["follow_voice_sigmas"])  # the profile's schedule is the step count
        done = 0

        def callback(pipeline, index: int, timestep, callback_kwargs: dict) -> dict:
            nonlocal done
            latents = callback_kwargs.get("latents")
            if latents is not None and not bool(torch.isfinite(latents).all()):
                raise dit_engine.NonFiniteLatents(index)
            done += 1
            if on_step is not None:
                on_step(min(done, steps), steps)  # raises ShotCancelled: stops before the decode
            return callback_kwargs

        from generation.engines.dit import loading

        recoveries, failure = [], ""
        for attempt in range(2):
            done = 0
            try:
                if follow_voice:
                    output = _voice_take(
                        model,
                        request,
                        image=image,
                        prompt=prompt,
                        width=width,
                        height=height,
                        num_frames=num_frames,
                        steps=steps,
                        offset=speech_offset,
                        call=call,
                        callback=callback,
                    )
                    break
                output = model.pipeline(
                    image=image,
                    prompt=prompt,
                    negative_prompt=negative,
                    width=width,
                    height=height,
                    num_frames=num_frames,
                    frame_rate=float(model.fps),
                    num_inference_steps=steps,
                    generator=torch.Generator(device="cpu").manual_seed(request.seed),
                    output_type="pt",
                    max_sequence_length=model.max_sequence_length,
                    callback_on_step_end=callback,
                    callback_on_step_end_tensor_inputs=["latents"],
                    **call,
                )
                break
            except dit_engine.NonFiniteLatents as exc:
                raise EngineError(
                    f"the presenter model produced NaN/inf values at step {exc.step + 1}; the shot "
                    f"was stopped before decoding. Try another seed, or DIT_DTYPE=float32"
                ) from None
            except torch.OutOfMemoryError as exc:
                failure = str(exc).splitlines()[0] if str(exc) else "CUDA out of memory"
            # Out of the except block: the exception and the activations it pinned are released now.
            if attempt == 1:
                raise EngineError(
                    f"out of GPU memory twice ({failure}), even after {', '.join(recoveries)}; use "
                    f"a shorter presenter scene or a GPU with more memory"
                )
            recoveries = loading.memory_recover(model)
            logger.warning("presenter out of memory (%s); %s; trying once more", failure, ", ".join(recoveries))
        native = dit_engine.frames_to_uint8(output.frames[0])
        if len(native) < num_frames:
            raise EngineError(f"the presenter pipeline returned {len(native)} frames for a {num_frames}-frame take")
        native = native[:num_frames]
        # 5. delivery (the model's audio, output.audio, is dropped: the shot's sound is our TTS track)
        stream = dit_engine.delivery_stream(
            native,
            src_fps=model.fps,
            dst_fps=request.fps,
            count=request.num_frames,
            width=request.width,
            height=request.height,
        )
        metadata = {
            "engine": self.name,
            "model": str(model.path),
            "audio": "tts",
            "generated_size": [width, height],
            "lips": "voice" if follow_voice else "prompt",
            "generated_fps": model.fps,
            "generated_frames": num_frames,
            "steps": steps,
            "seed": request.seed,
            "framing": framing,
            "face": list(face) if face else None,
            "crop": list(crop),
            "prompt": prompt,
            "prompt_tokens": tokens,
            "speech_offset": speech_offset,
            "speech_seconds": speech_seconds,
            "release": model.release,
            "oom_recoveries": recoveries,
        }
        return ShotResult(frames=stream, fps=request.fps, metadata=metadata)


def _voice_take(
    model: PresenterModel,
    request: ShotRequest,
    *,
    image: Image.Image,
    prompt: str,
    width: int,
    height: int,
    num_frames: int,
    steps: int,
    offset: float,
    call: dict,
    callback,
) -> Any:
    """The take through LTX2DFRPipeline with our speech held as clean audio latents (ltx2_audio.py). No
    classifier-free guidance there: the guidance values and the negative prompt do not apply."""
    import torch

    from generation.engines.dit import ltx2_audio
    from generation.presenter.speech import wav_read

    samples, rate = wav_read(request.parameters["speech_wav"])
    voice = model.voice or {}
    output, _ = ltx2_audio.voice_take(
        pipeline=model.pipeline,
        image=image,
        prompt=prompt,
        samples=samples,
        rate=rate,
        offset=offset,
        width=width,
        height=height,
        num_frames=num_frames,
        frame_rate=float(model.fps),
        steps=steps,
        generator=torch.Generator(device="cpu").manual_seed(request.seed),
        max_sequence_length=model.max_sequence_length,
        callback=callback,
        use_cross_timestep=bool(call.get("use_cross_timestep", True)),
        n_fft=int(voice.get("follow_voice_n_fft", ltx2_audio.N_FFT)),
        sigmas=voice.get("follow_voice_sigmas"),
    )
    return output


def _prompt_compose(script: str, framing: str, scene_prompt: str = "") -> str:
    line = script.replace('"', "'")
    parts = [
        scene_prompt.strip().rstrip(".") + "." if scene_prompt.strip() else "",
        f'A friendly presenter looks into the camera and says: "{line}"',
        FRAMING_WORDS[framing],
        "Static camera, natural light.",
    ]
    return " ".join(part for part in parts if part)


def _speech_check(wav: Any, *, offset: float, shot: float) -> float | None:
    """Our speech must fit in the shot: the video is timed for it. Returns its length (None without a WAV)."""
    if not wav:
        return None
    from generation.presenter.speech import wav_read

    try:
        samples, rate = wav_read(wav)
    except FileNotFoundError:
        raise EngineError(f"the speech track {str(wav)!r} does not exist on this worker") from None
    except (OSError, ValueError, EOFError) as exc:
        raise EngineError(f"the speech track {str(wav)!r} cannot be read: {exc}") from None
    seconds = len(samples) / rate
    if offset < 0 or offset + seconds > shot + SPEECH_FIT_TOLERANCE:
        raise EngineError(
            f"the speech ({seconds:.2f} s from {offset:.2f} s) does not fit in the {shot:.2f} s shot; "
            f"lengthen the scene or shorten the script"
        )
    return round(seconds, 3)


def _photo_open(path: str) -> Image.Image:
    return photo_open(path, what="presenter photo")


def _face_box(value: Any, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    if value in (None, "", []):
        return None
    try:
        x, y, w, h = (int(round(float(v))) for v in value)
    except (TypeError, ValueError):
        raise EngineError(f"parameters['face'] must be [x, y, w, h] in photo pixels, got {value!r}") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > size[0] or y + h > size[1]:
        raise EngineError(
            f"the face box {[x, y, w, h]} is not inside the {size[0]}x{size[1]} photo; detect the face "
            f"again or re-upload the presenter photo"
        )
    return x, y, w, h


def framing_crop(
    size: tuple[int, int], face: tuple[int, int, int, int] | None, *, framing: str, aspect: float
) -> tuple[int, int, int, int]:
    """The crop box (left, top, right, bottom) of the photo for a framing: `aspect` (width / height) exactly up
    to rounding, so resizing it to the model's size never stretches. Its height is FRAMINGS' multiple of the face
    height, its centre on the face (horizontally) with the face centre at FRAMINGS' fraction from the top, shrunk
    to fit the photo and shifted inside it. Without a face: the largest such crop, centred, from the top third."""
    photo_w, photo_h = size
    fit_h = min(photo_h, photo_w / aspect)  # the tallest crop of this aspect the photo holds
    if face is None:
        crop_h = fit_h
        centre_x, top = photo_w / 2, (photo_h - crop_h) / 3
    else:
        x, y, w, h = face
        scale, face_at = FRAMINGS[framing]
        crop_h = min(fit_h, max(scale * h, 1.0))
        centre_x, top = x + w / 2, y + h / 2 - face_at * crop_h
    crop_w = crop_h * aspect
    left = min(max(centre_x - crop_w / 2, 0.0), photo_w - crop_w)
    top = min(max(top, 0.0), photo_h - crop_h)
    box = (round(left), round(top), round(left + crop_w), round(top + crop_h))
    return (box[0], box[1], max(box[2], box[0] + 1), max(box[3], box[1] + 1))
