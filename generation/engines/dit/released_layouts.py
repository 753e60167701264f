"""The released repositories' file layouts, so the tiny test models are laid out exactly like the real weights.

A tiny pipeline saved by `save_pretrained` has one weight file per component and a `tokenizer.json`; the releases
have sharded weights with an index, T5 tokenizers as `spiece.model` only (which transformers converts with
sentencepiece + protobuf), and component sets of their own. `layout_apply` rewrites a saved tiny pipeline into a
release's layout (the weights resharded under the release's file names, a real sentencepiece model trained here
from a few sentences, the release's tokenizer class in model_index.json), and the engine loads it through the same
code as the real thing.

The listings below are recorded from the repositories' file listings on the Hugging Face Hub (the diffusers-format
folders only: READMEs, images, licences and the single-file checkpoints beside them are left out; the engine never
reads those). They were written down from the listings without network access here, so a shard count may be off
by the release's later re-uploads; the structure (which components, sharded or not, which tokenizer files) is what
the tests rely on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path


def _shards(folder: str, stem: str, count: int) -> list[str]:
    """`count` shards named as transformers/diffusers name them, with their index."""
    index = {
        "model": "model.safetensors.index.json",
        "diffusion_pytorch_model": "diffusion_pytorch_model.safetensors.index.json",
    }[stem]
    return [*(f"{folder}/{stem}-{n:05d}-of-{count:05d}.safetensors" for n in range(1, count + 1)), f"{folder}/{index}"]


T5_TOKENIZER = [
    "tokenizer/added_tokens.json",
    "tokenizer/special_tokens_map.json",
    "tokenizer/spiece.model",
    "tokenizer/tokenizer_config.json",
]  # google/t5-v1_1-xxl's files: no tokenizer.json
UMT5_TOKENIZER = [
    "tokenizer/special_tokens_map.json",
    "tokenizer/spiece.model",
    "tokenizer/tokenizer.json",
    "tokenizer/tokenizer_config.json",
]  # google/umt5-xxl's files

RELEASED_LAYOUTS = {
    "Lightricks/LTX-Video": {
        "family": "ltx",
        "tokenizer_class": "T5Tokenizer",
        "files": [
            "model_index.json",
            "scheduler/scheduler_config.json",
            "text_encoder/config.json",
            *_shards("text_encoder", "model", 4),
            *T5_TOKENIZER,
            "transformer/config.json",
            *_shards("transformer", "diffusion_pytorch_model", 2),
            "vae/config.json",
            "vae/diffusion_pytorch_model.safetensors",
        ],
    },
    "THUDM/CogVideoX-5b-I2V": {
        "family": "cogvideox",
        "tokenizer_class": "T5Tokenizer",
        "files": [
            "model_index.json",
            "scheduler/scheduler_config.json",
            "text_encoder/config.json",
            *_shards("text_encoder", "model", 2),
            *T5_TOKENIZER,
            "transformer/config.json",
            *_shards("transformer", "diffusion_pytorch_model", 3),
            "vae/config.json",
            "vae/diffusion_pytorch_model.safetensors",
        ],
    },
    "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers": {
        "family": "wan",
        "tokenizer_class": "T5TokenizerFast",
        "files": [
            "model_index.json",
            "image_encoder/config.json",
            "image_encoder/model.safetensors",
            "image_processor/preprocessor_config.json",
            "scheduler/scheduler_config.json",
            "text_encoder/config.json",
            *_shards("text_encoder", "model", 5),
            *UMT5_TOKENIZER,
            "transformer/config.json",
            *_shards("transformer", "diffusion_pytorch_model", 14),
            "vae/config.json",
            "vae/diffusion_pytorch_model.safetensors",
        ],
    },
    "Wan-AI/Wan2.2-I2V-A14B-Diffusers": {
        "family": "wan",
        "tokenizer_class": "T5TokenizerFast",
        "files": [
            "model_index.json",
            "scheduler/scheduler_config.json",
            "text_encoder/config.json",
            *_shards("text_encoder", "model", 5),
            *UMT5_TOKENIZER,
            "transformer/config.json",
            *_shards("transformer", "diffusion_pytorch_model", 12),
            "transformer_2/config.json",
            *_shards("transformer_2", "diffusion_pytorch_model", 12),
            "vae/config.json",
            "vae/diffusion_pytorch_model.safetensors",
        ],
    },
    "Lightricks/LTX-2": {
        "family": "ltx2",
        "tokenizer_class": None,  # Gemma 3's own tokenizer files (tokenizer.json is there)
        "files": [
            "model_index.json",
            "scheduler/scheduler_config.json",
            "text_encoder/config.json",
            "text_encoder/generation_config.json",
            *_shards("text_encoder", "model", 5),
            "tokenizer/special_tokens_map.json",
            "tokenizer/tokenizer.json",
            "tokenizer/tokenizer_config.json",
            "connectors/config.json",
            "connectors/diffusion_pytorch_model.safetensors",
            "transformer/config.json",
            *_shards("transformer", "diffusion_pytorch_model", 8),
            "vae/config.json",
            "vae/diffusion_pytorch_model.safetensors",
            "audio_vae/config.json",
            "audio_vae/diffusion_pytorch_model.safetensors",
            "vocoder/config.json",
            "vocoder/diffusion_pytorch_model.safetensors",
        ],
    },
}
# The layout each family's tiny model is built in (tiny.py's builders follow these releases' components).
TINY_RELEASES = {
    "ltx": "Lightricks/LTX-Video",
    "wan": "Wan-AI/Wan2.2-I2V-A14B-Diffusers",
    "cogvideox": "THUDM/CogVideoX-5b-I2V",
}
EXTRA_IDS = 100  # T5's sentinel tokens <extra_id_0..99>, listed in added_tokens.json


def layout_files(path: Path) -> set[str]:
    """The files of a model directory as a listing would show them (shop_video.json is ours, not the release's)."""
    return {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file() and p.name != "shop_video.json"}


def layout_apply(path: Path, release: str, *, sentences: list[str], max_length: int) -> None:
    """Rewrite a pipeline saved with save_pretrained in `path` into the release's layout."""
    layout = RELEASED_LAYOUTS[release]
    files = layout["files"]
    for folder in sorted({f.split("/")[0] for f in files if "/" in f}):
        names = [f.split("/", 1)[1] for f in files if f.startswith(folder + "/")]
        if any(name.endswith(".index.json") for name in names):
            _reshard(path / folder, names)
    special_map = path / "tokenizer" / "special_tokens_map.json"
    if "tokenizer/special_tokens_map.json" in files and not special_map.exists():  # transformers 5 writes none
        config = json.loads((path / "tokenizer" / "tokenizer_config.json").read_text())
        special_map.write_text(
            json.dumps(
                {key: value for key, value in config.items() if key.endswith("_token") and isinstance(value, str)},
                indent=2,
            )
            + "\n"
        )
    if layout["tokenizer_class"]:
        _sentencepiece_tokenizer(
            path / "tokenizer",
            [f.split("/", 1)[1] for f in files if f.startswith("tokenizer/")],
            sentences=sentences,
            max_length=max_length,
        )
        index = json.loads((path / "model_index.json").read_text())
        index["tokenizer"] = ["transformers", layout["tokenizer_class"]]
        (path / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
    extra = layout_files(path) - set(files)
    missing = set(files) - layout_files(path)
    if extra or missing:
        raise ValueError(f"{path} is not laid out as {release}: extra {sorted(extra)}, missing {sorted(missing)}")


def _reshard(folder: Path, names: list[str]) -> None:
    from safetensors.torch import load_file, save_file

    shards = sorted(name for name in names if name.endswith(".safetensors"))
    index_name = next(name for name in names if name.endswith(".index.json"))
    single = folder / index_name.replace(".index.json", "")
    tensors = load_file(single)
    keys = sorted(tensors)
    if len(keys) < len(shards):
        raise ValueError(f"{folder}: {len(keys)} tensors cannot fill {len(shards)} shards")
    weight_map, total = {}, 0
    for number, shard in enumerate(shards):
        part = {key: tensors[key].contiguous() for key in keys[number :: len(shards)]}
        save_file(part, str(folder / shard), metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(part, shard))
        total += sum(t.numel() * t.element_size() for t in part.values())
    (folder / index_name).write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2) + "\n"
    )
    single.unlink()


