"""Wan 2.1 / 2.2 image-to-video (WanImageToVideoPipeline): 4k+1 frames, sides divisible by 16 (VAE 8 x patch 2),
a first and an optional last frame. Extension continues from the previous segment's last frame."""

from __future__ import annotations

from generation.engines.base import EngineError
from generation.engines.dit.family import Family, Geometry, Segment

FAMILY = Family(
    name="wan",
    i2v_pipeline="WanImageToVideoPipeline",
    t2v_pipeline=None,
    keyframe_pipeline=None,
    native_fps=16,
    steps=40,
    guidance_scale=5.0,
    negative_prompt=("bright colours, overexposed, static, blurred details, subtitles, worst quality, low quality, "
                     "JPEG artefacts, ugly, deformed, extra fingers, poorly drawn, still picture, cluttered background"),
    max_sequence_length=512,
    supports_end_frame=True,
)


def geometry(pipeline) -> Geometry:
    return Geometry(spatial_compression=pipeline.vae_scale_factor_spatial,
                    temporal_compression=pipeline.vae_scale_factor_temporal,
                    patch_size=pipeline.transformer.config.patch_size[1],
                    max_pixels=832 * 480, max_frames=81, pipeline_multiple=16)


def extension_overlap(geometry: Geometry) -> int:
    return 1


def pipeline_call(model, segment: Segment) -> tuple[object, dict]:
    image = segment.previous[-1] if segment.previous else segment.image
    if image is None:
        raise EngineError("the wan family serves image-to-video only: give the shot a photo, or use family ltx "
                          "for text-to-video")
    kwargs = {"image": image}
    if segment.end_image is not None:
        kwargs["last_image"] = segment.end_image
    return model.pipeline("i2v"), kwargs
