"""LTX-Video DiT on a CUDA GPU: seconds per clip for the full-size transformer, with each speed option we offer.

What is measured: diffusers' `LTXVideoTransformer3DModel` with the released LTX-Video 0.9.x config (28 layers,
32 heads x 64, about 1.92 B parameters) and random weights, built directly on the GPU in bf16. One clip is
121 frames at 768x512 (and 512x768): the LTX VAE compresses 32x in space and 8x in time into 128 channels, so the
transformer sees 16 x 16 x 24 = 6144 latent tokens, with 128 text tokens of 4096 channels (T5-XXL) and batch 2
(classifier-free guidance), called the way `LTXPipeline` calls it (latent frames/height/width, RoPE interpolation
scale, the text mask, `cache_context`). Every row times the whole denoising loop (`--steps` transformer calls with a
flow-matching Euler update in between) with CUDA events after a warm-up clip, and reports the median of several
clips. Random weights give the real cost of every layer; they do NOT tell how often first-block cache skips work on
a trained model (the row shows how many steps it computed in full). Text encoding and the VAE decode are not
included (`--vae` adds a separate timing of a full-size 0.9.0-config VAE decode). FLOPs of one forward are counted
with `torch.utils.flop_counter.FlopCounterMode`, from which the table gives TFLOP/s and the fraction of the GPU's
dense bf16 peak.

Rows (`--variants`, comma separated): baseline (bf16, default attention; always run, the ratio is against it),
compile (torch.compile of the transformer; its first-clip time is the compile warm-up), first_block_cache
(diffusers FirstBlockCacheConfig), attention_backend (one row per backend from `--attention-backends` that is
installed; others are listed as skipped).

The script imports only torch, diffusers and the standard library, so it runs on a bare GPU machine:
    pip install torch diffusers transformers accelerate safetensors   # or: pip install diffusers-*.whl
    python dit_gpu.py            # both sizes, 8 steps, 5 clips per row
    python dit_gpu.py --quick    # 768x512 only, 2 steps, 2 clips per row
Here, without a GPU: `python bench/dit_gpu.py --tiny --quick` runs the same code on a tiny model on the CPU.
The last line is `dit_gpu ratio=<best s / baseline s> ...` (below 1 means the best option is faster).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import statistics
import sys
import time
from dataclasses import dataclass

import torch
from diffusers.utils import logging as diffusers_logging

# Released LTX-Video 0.9.x transformer config (the class defaults, spelled out).
LTX_09_CONFIG = dict(
    in_channels=128,
    out_channels=128,
    patch_size=1,
    patch_size_t=1,
    num_attention_heads=32,
    attention_head_dim=64,
    cross_attention_dim=2048,
    num_layers=28,
    caption_channels=4096,
    qk_norm="rms_norm_across_heads",
)
# Smoke-test size. Two layers, not one: first-block cache needs a head block and a tail block.
TINY_CONFIG = dict(
    in_channels=8,
    out_channels=8,
    patch_size=1,
    patch_size_t=1,
    num_attention_heads=2,
    attention_head_dim=8,
    cross_attention_dim=16,
    num_layers=2,
    caption_channels=32,
    qk_norm="rms_norm_across_heads",
)

VAE_SPATIAL, VAE_TEMPORAL = 32, 8  # LTX VAE compression
FRAME_RATE = 25  # LTXPipeline default; only enters through the RoPE interpolation scale
GUIDANCE_SCALE = 3.0
DTYPE = torch.bfloat16

# Dense bf16 tensor-core peak in TFLOP/s, matched against torch.cuda.get_device_name(); first match wins.
PEAK_BF16_TFLOPS = (
    ("H100 PCIe", 756),
    ("H100 NVL", 835),
    ("H100", 989),
    ("H200", 989),
    ("A100", 312),
    ("L40S", 362),
    ("RTX 4090", 165),
)

VARIANTS = ("baseline", "compile", "first_block_cache", "attention_backend")
CUDA_ATTENTION_BACKENDS = "_native_cudnn,flash,_flash_3,sage,_native_flash"
CPU_ATTENTION_BACKENDS = "_native_math"  # tiny smoke run: only exercises the set/reset code path
# These kernels take no attention mask: their rows run without the (all-ones) text mask. LTXPipeline always
# passes one, so with them the pipeline itself would stop with an error.
MASKLESS_BACKENDS = {"flash", "_flash_3", "sage", "_native_flash"}


@dataclass(frozen=True)
class Clip:
    width: int
    height: int
    frames: int
    text_tokens: int

    @property
    def latent_grid(self) -> tuple[int, int, int]:
        return (self.frames - 1) // VAE_TEMPORAL + 1, self.height // VAE_SPATIAL, self.width // VAE_SPATIAL

    @property
    def tokens(self) -> int:
        frames, height, width = self.latent_grid
        return frames * height * width

    @property
    def label(self) -> str:
        return f"{self.width}x{self.height}x{self.frames}"


FULL_CLIPS = (Clip(768, 512, 121, 128), Clip(512, 768, 121, 128))
TINY_CLIPS = (Clip(128, 96, 17, 16), Clip(96, 128, 17, 16))


@dataclass
class Inputs:
    """What the pipeline hands the transformer: initial noise (batch 1, fp32) and the CFG text batch (2)."""

    latents: torch.Tensor
    prompt_embeds: torch.Tensor
    prompt_mask: torch.Tensor


@dataclass
class Row:
    variant: str
    clip: Clip
    warmup_s: float = float("nan")
    step_s: float = float("nan")
    clip_s: float = float("nan")
    full_steps: str = "all"
    note: str = ""
    skipped: bool = False


class Clock:
    """CUDA events on a GPU (no sync inside the timed loop), perf_counter on the CPU."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def mark(self):
        if not self.cuda:
            return time.perf_counter()
        event = torch.cuda.Event(enable_timing=True)
        event.record()
        return event

    def sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def seconds(self, start, end) -> float:
        return start.elapsed_time(end) / 1000 if self.cuda else end - start


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="768x512 only, 2 steps, 2 clips per row")
    parser.add_argument("--tiny", action="store_true", help="CPU smoke run on a tiny model of the same class")
    parser.add_argument("--steps", type=int, help="denoising steps per clip (default 8; --quick 2)")
    parser.add_argument("--repeats", type=int, help="timed clips per row (default 5; --quick 2)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated subset of {VARIANTS}")
    parser.add_argument(
        "--attention-backends",
        help=f"diffusers backend names for the attention_backend rows (default on CUDA: {CUDA_ATTENTION_BACKENDS})",
    )
    parser.add_argument(
        "--compile-mode", default="default", help="torch.compile mode, e.g. max-autotune-no-cudagraphs (longer warm-up)"
    )
    parser.add_argument("--fbc-threshold", type=float, default=0.05, help="FirstBlockCacheConfig threshold")
    parser.add_argument("--vae", action="store_true", help="also time one VAE decode of the final latents")
    parser.add_argument("--peak-tflops", type=float, help="dense bf16 peak of this GPU, overrides the table")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    args.steps = args.steps or (2 if args.quick else 8)
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.variants = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}; choose from {VARIANTS}")
    if args.attention_backends is None:
        args.attention_backends = CPU_ATTENTION_BACKENDS if args.device == "cpu" else CUDA_ATTENTION_BACKENDS
    return args


