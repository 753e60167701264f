"""LTX-Video (Lightricks): image-to-video, text-to-video, and keyframes/extension through LTXConditionPipeline.
Sides divisible by 32 and 8k+1 frames on the released model (both read from its VAE and transformer configs)."""

from __future__ import annotations

from generation.engines.dit.family import Family, Geometry, Segment

FAMILY = Family(
    name="ltx",
    i2v_pipeline="LTXImageToVideoPipeline",
    t2v_pipeline="LTXPipeline",
    keyframe_pipeline="LTXConditionPipeline",
    native_fps=24,
    steps=40,
    guidance_scale=3.0,
    negative_prompt="worst quality, inconsistent motion, blurry, jittery, distorted, watermark, text",
    max_sequence_length=128,
    supports_end_frame=True,
)


def geometry(pipeline) -> Geometry:
    return Geometry(spatial_compression=pipeline.vae.spatial_compression_ratio,
                    temporal_compression=pipeline.vae.temporal_compression_ratio,
                    patch_size=pipeline.transformer.config.patch_size,
                    max_pixels=768 * 512, max_frames=121, pipeline_multiple=32)


def extension_overlap(geometry: Geometry) -> int:
    # One latent frame's worth of pixels plus the frame it starts from: the next segment's first latent
    # frame is fully determined by the previous segment, so motion carries on instead of restarting.
    return geometry.temporal_compression + 1


def pipeline_call(model, segment: Segment) -> tuple[object, dict]:
    kwargs = {"frame_rate": model.fps}
    if segment.previous is None and segment.end_image is None:
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
    return model.pipeline("keyframe"), {**kwargs, "conditions": conditions}
