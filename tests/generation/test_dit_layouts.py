"""The tiny models are laid out exactly as the released repositories are (released_layouts.py: sharded weights with
their index, T5 tokenizers as `spiece.model` only), and the engine loads them through its production path."""

import json
import shutil

import pytest
import torch

from generation.engines.dit import loading
from generation.engines.dit.released_layouts import RELEASED_LAYOUTS, TINY_RELEASES, layout_files


@pytest.mark.parametrize("family", list(TINY_RELEASES))
def test_each_tiny_model_has_exactly_its_releases_files(tiny_dit_dirs, family):
    assert layout_files(tiny_dit_dirs[family]) == set(RELEASED_LAYOUTS[TINY_RELEASES[family]]["files"])


@pytest.mark.parametrize("family", list(TINY_RELEASES))
def test_sharded_weights_are_indexed_and_every_shard_is_used(tiny_dit_dirs, family):
    from safetensors import safe_open

    indexes = list(tiny_dit_dirs[family].rglob("*.safetensors.index.json"))
    assert {index.parent.name for index in indexes} >= {"text_encoder", "transformer"}
    for index in indexes:
        weight_map = json.loads(index.read_text())["weight_map"]
        shards = {p.name for p in index.parent.glob("*-of-*.safetensors")}
        assert set(weight_map.values()) == shards and len(shards) > 1
        for shard in shards:
            with safe_open(str(index.parent / shard), "pt") as file:
                assert set(file.keys()) == {key for key, name in weight_map.items() if name == shard}


@pytest.mark.parametrize("family", ["ltx", "cogvideox"])
def test_t5_tokenizers_are_a_real_sentencepiece_model_without_tokenizer_json(dit_models, family):
    import sentencepiece

    folder = dit_models[family] / "tokenizer"
    assert not (folder / "tokenizer.json").exists()
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(folder / "spiece.model"))
    assert pieces.get_piece_size() > 50 and pieces.id_to_piece(1) == "</s>"
    model = loading.model_get(family)
    assert type(model.base.tokenizer).__name__ == "T5Tokenizer"
    ids = model.base.tokenizer("a red leather bag", add_special_tokens=True)["input_ids"]
    assert ids[-1] == 1 and 2 not in ids  # </s> appended, no <unk> for words the model was trained on


def test_an_fp16_variant_beside_the_weights_is_not_what_loads(dit_models, settings, tmp_path):
    """Releases may ship `*.fp16.safetensors` beside the full weights: the loader reads the full ones."""
    from safetensors.torch import load_file, save_file

    model_dir = shutil.copytree(dit_models["ltx"], tmp_path / "ltx")
    full = load_file(model_dir / "vae" / "diffusion_pytorch_model.safetensors")
    save_file(
        {key: torch.zeros_like(value, dtype=torch.float16) for key, value in full.items()},
        str(model_dir / "vae" / "diffusion_pytorch_model.fp16.safetensors"),
    )
    settings.DIT_MODELS = {"ltx": str(model_dir)}
    vae = loading.model_get("ltx").base.vae
    loaded = dict(vae.state_dict())
    assert all(torch.equal(loaded[key], value) for key, value in full.items() if key in loaded)


def test_the_tiny_presenter_model_has_exactly_ltx2s_files(tiny_ltx2_dir):
    assert layout_files(tiny_ltx2_dir) == set(RELEASED_LAYOUTS["Lightricks/LTX-2"]["files"])