def spiece_train(sentences: list[str], *, vocab_size: int) -> bytes:
    """A real sentencepiece (unigram) model, trained from a few sentences in well under a second. T5's ids:
    <pad> 0, </s> 1, <unk> 2, no <s>."""
    import io

    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return model.getvalue()


def _sentencepiece_tokenizer(folder: Path, names: list[str], *, sentences: list[str], max_length: int) -> None:
    """The release's tokenizer files from a trained spiece.model: T5's tokenizer_config, special tokens and its
    100 sentinel tokens; tokenizer.json only where the release has one (transformers writes it)."""
    import sentencepiece

    for file in folder.iterdir():
        file.unlink()
    spiece = spiece_train(sentences, vocab_size=140)
    (folder / "spiece.model").write_bytes(spiece)
    size = sentencepiece.SentencePieceProcessor(model_proto=spiece).get_piece_size()
    extra = [f"<extra_id_{n}>" for n in range(EXTRA_IDS)]
    special = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "additional_special_tokens": extra}
    config = {
        **special,
        "model_max_length": max_length,
        "extra_ids": EXTRA_IDS,
        "legacy": True,
        "tokenizer_class": "T5Tokenizer",
        "clean_up_tokenization_spaces": True,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
    if "added_tokens.json" in names:
        added = {token: size + EXTRA_IDS - 1 - int(re.sub(r"\D", "", token)) for token in extra}
        (folder / "added_tokens.json").write_text(json.dumps(added, indent=2) + "\n")
    if "tokenizer.json" in names:
        from transformers import T5Tokenizer

        T5Tokenizer.from_pretrained(folder).backend_tokenizer.save(str(folder / "tokenizer.json"))
