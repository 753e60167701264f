"""Tiny random-weight pipelines of the real DiT architectures, built in code (no hub).

They run exactly the production path: `make_tiny_dit` saves one with `save_pretrained`, and the engine loads it
with `from_pretrained(DIR)` like released weights. The layer types, patching, VAE compression and schedulers
are the real ones; only the widths and depths are small, so a clip takes well under a second on a CPU.
A `shop_video.json` beside the weights tells the engine the sizes this small model is meant for.
"""

from __future__ import annotations

import json
from pathlib import Path

# A small English vocabulary is enough: unknown words map to <unk>, and the weights are random anyway.
_WORDS = (
    "a an the and or of in on with at to for from by is are product photo studio shot camera slowly orbits around "
    "pushes pans tilts moves static close up wide view light soft natural background white table model wearing "
    "shoe bag dress shirt mug bottle phone watch lamp chair food plate cream beauty fashion electronics home "
    "premium quality detail texture colour color red blue green black gold silver wood glass metal leather "
    "rotating turntable smooth cinematic high resolution sharp focus bright warm cool motion blur low distorted "
    "ugly worst jittery text watermark logo frame left right up down zoom reveal"
).split()

TINY_PROFILE_FILE = "shop_video.json"


def tiny_tokenizer(max_length: int):
    """A T5-style fast tokenizer built with the `tokenizers` library: lower-cased words, `</s>` appended."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for word in _WORDS:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=max_length
    )


def _tiny_t5(torch, *, umt5: bool = False):
    """LTX and CogVideoX encode prompts with T5, Wan with UMT5: same shape, the released classes."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    config_class, model_class = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    torch.manual_seed(0)
    config = config_class(
        vocab_size=256,
        d_model=32,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    return model_class(config).eval()


def build_tiny_ltx(
    *,
    layers: int = 1,
    heads: int = 4,
    head_dim: int = 8,
    latent_channels: int = 8,
    vae_channels: tuple[int, ...] = (8, 8, 8, 8),
    vae_scaling: tuple[bool, ...] = (True, True, False, False),
    vae_patch: int = 1,
):
    """The tiny LTX (the defaults); bench/dit_overhead.py builds a wider one with the released VAE compression
    (patch 4, three 2x stages: 32x in space) from the same code."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=latent_channels,
        out_channels=latent_channels,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=heads,
        attention_head_dim=head_dim,
        cross_attention_dim=heads * head_dim,
        num_layers=layers,
        caption_channels=32,
    )
    vae = AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=latent_channels,
        block_out_channels=vae_channels,
        decoder_block_out_channels=vae_channels,
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=vae_scaling,
        decoder_spatio_temporal_scaling=vae_scaling,
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False,
        patch_size=vae_patch,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    pipeline = LTXImageToVideoPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=_tiny_t5(torch),
        tokenizer=tiny_tokenizer(128),
    )
    # The configs read as 0.9.0 (no timestep-conditioned VAE); the engine is tested with the keyframe release's row.
    profile = {
        "family": "ltx",
        "release": "ltx-video-0.9.5",
        "max_pixels": 64 * 96,
        "max_frames": 33,
        "fps": 8,
        "steps": 3,
    }
    return pipeline, profile


def build_tiny_wan():
    """Wan 2.2 I2V (A14B) layout: two experts split at a noise boundary, no CLIP image encoder."""
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
    )

    torch.manual_seed(0)
    vae = _tiny_wan_vae()
    pipeline = WanImageToVideoPipeline(
        tokenizer=tiny_tokenizer(128),
        text_encoder=_tiny_t5(torch, umt5=True),
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=5.0),
        transformer=_tiny_wan_transformer(),
        transformer_2=_tiny_wan_transformer(),
        image_encoder=None,
        image_processor=None,
        boundary_ratio=0.875,
    )
    profile = {"family": "wan", "max_pixels": 64 * 96, "max_frames": 33, "fps": 8, "steps": 3}
    return pipeline, profile


def _tiny_wan_vae():
    from diffusers import AutoencoderKLWan

    return AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )


def _tiny_wan_transformer(**extra):
    """One tiny Wan transformer: Wan 2.2's two experts and Wan 2.1's single model share it (2.1 adds image_dim
    for its CLIP image embeddings)."""
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=36,
        out_channels=16,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        **extra,
    )


def build_tiny_wan21():
    """Wan 2.1 I2V (14B-480P) layout: one transformer, a CLIP image encoder and its processor."""
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(0)
    vae = _tiny_wan_vae()
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=4,
            projection_dim=4,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=32,
            intermediate_size=16,
            patch_size=1,
        )
    ).eval()
    transformer = _tiny_wan_transformer(image_dim=4)
    pipeline = WanImageToVideoPipeline(
        tokenizer=tiny_tokenizer(128),
        text_encoder=_tiny_t5(torch, umt5=True),
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        transformer=transformer,
        image_encoder=image_encoder,
        image_processor=CLIPImageProcessor(crop_size=32, size=32),
    )
    profile = {"family": "wan", "max_pixels": 64 * 96, "max_frames": 33, "fps": 8, "steps": 3}
    return pipeline, profile


def build_tiny_cogvideox():
    import torch
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2,
        attention_head_dim=16,
        in_channels=8,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=32,
        num_layers=1,
        sample_width=12,
        sample_height=8,
        sample_frames=9,
        patch_size=2,
        temporal_compression_ratio=4,
        max_text_seq_length=226,
        use_rotary_positional_embeddings=True,
        use_learned_positional_embeddings=True,
    )
    vae = AutoencoderKLCogVideoX(
        in_channels=3,
        out_channels=3,
        down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=2,
        temporal_compression_ratio=4,
    )
    pipeline = CogVideoXImageToVideoPipeline(
        tokenizer=tiny_tokenizer(226),
        text_encoder=_tiny_t5(torch),
        vae=vae,
        transformer=transformer,
        scheduler=CogVideoXDDIMScheduler(),
    )
    profile = {"family": "cogvideox", "max_frames": 9, "fps": 8, "steps": 3}
    return pipeline, profile


TINY_BUILDERS = {"ltx": build_tiny_ltx, "wan": build_tiny_wan, "cogvideox": build_tiny_cogvideox}


# Other releases of a family, built in their own layout on request (tests of per-release behaviour).
TINY_RELEASE_BUILDERS = {"Wan-AI/Wan2.1-I2V-14B-480P-Diffusers": build_tiny_wan21}


def tiny_dit_save(*, family: str, out_dir: Path, released_layout: bool = True, release: str | None = None) -> Path:
    """Build the family's tiny pipeline and save it as safetensors in its release's exact layout (sharded weights
    with their index, the release's tokenizer files: released_layouts.py); `released_layout=False` keeps
    save_pretrained's own layout; `release` builds another release of the family (TINY_RELEASE_BUILDERS)."""
    from generation.engines.dit.released_layouts import TINY_RELEASES, layout_apply

    try:
        builder = TINY_RELEASE_BUILDERS[release] if release else TINY_BUILDERS[family]
    except KeyError:
        raise ValueError(
            f"Unknown family {family!r} or release {release!r}; use one of {', '.join(TINY_BUILDERS)} "
            f"or {', '.join(TINY_RELEASE_BUILDERS)}."
        ) from None
    pipeline, profile = builder()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pipeline.save_pretrained(out_dir, safe_serialization=True)
    if released_layout:
        from generation.engines.dit.engine import CAMERA_PHRASES

        layout_apply(
            out_dir,
            release or TINY_RELEASES[family],
            sentences=[" ".join(_WORDS), *CAMERA_PHRASES.values()],
            max_length=pipeline.tokenizer.model_max_length,
        )
    (out_dir / TINY_PROFILE_FILE).write_text(json.dumps(profile, indent=2) + "\n")
    return out_dir
