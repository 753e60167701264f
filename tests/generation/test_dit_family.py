"""The family rules as data: valid sizes for every aspect ratio, valid frame counts, and segment plans."""

import math
from types import SimpleNamespace

import pytest

from generation.aspect_ratios import ASPECT_RATIOS
from generation.engines.base import EngineError
from generation.engines.dit.family import (
    ASPECT_SHAPES,
    FAMILY_NAMES,
    Geometry,
    family_get,
    family_module,
    family_size,
    profile_pick,
    segment_frames_valid,
    segments_plan,
)

# The released models' geometry, as their configs give it (VAE compression, transformer patch).
RELEASED = {
    "ltx": Geometry(
        spatial_compression=32,
        temporal_compression=8,
        patch_size=1,
        max_pixels=768 * 512,
        max_frames=121,
        pipeline_multiple=32,
    ),
    "wan": Geometry(
        spatial_compression=8,
        temporal_compression=4,
        patch_size=2,
        max_pixels=832 * 480,
        max_frames=81,
        pipeline_multiple=16,
    ),
    "cogvideox": Geometry(
        spatial_compression=8,
        temporal_compression=4,
        patch_size=2,
        max_pixels=720 * 480,
        max_frames=49,
        native_size=(720, 480),
        fixed_frames=True,
    ),
}


@pytest.mark.parametrize("aspect_ratio", ASPECT_RATIOS)
@pytest.mark.parametrize("family", ["ltx", "wan"])
def test_every_aspect_ratio_gets_a_valid_size_close_to_its_shape(family, aspect_ratio):
    geometry = RELEASED[family]
    width, height = family_size(geometry, aspect_ratio)
    multiple = {"ltx": 32, "wan": 16}[family]
    assert width % multiple == 0 and height % multiple == 0
    assert width * height <= geometry.max_pixels
    assert width * height >= 0.85 * geometry.max_pixels  # uses the budget, not a thumbnail
    ratio_w, ratio_h = ASPECT_SHAPES[aspect_ratio]
    assert abs(math.log((width / height) / (ratio_w / ratio_h))) <= 0.03  # within ~3 % of the shape


def test_released_sizes_are_the_ones_operators_expect():
    assert family_size(RELEASED["ltx"], "16:9") == (800, 448)
    assert family_size(RELEASED["ltx"], "9:16") == (448, 800)
    assert family_size(RELEASED["wan"], "16:9") == (832, 480)
    assert family_size(RELEASED["wan"], "9:16") == (480, 832)


@pytest.mark.parametrize("aspect_ratio", ASPECT_RATIOS)
def test_a_fixed_size_model_answers_its_training_size_for_every_ratio(aspect_ratio):
    assert family_size(RELEASED["cogvideox"], aspect_ratio) == (720, 480)


def test_an_unknown_aspect_ratio_is_refused_with_the_valid_ones():
    with pytest.raises(EngineError, match="9:16, 1:1, 16:9, 4:5"):
        family_size(RELEASED["ltx"], "21:9")


@pytest.mark.parametrize(("family", "step"), [("ltx", 8), ("wan", 4), ("cogvideox", 4)])
def test_segment_frame_counts_follow_the_vae_temporal_rule(family, step):
    geometry = RELEASED[family]
    for wanted in range(2, geometry.max_frames + 40):
        frames = segment_frames_valid(geometry, wanted)
        assert (frames - 1) % step == 0
        assert frames <= geometry.max_frames
        assert frames >= min(wanted, geometry.max_frames)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_a_three_minute_shot_is_covered_by_chained_segments(family):
    geometry = RELEASED[family]
    native_fps = family_get(family).native_fps
    needed = 180 * native_fps + 1
    plan = segments_plan(geometry, frames_needed=needed, overlap=9 if family == "ltx" else 1)
    assert plan.total >= needed
    assert plan.total - needed < geometry.max_frames  # no whole wasted segment
    assert all(
        count <= geometry.max_frames and (count - 1) % geometry.temporal_compression == 0 for count in plan.frames
    )


def test_a_short_shot_is_one_segment():
    plan = segments_plan(RELEASED["ltx"], frames_needed=73, overlap=9)
    assert plan.frames == (73,)


def test_an_unknown_family_is_refused_with_the_known_ones():
    with pytest.raises(EngineError, match="ltx, wan, cogvideox"):
        family_get("sora")


def test_family_defaults_are_the_released_models():
    assert (family_get("ltx").native_fps, family_get("wan").native_fps, family_get("cogvideox").native_fps) == (
        24,
        16,
        8,
    )
    assert family_get("ltx").supports_end_frame and family_get("wan").supports_end_frame
    assert not family_get("cogvideox").supports_end_frame


