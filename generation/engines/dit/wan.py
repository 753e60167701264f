"""Wan 2.1 / 2.2 image-to-video (WanImageToVideoPipeline): 4k+1 frames, sides divisible by 16 (VAE 8 x patch 2),
a first and an optional last frame. Extension continues from the previous segment's last frame."""

from __future__ import annotations

from generation.engines.base import EngineError
from generation.engines.dit.family import Family, Geometry, Profile, Segment

# The released Wan image-to-video models, as Wan-AI's configs and the diffusers examples run them.
PROFILES = {
    "wan2.1-i2v-14b": Profile(
        release="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers (and -720P-Diffusers)",
        steps=40,  # Wan2.1 wan/configs/wan_i2v_14B.py: sample_steps = 40
        guidance_scale=5.0,  # model card's diffusers example: guidance_scale=5.0 (sample_guide_scale 5.0)
        fps=16,  # model card's diffusers example: export_to_video(..., fps=16)
        end_frame=False,  # trained on a first frame only (last frames: Wan2.1-FLF2V-14B-720P)
        float32_components=("vae", "image_encoder"),  # model card's diffusers example loads both in float32
    ),
    "wan2.1-flf2v-14b": Profile(
        release="Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers",
        steps=50,  # model card's diffusers example passes none: the pipeline default, 50
        guidance_scale=5.5,  # model card's diffusers example: guidance_scale=5.5
        fps=16,  # same example: fps=16
        end_frame=True,  # first-last-frame-to-video is what it was trained for
        float32_components=("vae", "image_encoder"),  # same example: both in float32
    ),
    "wan2.2-i2v-a14b": Profile(
        release="Wan-AI/Wan2.2-I2V-A14B-Diffusers",
        steps=40,  # Wan2.2 wan/configs/wan_i2v_A14B.py: sample_steps = 40
        guidance_scale=3.5,  # same config: sample_guide_scale = (3.5, 3.5); model card example 3.5
        fps=16,  # same config: sample_fps = 16
        end_frame=True,  # diffusers' WanImageToVideoPipeline `last_image` with the 2.2 experts
        float32_components=("vae",),  # model card's diffusers example loads the VAE in float32 (no image encoder)
    ),
}


def profile_name(configs: dict[str, dict]) -> str:
    """Two experts: 2.2 A14B; a transformer with a positional embedding for two images: FLF2V; else 2.1 I2V."""
    if configs.get("model_index", {}).get("transformer_2", [None])[0]:
        return "wan2.2-i2v-a14b"
    return "wan2.1-flf2v-14b" if configs.get("transformer", {}).get("pos_embed_seq_len") else "wan2.1-i2v-14b"


FAMILY = Family(
    name="wan",
    i2v_pipeline="WanImageToVideoPipeline",
    t2v_pipeline=None,
    keyframe_pipeline=None,
    native_fps=PROFILES["wan2.1-i2v-14b"].fps,
    steps=PROFILES["wan2.1-i2v-14b"].steps,
    guidance_scale=PROFILES["wan2.1-i2v-14b"].guidance_scale,
    negative_prompt=(
        "bright colours, overexposed, static, blurred details, subtitles, worst quality, low quality, "
        "JPEG artefacts, ugly, deformed, extra fingers, poorly drawn, still picture, cluttered background"
    ),
    max_sequence_length=512,
    supports_end_frame=any(profile.end_frame for profile in PROFILES.values()),
)


def geometry(pipeline) -> Geometry:
    return Geometry(
        spatial_compression=pipeline.vae_scale_factor_spatial,
        temporal_compression=pipeline.vae_scale_factor_temporal,
        patch_size=pipeline.transformer.config.patch_size[1],
        max_pixels=832 * 480,
        max_frames=81,
        pipeline_multiple=16,
    )


def extension_overlap(geometry: Geometry) -> int:
    return 1


def pipeline_call(model, segment: Segment) -> tuple[object, dict]:
    image = segment.previous[-1] if segment.previous else segment.image
    if image is None:
        raise EngineError(
            "the wan family serves image-to-video only: give the shot a photo, or use family ltx for text-to-video"
        )
    kwargs = {"image": image}
    if segment.end_image is not None:
        kwargs["last_image"] = segment.end_image
    return model.pipeline("i2v"), kwargs
