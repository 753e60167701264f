"""A tiny random-weight LTX-2 image-to-video pipeline, built in code (no hub), for the presenter engine's tests.

Same idea as `tiny.py`: the released component classes (`LTX2VideoTransformer3DModel`, `AutoencoderKLLTX2Video`,
`AutoencoderKLLTX2Audio`, `LTX2Vocoder`, `LTX2TextConnectors`, a Gemma 3 text encoder, a Gemma-style tokenizer,
`FlowMatchEulerDiscreteScheduler`) with small widths and depths, saved with `save_pretrained` and loaded back
by the engine with `from_pretrained(DIR)` exactly like released weights. The video VAE keeps LTX-2's real
compression (patch 4, then three 2x stages: 32 pixels and 8 frames per latent cell), so the size and frame rules
the engine plans with are the released model's; only the channels are tiny. A 64x64, 9-frame, 2-step clip takes
well under a second on a CPU.

`shop_video.json` beside the weights says what this small model is meant for (a small pixel budget, 17 frames,
8 fps, 2 steps); the engine reads it the way it reads a production profile.
"""

from __future__ import annotations

import json
from pathlib import Path

PROFILE_FILE = "shop_video.json"
TINY_PROFILE = {
    "family": "ltx2",
    "max_pixels": 160 * 288,
    "max_frames": 17,
    "fps": 8,
    "steps": 2,
    "max_sequence_length": 64,
}

# A small English vocabulary is enough: unknown words map to <unk>, and the weights are random anyway.
_WORDS = (
    "a an the and or of in on with at to for from by is are this that it its you your we our new now here "
    "friendly presenter looks into camera says speaks talking person host head shoulders chest portrait "
    "natural light studio background soft smile hello welcome look today meet try love get buy shop "
    "product price offer sale quality colour color size style great best only just one two three "
    "looking mouth lips move moving clear voice calm warm bright close up medium wide shot static"
).split()


def tiny_gemma_tokenizer(max_length: int):
    """A Gemma-style fast tokenizer built with the `tokenizers` library: lower-cased words, `<bos>` prepended,
    left padding with `<pad>` (what the LTX-2 pipelines expect from Gemma)."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3}
    for word in [*_WORDS, *".,:;!?\"'"]:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="<eos>",
        bos_token="<bos>",
        unk_token="<unk>",
        model_max_length=max_length,
        padding_side="left",
    )


def _tiny_gemma3(torch, vocab_size: int):
    """Gemma 3 (the LTX-2 text encoder class) with two layers of width 32 and a token-sized vision tower."""
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    torch.manual_seed(0)
    config = Gemma3Config(
        text_config={
            "vocab_size": vocab_size,
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 16,
            "max_position_embeddings": 256,
            "sliding_window": 64,
            "pad_token_id": 0,
            "eos_token_id": 1,
            "bos_token_id": 2,
        },
        vision_config={
            "hidden_size": 16,
            "intermediate_size": 20,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 28,
            "patch_size": 14,
        },
        mm_tokens_per_image=4,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    return Gemma3ForConditionalGeneration(config).eval()


def build_tiny_ltx2():
    """The pipeline (random weights, seeded) and its profile."""
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2ImageToVideoPipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    tokenizer = tiny_gemma_tokenizer(TINY_PROFILE["max_sequence_length"])
    text_encoder = _tiny_gemma3(torch, vocab_size=len(tokenizer))
    text = text_encoder.config.text_config

    torch.manual_seed(0)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        audio_in_channels=4,
        audio_out_channels=4,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=2,
        qk_norm="rms_norm_across_heads",
        caption_channels=text.hidden_size,
        rope_double_precision=False,
        rope_type="split",
    )
    torch.manual_seed(0)
    connectors = LTX2TextConnectors(
        caption_channels=text.hidden_size,
        text_proj_in_factor=text.num_hidden_layers + 1,
        video_connector_num_attention_heads=4,
        video_connector_attention_head_dim=8,
        video_connector_num_layers=1,
        video_connector_num_learnable_registers=None,
        audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8,
        audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None,
        connector_rope_base_seq_len=32,
        rope_theta=10000.0,
        rope_double_precision=False,
        causal_temporal_positioning=False,
        rope_type="split",
    )
    torch.manual_seed(0)
    # LTX-2's compression with tiny channels: patch 4, then 2x spatial, 2x temporal, 2x both, 2x both -> 32 / 8.
    vae = AutoencoderKLLTX2Video(
        in_channels=3,
        out_channels=3,
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, True),
        decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False),
        downsample_type=("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
        upsample_type=("spatiotemporal", "spatiotemporal", "spatiotemporal"),
        upsample_residual=(False, False, False),
        upsample_factor=(1, 1, 1),
        timestep_conditioning=False,
        patch_size=4,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=True,
        spatial_compression_ratio=32,
        temporal_compression_ratio=8,
    )
    torch.manual_seed(0)
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4,
        output_channels=2,
        ch_mult=(1,),
        num_res_blocks=1,
        attn_resolutions=None,
        in_channels=2,
        resolution=32,
        latent_channels=2,
        norm_type="pixel",
        causality_axis="height",
        dropout=0.0,
        mid_block_add_attention=False,
        sample_rate=16000,
        mel_hop_length=160,
        is_causal=True,
        mel_bins=8,
    )
    torch.manual_seed(0)
    vocoder = LTX2Vocoder(
        in_channels=audio_vae.config.output_channels * audio_vae.config.mel_bins,
        hidden_channels=32,
        out_channels=2,
        upsample_kernel_sizes=[4, 4],
        upsample_factors=[2, 2],
        resnet_kernel_sizes=[3],
        resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1,
        output_sampling_rate=16000,
    )
    pipeline = LTX2ImageToVideoPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        audio_vae=audio_vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        connectors=connectors,
        transformer=transformer,
        vocoder=vocoder,
    )
    return pipeline, dict(TINY_PROFILE)


def make_tiny_ltx2(directory: str | Path) -> Path:
    """Build the tiny pipeline and save it as safetensors in Lightricks/LTX-2's layout (released_layouts.py)."""
    from generation.engines.dit.released_layouts import layout_apply

    pipeline, profile = build_tiny_ltx2()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pipeline.save_pretrained(directory, safe_serialization=True)
    layout_apply(directory, "Lightricks/LTX-2", sentences=[], max_length=pipeline.tokenizer.model_max_length)
    (directory / PROFILE_FILE).write_text(json.dumps(profile, indent=2) + "\n")
    return directory
