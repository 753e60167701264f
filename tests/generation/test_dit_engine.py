"""The DiT engine on the tiny models of all three families: the real diffusers pipelines, loaded from disk.

Failure rules are exercised by test doubles hooked into the real denoising loop: a transformer that returns
NaN, a VAE that decodes a frozen clip, a transformer that runs out of memory.
"""

import numpy as np
import pytest
import torch
from PIL import Image

from generation.engines.base import EngineError, ShotCancelled, ShotRequest
from generation.engines.dit import loading
from generation.engines.dit.engine import DitEngine

pytestmark = pytest.mark.usefixtures("dit_models")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dit-photos")
    rng = np.random.default_rng(5)
    paths = {}
    for name, colour in {"start": (200, 60, 40), "end": (40, 70, 210)}.items():
        pixels = np.clip(rng.normal(0, 25, (300, 240, 3)) + colour, 0, 255).astype(np.uint8)
        paths[name] = str(folder / f"{name}.png")
        Image.fromarray(pixels).save(paths[name])
    return paths


def shot(photos, family="ltx", **overrides):
    values = dict(
        width=72,
        height=128,
        fps=30,
        num_frames=45,
        image_path=photos["start"],
        prompt="a red leather bag",
        seed=11,
        camera="orbit",
        parameters={"family": family},
    )
    values.update(overrides)
    return ShotRequest(**values)


def frames_of(result) -> np.ndarray:
    return np.stack(list(result.frames))


class Calls:
    """Counts calls of a module's forward or a bound method, without changing what they return."""

    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def count_vae_decodes(monkeypatch, model) -> Calls:
    calls = Calls()
    original = model.base.vae.decode

    def decode(*args, **kwargs):
        calls()
        return original(*args, **kwargs)

    monkeypatch.setattr(model.base.vae, "decode", decode)
    return calls


@pytest.mark.parametrize("family", ["ltx", "wan", "cogvideox"])
def test_image_to_video_delivers_the_requested_frames_for_each_family(photos, family):
    result = DitEngine().generate(shot(photos, family))
    frames = frames_of(result)
    assert frames.shape == (45, 128, 72, 3) and frames.dtype == np.uint8
    assert result.fps == 30 and result.metadata["family"] == family
    assert result.metadata["motion"] > 0  # the quality check measured a moving clip
    assert np.abs(np.diff(frames.astype(np.int16), axis=0)).mean() > 0.1


def test_the_same_seed_gives_the_same_shot_and_another_seed_another(photos):
    first = frames_of(DitEngine().generate(shot(photos)))
    again = frames_of(DitEngine().generate(shot(photos)))
    other = frames_of(DitEngine().generate(shot(photos, seed=12)))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_text_to_video_runs_on_ltx_and_is_refused_by_image_only_families(photos):
    result = DitEngine().generate(shot(photos, image_path=None))
    assert frames_of(result).shape == (45, 128, 72, 3)
    with pytest.raises(EngineError, match="wan family serves image-to-video only"):
        DitEngine().generate(shot(photos, "wan", image_path=None))


@pytest.mark.parametrize("family", ["ltx", "wan"])
def test_start_and_end_frames_give_the_requested_frame_count(photos, family, monkeypatch):
    model = loading.model_get(family)
    seen = []
    original_call = model.module.pipeline_call
    monkeypatch.setattr(
        model.module, "pipeline_call", lambda model, segment: seen.append(segment) or original_call(model, segment)
    )
    result = DitEngine().generate(shot(photos, family, num_frames=60, end_image_path=photos["end"]))
    assert frames_of(result).shape == (60, 128, 72, 3)  # 2.0 s at 30 fps
    assert len(seen) == 1 and seen[0].image is not None and seen[0].end_image is not None
    if family == "ltx":
        conditions = original_call(model, seen[0])[1]["conditions"]
        assert [c.frame_index for c in conditions] == [0, seen[0].num_frames - 1]


def test_cogvideox_refuses_an_end_frame_with_the_families_that_can(photos):
    with pytest.raises(EngineError, match="cogvideox family cannot take an end frame; use ltx or wan"):
        DitEngine().generate(shot(photos, "cogvideox", end_image_path=photos["end"]))


def test_a_three_segment_extension_is_chained_on_the_previous_frames(photos, monkeypatch):
    model = loading.model_get("ltx")  # tiny: 33 frames per segment at 8 fps, overlap 5
    seen, outputs = [], []
    original_call = model.module.pipeline_call

    def spy(model, segment):
        pipeline, kwargs = original_call(model, segment)
        seen.append(segment)

        def call(**arguments):
            output = pipeline(**arguments)
            outputs.append(output.frames[0])
            return output

        return call, kwargs

    monkeypatch.setattr(model.module, "pipeline_call", spy)
    result = DitEngine().generate(shot(photos, num_frames=300))  # 10 s at 30 fps
    assert frames_of(result).shape == (300, 128, 72, 3)
    assert result.metadata["segments"] == [33, 33, 25] and result.metadata["overlap"] == 5
    assert seen[0].previous is None and seen[0].image is not None
    for index in (1, 2):
        previous = np.stack([np.asarray(frame) for frame in seen[index].previous])
        last = outputs[index - 1][-5:].permute(0, 2, 3, 1).numpy()  # (F, C, H, W) floats from the pipeline
        expected = (np.clip(last, 0, 1) * 255 + 0.5).astype(np.uint8)
        assert np.array_equal(previous, expected)  # conditioned on exactly the last 5 frames before it


