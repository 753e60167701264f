"""Loading DiT weights: local directories only, safetensors only, once per process, errors that say what to do."""

import json
import shutil

import pytest

from generation.engines.base import EngineError
from generation.engines.dit import loading


def _copy(src, tmp_path, name="model"):
    return shutil.copytree(src, tmp_path / name)


def test_a_saved_tiny_model_loads_through_from_pretrained_once_per_process(dit_models):
    before = loading.model_loads()
    model = loading.model_get("ltx")
    assert type(model.base).__name__ == "LTXImageToVideoPipeline"
    assert model.device == "cpu" and str(model.dtype) == "torch.float32"  # fp32 on CPU
    assert loading.model_get("ltx") is model
    assert loading.model_loads() == before + 1
    # The tiny model's shop_video.json narrows the budget; the VAE config gives the compression.
    assert (model.geometry.spatial_compression, model.geometry.temporal_compression) == (4, 4)
    assert model.geometry.max_frames == 33 and model.fps == 8 and model.steps == 3


def test_derived_pipelines_share_the_loaded_components(dit_models):
    model = loading.model_get("ltx")
    keyframe = model.pipeline("keyframe")
    assert type(keyframe).__name__ == "LTXConditionPipeline"
    assert keyframe.transformer is model.base.transformer and keyframe.vae is model.base.vae
    assert model.pipeline("t2v").text_encoder is model.base.text_encoder


@pytest.mark.parametrize("suffix", [".bin", ".pt", ".ckpt", ".pkl"])
def test_a_directory_with_pickle_weights_is_refused(dit_models, settings, tmp_path, suffix):
    model_dir = _copy(dit_models["ltx"], tmp_path)
    (model_dir / "transformer" / f"diffusion_pytorch_model{suffix}").write_bytes(b"\x80\x04not really a pickle")
    settings.DIT_MODELS = {"ltx": str(model_dir)}
    with pytest.raises(EngineError) as error:
        loading.model_get("ltx")
    message = str(error.value)
    assert "pickle" in message and f"transformer/diffusion_pytorch_model{suffix}" in message
    assert ".safetensors" in message and "docs/models.md" in message
    assert loading._loaded == {}


def test_a_family_without_a_directory_says_how_to_set_one(settings):
    settings.DIT_MODELS = {}
    with pytest.raises(EngineError) as error:
        loading.model_get("wan")
    message = str(error.value)
    assert "DIT_MODELS=wan=" in message and "docs/models.md" in message and "make_tiny_dit --family wan" in message


def test_a_missing_directory_is_named(settings, tmp_path):
    settings.DIT_MODELS = {"ltx": str(tmp_path / "nowhere")}
    with pytest.raises(EngineError, match="does not exist on this worker"):
        loading.model_get("ltx")


def test_a_directory_without_model_index_or_weights_is_explained(dit_models, settings, tmp_path):
    model_dir = _copy(dit_models["ltx"], tmp_path)
    (model_dir / "model_index.json").unlink()
    settings.DIT_MODELS = {"ltx": str(model_dir)}
    with pytest.raises(EngineError, match="no model_index.json"):
        loading.model_get("ltx")

    model_dir = _copy(dit_models["ltx"], tmp_path, "weightless")
    for weights in model_dir.rglob("*.safetensors"):
        weights.unlink()
    settings.DIT_MODELS = {"ltx": str(model_dir)}
    with pytest.raises(EngineError, match="no .safetensors weights"):
        loading.model_get("ltx")


def test_a_directory_of_another_family_is_refused(dit_models, settings):
    settings.DIT_MODELS = {"ltx": str(dit_models["wan"])}
    with pytest.raises(EngineError, match="holds a WanImageToVideoPipeline pipeline; the ltx family needs"):
        loading.model_get("ltx")


def test_the_worker_is_offline(dit_models):
    import os

    loading.model_get("cogvideox")
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_a_profile_that_is_not_json_is_reported(dit_models, settings, tmp_path):
    model_dir = _copy(dit_models["wan"], tmp_path)
    (model_dir / "shop_video.json").write_text("{fps: 8")
    settings.DIT_MODELS = {"wan": str(model_dir)}
    with pytest.raises(EngineError, match="shop_video.json is not valid JSON"):
        loading.model_get("wan")
    (model_dir / "shop_video.json").write_text(json.dumps({"fps": 12, "max_frames": 17}))
    model = loading.model_get("wan")
    assert (model.fps, model.geometry.max_frames) == (12, 17)


def test_speed_options_are_applied_to_the_loaded_pipeline(dit_models, settings):
    settings.DIT_VAE_TILING, settings.DIT_CACHE_THRESHOLD, settings.DIT_ATTENTION_BACKEND = True, 0.05, "_native_math"
    model = loading.model_get("wan")
    assert model.base.vae.use_tiling
    for transformer in (model.base.transformer, model.base.transformer_2):  # both Wan 2.2 experts
        assert transformer.is_cache_enabled


def test_a_bad_attention_backend_is_refused_before_the_weights_are_read(dit_models, settings):
    settings.DIT_ATTENTION_BACKEND = "turbo"
    before = loading.model_loads()
    with pytest.raises(EngineError, match="DIT_ATTENTION_BACKEND='turbo' is not a diffusers attention backend"):
        loading.model_get("ltx")
    assert loading.model_loads() == before