def _config(**values):
    return SimpleNamespace(config=SimpleNamespace(**values))


def test_each_family_reads_its_geometry_from_the_released_configs():
    """The family modules read what the released configs say (values from their diffusers config.json)."""
    ltx = SimpleNamespace(
        vae=SimpleNamespace(spatial_compression_ratio=32, temporal_compression_ratio=8),
        transformer=_config(patch_size=1),
    )
    wan = SimpleNamespace(
        vae_scale_factor_spatial=8, vae_scale_factor_temporal=4, transformer=_config(patch_size=[1, 2, 2])
    )
    cogvideox = SimpleNamespace(
        vae_scale_factor_spatial=8,
        vae_scale_factor_temporal=4,
        transformer=_config(
            patch_size=2, sample_width=90, sample_height=60, sample_frames=49, use_learned_positional_embeddings=True
        ),
    )
    for name, pipeline in {"ltx": ltx, "wan": wan, "cogvideox": cogvideox}.items():
        assert family_module(name).geometry(pipeline) == RELEASED[name], name


def test_cogvideox_always_generates_its_learned_49_frames():
    # Other counts swap its learned positional embedding for computed sin-cos values (diffusers CogVideoXPatchEmbed)
    assert {segment_frames_valid(RELEASED["cogvideox"], wanted) for wanted in (2, 9, 30, 49, 60)} == {49}
    plan = segments_plan(RELEASED["cogvideox"], frames_needed=60, overlap=1)
    assert plan.frames == (49, 49)


RELEASE_CONFIGS = {  # the configs that tell the releases apart, as their config.json files hold them
    "ltx-video-0.9.0": {"vae": {"timestep_conditioning": False, "down_block_types": ["LTXVideoDownBlock3D"] * 4}},
    "ltx-video-0.9.1": {"vae": {"timestep_conditioning": True, "down_block_types": ["LTXVideoDownBlock3D"] * 4}},
    "ltx-video-0.9.5": {"vae": {"timestep_conditioning": True, "down_block_types": ["LTXVideo095DownBlock3D"] * 4}},
    "wan2.1-i2v-14b": {"model_index": {"image_encoder": ["transformers", "CLIPVisionModel"]}, "transformer": {}},
    "wan2.1-flf2v-14b": {
        "model_index": {"image_encoder": ["transformers", "CLIPVisionModel"]},
        "transformer": {"pos_embed_seq_len": 514},
    },
    "wan2.2-i2v-a14b": {
        "model_index": {"image_encoder": [None, None], "transformer_2": ["diffusers", "WanTransformer3DModel"]}
    },
    "cogvideox-5b-i2v": {},
}


@pytest.mark.parametrize("release", list(RELEASE_CONFIGS))
def test_each_release_is_recognised_from_its_configs(release):
    family = {"ltx": "ltx", "wan": "wan", "cog": "cogvideox"}[release[:3]]
    assert (
        profile_pick(family_module(family), RELEASE_CONFIGS[release]).release
        == family_module(family).PROFILES[release].release
    )


def test_a_named_release_wins_and_an_unknown_one_is_refused():
    module = family_module("ltx")
    assert profile_pick(module, {}, named="ltx-video-0.9.7-distilled").guidance_scale == 1.0
    with pytest.raises(EngineError, match="does not know; use one of ltx-video-0.9.0"):
        profile_pick(module, {}, named="ltx-video-9")


def test_profiles_hold_what_the_releases_were_trained_for():
    wan, ltx = family_module("wan").PROFILES, family_module("ltx").PROFILES
    assert not wan["wan2.1-i2v-14b"].end_frame and wan["wan2.2-i2v-a14b"].end_frame
    assert wan["wan2.2-i2v-a14b"].guidance_scale == 3.5 and wan["wan2.1-i2v-14b"].guidance_scale == 5.0
    assert set(wan["wan2.1-i2v-14b"].float32_components) == {"vae", "image_encoder"}
    assert "vae" in wan["wan2.2-i2v-a14b"].float32_components
    assert ltx["ltx-video-0.9.1"].call_kwargs == {"decode_timestep": 0.03, "decode_noise_scale": 0.025}
    assert "decode_timestep" not in ltx["ltx-video-0.9.0"].call_kwargs
    assert len(ltx["ltx-video-0.9.7-distilled"].call_kwargs["timesteps"]) == ltx["ltx-video-0.9.7-distilled"].steps
    assert not ltx["ltx-video-0.9.0"].end_frame and ltx["ltx-video-0.9.5"].end_frame