def test_a_shot_over_three_minutes_is_refused(photos):
    with pytest.raises(EngineError, match="at most 180 s"):
        DitEngine().generate(shot(photos, fps=10, num_frames=1810))


def test_progress_counts_every_step_of_every_segment(photos):
    reports = []
    DitEngine().generate(shot(photos, num_frames=150), on_step=lambda done, total: reports.append((done, total)))
    assert reports == [(step, 6) for step in range(1, 7)]  # 3 steps x 2 segments


def test_cancel_stops_within_one_step_and_decodes_nothing(photos, monkeypatch):
    model = loading.model_get("ltx")
    forwards = Calls()
    model.base.transformer.register_forward_pre_hook(lambda module, args: forwards())
    decodes = count_vae_decodes(monkeypatch, model)

    def cancel(done, total):
        raise ShotCancelled("the job was cancelled")

    with pytest.raises(ShotCancelled):
        DitEngine().generate(shot(photos), on_step=cancel)
    assert forwards.count == 1 and decodes.count == 0


def test_nan_latents_fail_the_shot_before_decoding(photos, monkeypatch):
    model = loading.model_get("wan")
    for transformer in (model.base.transformer, model.base.transformer_2):
        transformer.register_forward_hook(lambda module, args, output: (output[0] * float("nan"), *output[1:]))
    decodes = count_vae_decodes(monkeypatch, model)
    with pytest.raises(EngineError) as error:
        DitEngine().generate(shot(photos, "wan"))
    assert "NaN/inf values at step 1 of segment 1" in str(error.value) and "before decoding" in str(error.value)
    assert decodes.count == 0


def _freeze_decoder(model, *, times: int):
    """The VAE decodes every frame as a copy of the first, `times` times."""
    frozen = {"left": times}

    def hook(module, args, output):
        if frozen["left"] <= 0:
            return None
        frozen["left"] -= 1
        return output[:, :, :1].expand_as(output).contiguous()

    model.base.vae.decoder.register_forward_hook(hook)


def test_a_frozen_clip_is_made_again_with_a_new_seed(photos):
    model = loading.model_get("ltx")
    _freeze_decoder(model, times=1)
    result = DitEngine().generate(shot(photos))
    assert result.metadata["retried_with_new_seed"] is True
    assert result.metadata["seed"] != 11 and result.metadata["motion"] > 0


def test_a_clip_frozen_twice_fails_with_the_reason(photos):
    model = loading.model_get("ltx")
    _freeze_decoder(model, times=2)
    with pytest.raises(EngineError) as error:
        DitEngine().generate(shot(photos))
    message = str(error.value)
    assert "frozen" in message and "motion score" in message and "seed 11" in message


def _out_of_memory(model, *, times: int):
    left = {"times": times}

    def hook(module, args):
        if left["times"] > 0:
            left["times"] -= 1
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (test double)")

    model.base.transformer.register_forward_pre_hook(hook)


def test_out_of_memory_is_recovered_once_with_lighter_settings(photos):
    model = loading.model_get("ltx")
    _out_of_memory(model, times=1)
    result = DitEngine().generate(shot(photos))
    assert frames_of(result).shape == (45, 128, 72, 3)
    assert "VAE tiling on" in result.metadata["oom_recoveries"]
    assert model.base.vae.use_tiling


def test_out_of_memory_twice_fails_with_the_reason(photos):
    model = loading.model_get("ltx")
    _out_of_memory(model, times=2)
    with pytest.raises(EngineError) as error:
        DitEngine().generate(shot(photos))
    message = str(error.value)
    assert "out of GPU memory twice" in message and "Tried to allocate 20.00 GiB" in message
    assert "VAE tiling on" in message


def test_a_prompt_over_the_token_limit_is_refused_with_the_count(photos):
    long_prompt = " ".join(["a red leather bag on a white table"] * 40)
    with pytest.raises(EngineError) as error:
        DitEngine().generate(shot(photos, "cogvideox", prompt=long_prompt))
    assert "tokens" in str(error.value) and "reads at most 226" in str(error.value)  # CogVideoX's max_text_seq_length


