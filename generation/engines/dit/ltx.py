"""LTX-Video (Lightricks): image-to-video, text-to-video, and keyframes/extension through LTXConditionPipeline.
Sides divisible by 32 and 8k+1 frames on the released model (both read from its VAE and transformer configs)."""

from __future__ import annotations

from generation.engines.dit.family import Family, Geometry, Profile, Segment

# The released LTX-Video models, each as its model card and diffusers' LTX documentation run it.
PROFILES = {
    "ltx-video-0.9.0": Profile(
        release="Lightricks/LTX-Video (0.9.0, the repository's root diffusers folders)",
        steps=50,  # diffusers docs, LTXImageToVideoPipeline example: num_inference_steps=50
        guidance_scale=3.0,  # LTXImageToVideoPipeline default (the model card's inference.py: 3)
        fps=24,  # model card: "24 FPS videos"; the examples export fps=24
        end_frame=False,  # image-to-video only; keyframes arrived with 0.9.5 (model card changelog)
    ),
    "ltx-video-0.9.1": Profile(
        release="Lightricks/LTX-Video-0.9.1",
        steps=50,  # diffusers docs, the 0.9.1 example: num_inference_steps=50
        guidance_scale=3.0,  # same example (pipeline default)
        fps=24,  # same example: export_to_video(..., fps=24)
        end_frame=False,  # as 0.9.0
        # its VAE is timestep-conditioned: the diffusers 0.9.1 example decodes with these
        call=(("decode_timestep", 0.03), ("decode_noise_scale", 0.025)),
    ),
    "ltx-video-0.9.5": Profile(
        release="Lightricks/LTX-Video-0.9.5 (and the later non-distilled 0.9.x)",
        steps=40,  # diffusers docs, LTXConditionPipeline 0.9.5 example: num_inference_steps=40
        guidance_scale=3.0,  # pipeline default, as in that example
        fps=24,  # model card
        end_frame=True,  # model card: keyframes and video extension (LTXConditionPipeline)
        call=(("decode_timestep", 0.05), ("decode_noise_scale", 0.025)),  # the 0.9.5 diffusers example
    ),
    "ltx-video-0.9.7-distilled": Profile(
        release="Lightricks/LTX-Video-0.9.7-distilled (also 0.9.8-distilled)",
        steps=8,  # diffusers docs, the distilled example: 8 explicit timesteps below
        guidance_scale=1.0,  # same example: guidance_scale=1.0 (distilled without CFG)
        fps=24,  # model card
        end_frame=True,  # LTXConditionPipeline keyframes, as 0.9.5+
        call=(
            ("timesteps", (1000, 993, 987, 981, 975, 909, 725, 0.03)),
            ("decode_timestep", 0.05),
            ("decode_noise_scale", 0.025),
            ("image_cond_noise_scale", 0.0),
        ),  # the distilled diffusers example
    ),
}


def profile_name(configs: dict[str, dict]) -> str:
    """0.9.5+ VAEs use the 0.9.5 down blocks; 0.9.1 added timestep conditioning to the decoder; a distilled
    checkpoint has the same configs as its base, so shop_video.json must name it."""
    vae = configs.get("vae", {})
    if "LTXVideo095DownBlock3D" in (vae.get("down_block_types") or ()):
        return "ltx-video-0.9.5"
    return "ltx-video-0.9.1" if vae.get("timestep_conditioning") else "ltx-video-0.9.0"


FAMILY = Family(
    name="ltx",
    i2v_pipeline="LTXImageToVideoPipeline",
    t2v_pipeline="LTXPipeline",
    keyframe_pipeline="LTXConditionPipeline",
    native_fps=PROFILES["ltx-video-0.9.0"].fps,
    steps=PROFILES["ltx-video-0.9.0"].steps,
    guidance_scale=PROFILES["ltx-video-0.9.0"].guidance_scale,
    negative_prompt="worst quality, inconsistent motion, blurry, jittery, distorted, watermark, text",
    max_sequence_length=128,
    supports_end_frame=any(profile.end_frame for profile in PROFILES.values()),
)


def geometry(pipeline) -> Geometry:
    return Geometry(
        spatial_compression=pipeline.vae.spatial_compression_ratio,
        temporal_compression=pipeline.vae.temporal_compression_ratio,
        patch_size=pipeline.transformer.config.patch_size,
        max_pixels=768 * 512,
        max_frames=121,
        pipeline_multiple=32,
    )


def extension_overlap(geometry: Geometry) -> int:
    # One latent frame's worth of pixels plus the frame it starts from: the next segment's first latent
    # frame is fully determined by the previous segment, so motion carries on instead of restarting.
    return geometry.temporal_compression + 1


def pipeline_call(model, segment: Segment) -> tuple[object, dict]:
    kwargs = {"frame_rate": model.fps}
    # Distilled releases run on explicit timesteps, which only LTXConditionPipeline takes (the others pass sigmas
    # too and diffusers refuses both), as their diffusers example does.
    distilled = "timesteps" in model.profile.call_kwargs
    if segment.previous is None and segment.end_image is None and not distilled:
        if segment.image is None:
            return model.pipeline("t2v"), kwargs
        return model.pipeline("i2v"), {**kwargs, "image": segment.image}
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    conditions = []
    if segment.previous is not None:
        conditions.append(LTXVideoCondition(video=segment.previous, frame_index=0))
    elif segment.image is not None:
        conditions.append(LTXVideoCondition(image=segment.image, frame_index=0))
    if segment.end_image is not None:
        conditions.append(LTXVideoCondition(image=segment.end_image, frame_index=segment.num_frames - 1))
    return model.pipeline("keyframe"), {**kwargs, "conditions": conditions or None}