def peak_tflops(device: torch.device, override: float | None) -> float | None:
    if override:
        return override
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((peak for key, peak in PEAK_BF16_TFLOPS if key in name), None)


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def free_memory(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


@contextlib.contextmanager
def created_on(device: torch.device):
    """New tensors are made on `device` in bf16: 1.9 B random weights never pass through host memory or fp32."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(DTYPE)
    try:
        with torch.device(device):
            yield
    finally:
        torch.set_default_dtype(previous)


def build_transformer(config: dict, device: torch.device):
    from diffusers import LTXVideoTransformer3DModel

    torch.manual_seed(0)
    with created_on(device):
        model = LTXVideoTransformer3DModel(**config)
    return model.eval().requires_grad_(False)


def make_inputs(clip: Clip, config: dict, device: torch.device) -> Inputs:
    generator = torch.Generator(device).manual_seed(1)
    latents = torch.randn(1, clip.tokens, config["in_channels"], generator=generator, device=device)
    prompt_embeds = torch.randn(2, clip.text_tokens, config["caption_channels"], generator=generator, device=device).to(
        DTYPE
    )
    prompt_mask = torch.ones(2, clip.text_tokens, dtype=torch.bool, device=device)
    return Inputs(latents, prompt_embeds, prompt_mask)


def transformer_kwargs(
    clip: Clip, inputs: Inputs, hidden_states: torch.Tensor, timestep: torch.Tensor, use_mask: bool = True
) -> dict:
    """The keyword arguments LTXPipeline passes (pipeline_ltx.py, denoising loop)."""
    frames, height, width = clip.latent_grid
    return dict(
        hidden_states=hidden_states,
        encoder_hidden_states=inputs.prompt_embeds,
        timestep=timestep,
        encoder_attention_mask=inputs.prompt_mask if use_mask else None,
        num_frames=frames,
        height=height,
        width=width,
        rope_interpolation_scale=(VAE_TEMPORAL / FRAME_RATE, VAE_SPATIAL, VAE_SPATIAL),
        return_dict=False,
    )


def denoise_clip(
    forward, transformer, clip: Clip, inputs: Inputs, steps: int, clock: Clock, use_mask: bool = True
) -> tuple[list[float], float, torch.Tensor]:
    """One clip: `steps` CFG transformer calls with flow-matching Euler updates. Returns step times, clip time
    and the final latents. Synchronises only at the end."""
    sigmas = torch.linspace(1.0, 1.0 / steps, steps).tolist() + [0.0]
    latents = inputs.latents.clone()
    marks = []
    clip_start = clock.mark()
    for sigma, sigma_next in zip(sigmas[:-1], sigmas[1:]):
        hidden_states = torch.cat([latents, latents]).to(DTYPE)
        timestep = torch.full((2,), sigma * 1000.0, device=latents.device)
        start = clock.mark()
        with transformer.cache_context("cond_uncond"):
            noise_pred = forward(**transformer_kwargs(clip, inputs, hidden_states, timestep, use_mask))[0]
        marks.append((start, clock.mark()))
        uncond, cond = noise_pred.float().chunk(2)
        latents = latents + (sigma_next - sigma) * (uncond + GUIDANCE_SCALE * (cond - uncond))
    clip_end = clock.mark()
    clock.sync()
    return [clock.seconds(a, b) for a, b in marks], clock.seconds(clip_start, clip_end), latents


def count_flops(config: dict, clip: Clip, device: torch.device) -> int:
    """FLOPs of one batch-2 forward (matmuls and attention), counted on a fresh baseline model."""
    from torch.utils.flop_counter import FlopCounterMode

    transformer = build_transformer(config, device)
    inputs = make_inputs(clip, config, device)
    hidden_states = torch.cat([inputs.latents, inputs.latents]).to(DTYPE)
    timestep = torch.full((2,), 1000.0, device=device)
    counter = FlopCounterMode(display=False)
    with counter:
        transformer(**transformer_kwargs(clip, inputs, hidden_states, timestep))
    del transformer
    free_memory(device)
    return counter.get_total_flops()


def count_full_computes(transformer) -> list[int]:
    """Counts the steps in which the tail block really ran (first-block cache skips it on a cache hit)."""
    calls = [0]

    def count(*_):
        calls[0] += 1

    transformer.transformer_blocks[-1].attn1.register_forward_pre_hook(count)
    return calls


class SkipVariant(Exception):
    """A variant that cannot run here; its row says why."""


# --- variants: each is a context manager that applies one option to a fresh model and undoes it afterwards.
# It yields (callable used as the forward, use the text mask?, note).


@contextlib.contextmanager
def variant_baseline(transformer, args):
    yield transformer, True, "bf16, default attention (torch SDPA)"


@contextlib.contextmanager
def variant_compile(transformer, args):
    if transformer.device.type != "cuda":
        raise SkipVariant("skipped on CPU: compiling would take longer than the whole smoke run")
    compiled = torch.compile(transformer, mode=args.compile_mode, dynamic=False)
    try:
        yield compiled, True, f"torch.compile mode={args.compile_mode}; warm-up includes compiling"
    finally:
        torch._dynamo.reset()


@contextlib.contextmanager
def variant_first_block_cache(transformer, args):
    from diffusers import FirstBlockCacheConfig

    transformer.enable_cache(FirstBlockCacheConfig(threshold=args.fbc_threshold))
    try:
        yield transformer, True, (f"threshold={args.fbc_threshold}; random weights: skip rate is not a trained model's")
    finally:
        transformer.disable_cache()


def attention_backend_variant(backend: str):
    @contextlib.contextmanager
    def variant(transformer, args):
        from diffusers.models.attention_dispatch import _AttentionBackendRegistry

        previous = _AttentionBackendRegistry._active_backend  # set_attention_backend also changes the global one
        try:
            try:
                transformer.set_attention_backend(backend)
            except (RuntimeError, ValueError, ImportError) as error:
                raise SkipVariant(f"not available: {str(error).splitlines()[0][:70]}") from None
            maskless = backend in MASKLESS_BACKENDS
            yield transformer, not maskless, "without the text mask (kernel takes none)" if maskless else ""
        finally:
            transformer.reset_attention_backend()
            _AttentionBackendRegistry.set_active_backend(previous)

    return variant


def variant_setups(args) -> list[tuple[str, object]]:
    setups = [("baseline", variant_baseline)]  # always first: every ratio is against it
    if "compile" in args.variants:
        setups.append(("compile", variant_compile))
    if "first_block_cache" in args.variants:
        setups.append(("first_block_cache", variant_first_block_cache))
    if "attention_backend" in args.variants:
        for backend in filter(None, (name.strip() for name in args.attention_backends.split(","))):
            setups.append((f"attn:{backend}", attention_backend_variant(backend)))
    return setups


def run_variant(name: str, setup, config: dict, clips, args, device: torch.device) -> tuple[list[Row], dict]:
    """Fresh model, option applied, then per clip size: one warm-up clip and `repeats` timed clips.
    Returns the rows and the final latents per clip size (for the VAE timing)."""
    clock = Clock(device)
    transformer = build_transformer(config, device)
    calls = count_full_computes(transformer) if name == "first_block_cache" else None
    rows, final_latents = [], {}
    try:
        with setup(transformer, args) as (forward, use_mask, note):
            for clip in clips:
                inputs = make_inputs(clip, config, device)
                started = time.perf_counter()
                transformer._reset_stateful_cache()
                denoise_clip(forward, transformer, clip, inputs, args.steps, clock, use_mask)
                warmup_s = time.perf_counter() - started
                step_times, clip_times, full = [], [], []
                for _ in range(args.repeats):
                    transformer._reset_stateful_cache()  # a new clip starts with an empty cache
                    if calls is not None:
                        calls[0] = 0
                    steps_s, clip_s, latents = denoise_clip(
                        forward, transformer, clip, inputs, args.steps, clock, use_mask
                    )
                    step_times += steps_s
                    clip_times.append(clip_s)
                    full.append(args.steps if calls is None else calls[0])
                final_latents[clip] = latents
                rows.append(
                    Row(
                        name,
                        clip,
                        warmup_s,
                        statistics.median(step_times),
                        statistics.median(clip_times),
                        "all" if calls is None else f"{statistics.median(full):g}/{args.steps}",
                        note,
                    )
                )
    except SkipVariant as reason:
        rows = [Row(name, clip, note=str(reason), skipped=True) for clip in clips]
    except Exception as error:  # one broken option (out of memory, a kernel refusing a shape) must not stop the rest
        message = f"failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:110]
        rows = [Row(name, clip, note=message, skipped=True) for clip in clips]
    del transformer
    free_memory(device)
    return rows, final_latents


def build_vae(tiny: bool, device: torch.device):
    """The class defaults are the released LTX-Video 0.9.0 VAE; the tiny one mirrors generation/engines/dit/tiny.py."""
    from diffusers import AutoencoderKLLTXVideo

    torch.manual_seed(0)
    tiny_config = dict(
        latent_channels=TINY_CONFIG["out_channels"],
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        patch_size=1,
    )
    with created_on(device):
        vae = AutoencoderKLLTXVideo(**(tiny_config if tiny else {}))
    return vae.eval().requires_grad_(False)


def time_vae_decode(latents: torch.Tensor, clip: Clip, tiny: bool, device: torch.device) -> str:
    """One warm-up and one timed decode of (1, C, F, H, W) latents; returns a line for the notes."""
    clock = Clock(device)
    try:
        vae = build_vae(tiny, device)
        frames, height, width = clip.latent_grid
        video_latents = latents.reshape(1, frames, height, width, -1).permute(0, 4, 1, 2, 3).to(DTYPE)
        vae.decode(video_latents, return_dict=False)
        start = clock.mark()
        video = vae.decode(video_latents, return_dict=False)[0]
        end = clock.mark()
        clock.sync()
        shape = "x".join(str(size) for size in video.shape)
        del vae, video
        config = "tiny" if tiny else "0.9.0 config"
        return f"VAE decode ({config}, bf16, output {shape}): {clock.seconds(start, end):.3f} s (not in s/clip)"
    except Exception as error:
        return f"VAE decode failed: {type(error).__name__}: {str(error).splitlines()[0][:90]}"
    finally:
        free_memory(device)


def format_number(value: float | None, spec: str) -> str:
    return "n/a" if value is None or value != value else format(value, spec)


def print_table(rows: list[Row], baseline: dict, flops: dict, peak: float | None, args, header: str) -> None:
    print(header)
    print(
        f"{'variant':<20}{'clip':>13}{'warm-up s':>11}{'step ms':>10}{'s/clip':>9}{'vs base':>9}"
        f"{'TFLOP/s':>11}{'% peak':>8}{'full':>7}  note"
    )
    for row in rows:
        if row.skipped:
            print(
                f"{row.variant:<20}{row.clip.label:>13}{'-':>11}{'-':>10}{'-':>9}{'-':>9}{'-':>11}{'-':>8}{'-':>7}"
                f"  {row.note}"
            )
            continue
        tflops = flops[row.clip] * args.steps / row.clip_s / 1e12
        fraction = tflops / peak if peak else None
        print(
            f"{row.variant:<20}{row.clip.label:>13}{row.warmup_s:>11.2f}{1000 * row.step_s:>10.1f}"
            f"{row.clip_s:>9.3f}{row.clip_s / baseline[row.clip]:>9.2f}{format_number(tflops, '.4g'):>11}"
            f"{format_number(fraction and 100 * fraction, '.1f'):>8}{row.full_steps:>7}  {row.note}"
        )


def main() -> None:
    args = parse_args()
    diffusers_logging.set_verbosity_error()  # else "attention backends are experimental" on every set and reset
    device = torch.device(args.device)
    if not args.tiny and device.type != "cuda":
        sys.exit("dit_gpu needs a CUDA GPU; use --tiny for a CPU smoke run")
    config = TINY_CONFIG if args.tiny else LTX_09_CONFIG
    clips = (TINY_CLIPS if args.tiny else FULL_CLIPS)[: 1 if args.quick else None]
    peak = peak_tflops(device, args.peak_tflops)
    name = device_name(device)

    with torch.inference_mode():
        params = sum(p.numel() for p in build_transformer(config, torch.device("meta")).parameters())
        flops = {clip: count_flops(config, clip, device) for clip in clips}
        rows, final_latents = [], {}
        for variant, setup in variant_setups(args):
            variant_rows, latents = run_variant(variant, setup, config, clips, args, device)
            rows += variant_rows
            final_latents = final_latents or latents
        vae_line = time_vae_decode(final_latents[clips[0]], clips[0], args.tiny, device) if args.vae else None

    baseline = {row.clip: row.clip_s for row in rows if row.variant == "baseline" and not row.skipped}
    if len(baseline) != len(clips):
        failure = next(row.note for row in rows if row.variant == "baseline" and row.skipped)
        sys.exit(f"dit_gpu: the baseline row did not run ({failure}); nothing to compare against")
    header = (
        f"LTX-Video DiT {'TINY smoke config' if args.tiny else '0.9.x config'}, {params:,} params "
        f"({params / 1e9:.3f} B), "
        f"random weights, bf16, batch 2 (CFG), {args.steps} steps per clip, median of {args.repeats} clips, "
        f"on {name} (dense bf16 peak {format_number(peak, 'g')} TFLOP/s)"
    )
    print_table(rows, baseline, flops, peak, args, header)

    for clip in clips:
        print(
            f"{clip.label}: {clip.tokens} latent tokens {clip.latent_grid}, {clip.text_tokens} text tokens, "
            f"{flops[clip] / 1e12:.4g} TFLOP per forward"
        )
    print(
        "notes: s/clip is the whole step loop (transformer + Euler updates), without text encoding or VAE decode;"
        " 'vs base' = s/clip / baseline (below 1 is faster); TFLOP/s = forward FLOPs x steps / s/clip;"
        " 'full' = steps in which all blocks ran."
    )
    if vae_line:
        print(vae_line)
    if args.tiny:
        print(
            "notes: --tiny is a CPU smoke test of the script; its times say nothing about the GPU, and "
            "FlopCounterMode does not count the CPU attention kernel."
        )

    timed = [row for row in rows if not row.skipped]
    mean_s = {
        variant: statistics.mean(row.clip_s for row in timed if row.variant == variant)
        for variant in dict.fromkeys(row.variant for row in timed)
        if sum(row.variant == variant for row in timed) == len(clips)
    }
    best = min(mean_s, key=mean_s.get)
    base_s = mean_s["baseline"]
    base_tflops = statistics.mean(flops[clip] * args.steps / baseline[clip] for clip in clips) / 1e12
    fraction = format_number(base_tflops / peak if peak else None, ".3f")
    print(
        f"dit_gpu ratio={mean_s[best] / base_s:.3f} baseline_s={base_s:.3f} best={best} best_s={mean_s[best]:.3f} "
        f"tflops={base_tflops:.4g} peak_fraction={fraction} device={name.replace(' ', '_')} "
        f"steps={args.steps} clips={','.join(clip.label for clip in clips)}"
    )


if __name__ == "__main__":
    main()
