"""CogVideoX image-to-video (CogVideoXImageToVideoPipeline): the released 5B-I2V model has learned positional
embeddings, so it takes exactly its training size (720x480) and 49 frames (4k+1); other aspect ratios are
padded at delivery, shorter segments trimmed. Extension continues from the previous segment's last frame; no end
frame."""

from __future__ import annotations

from generation.engines.base import EngineError
from generation.engines.dit.family import Family, Geometry, Profile, Segment

PROFILES = {
    "cogvideox-5b-i2v": Profile(
        release="THUDM/CogVideoX-5b-I2V",
        steps=50,  # model card's diffusers example: num_inference_steps=50
        guidance_scale=6.0,  # same example: guidance_scale=6
        fps=8,  # same example: export_to_video(video, "output.mp4", fps=8); 49 frames = 6 s
        end_frame=False,  # image-to-video from a first frame only
        # bfloat16 throughout: the model card's example loads the pipeline with torch_dtype=torch.bfloat16
    ),
}


def profile_name(configs: dict[str, dict]) -> str:
    return "cogvideox-5b-i2v"


FAMILY = Family(
    name="cogvideox",
    i2v_pipeline="CogVideoXImageToVideoPipeline",
    t2v_pipeline=None,
    keyframe_pipeline=None,
    native_fps=PROFILES["cogvideox-5b-i2v"].fps,
    steps=PROFILES["cogvideox-5b-i2v"].steps,
    guidance_scale=PROFILES["cogvideox-5b-i2v"].guidance_scale,
    negative_prompt="blurry, distorted, low quality, jittery, watermark, text",
    max_sequence_length=226,
    supports_end_frame=False,
)


def geometry(pipeline) -> Geometry:
    config = pipeline.transformer.config
    spatial = pipeline.vae_scale_factor_spatial
    native = (config.sample_width * spatial, config.sample_height * spatial)
    return Geometry(
        spatial_compression=spatial,
        temporal_compression=pipeline.vae_scale_factor_temporal,
        patch_size=config.patch_size,
        max_pixels=native[0] * native[1],
        max_frames=config.sample_frames,
        native_size=native if config.use_learned_positional_embeddings else None,
        # Other frame counts swap the learned positional embedding for computed sin-cos values
        # (diffusers CogVideoXPatchEmbed): always generate sample_frames (49) and trim.
        fixed_frames=bool(config.use_learned_positional_embeddings),
    )


def extension_overlap(geometry: Geometry) -> int:
    return 1


def max_sequence_length(pipeline) -> int:
    # The learned positional embeddings cover exactly this many text tokens.
    return pipeline.transformer.config.max_text_seq_length


def pipeline_call(model, segment: Segment) -> tuple[object, dict]:
    image = segment.previous[-1] if segment.previous else segment.image
    if image is None:
        raise EngineError(
            "the cogvideox family serves image-to-video only: give the shot a photo, or use family "
            "ltx for text-to-video"
        )
    if segment.end_image is not None:
        raise EngineError("the cogvideox family cannot take an end frame; use family ltx or wan for start+end shots")
    return model.pipeline("i2v"), {"image": image}