def test_the_static_camera_asks_the_model_to_hold_still(photos, monkeypatch):
    model = loading.model_get("ltx")
    calls = []
    original = type(model.base).__call__
    monkeypatch.setattr(type(model.base), "__call__", lambda self, **kw: calls.append(kw) or original(self, **kw))
    DitEngine().generate(shot(photos, camera="static"))
    assert "Static camera" in calls[0]["prompt"] and "camera movement" in calls[0]["negative_prompt"]


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_frames_to_uint8_keeps_white_white_and_every_level_in_low_precision(dtype):
    # Pipelines return frames in the VAE's dtype: in bfloat16, 1.0 * 255 + 0.5 rounded to 256 and wrapped to 0.
    from generation.engines.dit.engine import frames_to_uint8

    levels = torch.arange(256, dtype=torch.float32) / 255.0
    frames = torch.stack([levels.view(1, 16, 16)] * 3, dim=1).to(dtype)  # (1 frame, 3, 16, 16)
    out = frames_to_uint8(torch.cat([frames, torch.ones_like(frames), torch.zeros_like(frames)]))
    assert (out[1] == 255).all() and (out[2] == 0).all()
    assert out[0].dtype == np.uint8 and out[0].shape == (16, 16, 3)
    expected = levels.to(dtype).float().mul(255).add(0.5).to(torch.uint8).view(16, 16).numpy()
    assert np.array_equal(out[0][..., 0], expected)
    assert np.abs(out[0][..., 0].astype(int) - np.arange(256).reshape(16, 16)).max() <= 1
    if dtype == torch.float32:
        assert len(np.unique(out[0])) == 256


@pytest.mark.parametrize("family", ["wan"])  # the cache needs two blocks: the tiny Wan's experts have them
def test_a_cancelled_shot_leaves_no_first_block_cache_for_the_next_size(photos, family, settings):
    # diffusers resets the cache's residuals only when a call completes: a cancel at one size used to crash the
    # next shot at another size with a tensor size mismatch.
    settings.DIT_CACHE_THRESHOLD = 0.05
    model = loading.model_get(family)
    assert model.base.transformer.is_cache_enabled

    def cancel_after_two(done, total):
        if done == 2:
            raise ShotCancelled("the job was cancelled")

    with pytest.raises(ShotCancelled):
        DitEngine().generate(shot(photos, family), on_step=cancel_after_two)
    result = DitEngine().generate(shot(photos, family, width=96, height=96))  # 1:1: another token count
    assert frames_of(result).shape == (45, 96, 96, 3)


def test_cogvideox_always_generates_its_learned_frame_count_and_trims(photos, monkeypatch):
    # Any other count makes diffusers swap the learned positional embedding for computed sin-cos values.
    model = loading.model_get("cogvideox")  # tiny: learned embeddings for 9 frames
    patch_embed = model.base.transformer.patch_embed
    computed = Calls()
    original = patch_embed._get_positional_embeddings
    monkeypatch.setattr(
        patch_embed, "_get_positional_embeddings", lambda *args, **kwargs: computed() or original(*args, **kwargs)
    )
    calls = []
    pipeline_call = model.module.pipeline_call

    def spy(model, segment):
        pipeline, kwargs = pipeline_call(model, segment)
        return (lambda **arguments: calls.append(arguments["num_frames"]) or pipeline(**arguments)), kwargs

    monkeypatch.setattr(model.module, "pipeline_call", spy)
    result = DitEngine().generate(shot(photos, "cogvideox", fps=8, num_frames=4))  # 4 frames needed, 9 made
    assert frames_of(result).shape[0] == 4 and calls == [9] and computed.count == 0


def _named_release(settings, tmp_path, family, release):
    import json
    import shutil

    model_dir = shutil.copytree(settings.DIT_MODELS[family], tmp_path / family)
    profile = json.loads((model_dir / "shop_video.json").read_text())
    (model_dir / "shop_video.json").write_text(json.dumps({**profile, "release": release}))
    settings.DIT_MODELS = {**settings.DIT_MODELS, family: str(model_dir)}


def test_an_end_frame_is_refused_by_a_release_not_trained_for_it(photos, settings, tmp_path):
    _named_release(settings, tmp_path, "wan", "wan2.1-i2v-14b")
    with pytest.raises(EngineError, match=r"Wan2.1-I2V-14B-480P-Diffusers.*\) was not trained for an end frame"):
        DitEngine().generate(shot(photos, "wan", end_image_path=photos["end"]))


def test_a_distilled_ltx_runs_its_own_timesteps_and_guidance(photos, settings, tmp_path, monkeypatch):
    _named_release(settings, tmp_path, "ltx", "ltx-video-0.9.7-distilled")
    model = loading.model_get("ltx")
    calls = []
    pipeline_call = model.module.pipeline_call

    def spy(model, segment):
        pipeline, kwargs = pipeline_call(model, segment)
        return (lambda **arguments: calls.append((type(pipeline).__name__, arguments)) or pipeline(**arguments)), kwargs

    monkeypatch.setattr(model.module, "pipeline_call", spy)
    reports = []
    result = DitEngine().generate(
        shot(photos, parameters={"family": "ltx", "steps": None}), on_step=lambda done, total: reports.append(done)
    )
    name, arguments = calls[0]
    assert name == "LTXConditionPipeline" and arguments["guidance_scale"] == 1.0
    assert arguments["timesteps"] == [1000, 993, 987, 981, 975, 909, 725, 0.03]
    assert arguments["decode_timestep"] == 0.05 and arguments["image_cond_noise_scale"] == 0.0
    assert frames_of(result).shape == (45, 128, 72, 3) and reports[-1] == 8
