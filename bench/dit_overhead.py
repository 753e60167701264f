"""DiT worker overhead: one LTX shot through the real worker path against the bare diffusers call it wraps.

What is compared, on the CPU, in one process, warm (the model is loaded once, before anything is timed):
  - baseline: `LTXImageToVideoPipeline.__call__` with exactly the inputs the engine passes (same loaded pipeline
    object from `loading.model_get("ltx").base`, same conditioning photo fitted to the model's size, prompt with
    the camera phrase, negative prompt, size, frames, steps, guidance, seed, `max_sequence_length`, `frame_rate`).
    The bench records the engine's own call once during warm-up and stops if any input differs;
  - worker path: `generation.shot_runner.shot_run(shot_id=...)`, the Celery task body, on a fresh shot of a fresh
    render job each time: the claim UPDATE, the photo load and fit, the per-step finite check and heartbeat, the
    uint8 conversion, the black/frozen check, the colour match, the delivery stream, the x264 encode of the clip
    and the bookkeeping UPDATEs. The job's template and short side make the shot's delivery size and frame rate
    what the model generates (288x512, 24 fps), so retime and upscale are no-ops and the ratio is the framework's
    overhead alone.
An informational row renders the same shot delivered at 1080x1920 30 fps (optical-flow retime to 30 fps, upscale,
encode at 1080p) with its own ratio against the same baseline: the delivery cost, shown separately.

The model is LTX-Video's real architecture with random weights, built here (no download): tiny.py's tiny LTX
(T5 text encoder, tokenizer, flow-matching scheduler) with a wider and deeper transformer (8 heads x 64 = 512 wide;
8 layers, `--quick` 4) and a VAE laid out like the released one (patch 4, three spatio-temporal downsamplings:
32x in space, 8x in time, so sizes are multiples of 32 and clips 8k+1 frames), so that the diffusers call takes a
few seconds and dominates as it does on a GPU with the real model. Saved with save_pretrained(safetensors) plus a
shop_video.json profile (24 fps, 4 steps (`--quick` 3), 288x512 pixel budget, 25 frames) and loaded by the engine
through DIT_MODELS like released weights. Django runs on a throwaway SQLite database in a temp dir; nothing is sent
to a broker (dispatch is stubbed). Rounds are interleaved (bare, worker, bare, worker, ...); medians are reported.

The last line is `dit_overhead ratio=<worker median / bare median> ...`; the target is 1.10 or less. The script
exits non-zero if the model was loaded again during the measured runs (reloads=N), a shot failed or was retried
with a new seed, or the engine's inputs differ from the baseline's.
Usage: python bench/dit_overhead.py [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 1234
FPS = 24  # LTX's native rate; the native template asks for the same
FRAMES = 25  # one segment (8k+1)
WIDTH, HEIGHT = 288, 512  # 9:16 at multiples of 32; the profile's pixel budget is exactly this
DELIVERY_FPS, DELIVERY_FRAMES, DELIVERY_SHORT_SIDE = 30, 31, 1080  # 31 frames at 30 fps need the same 25 native
HEADS, HEAD_DIM, LATENT_CHANNELS = 8, 64, 32


def bench_model_save(out_dir: Path, *, layers: int, steps: int) -> int:
    """tiny.py's LTX with a 512-wide transformer and a released-layout VAE, saved like released weights.
    Returns the transformer's parameter count."""
    import diffusers
    import transformers

    from generation.engines.dit.tiny import TINY_PROFILE_FILE, build_tiny_ltx

    for library in (diffusers, transformers):
        library.utils.logging.disable_progress_bar()
    pipeline, _ = build_tiny_ltx(
        layers=layers,
        heads=HEADS,
        head_dim=HEAD_DIM,
        latent_channels=LATENT_CHANNELS,
        vae_channels=(16, 32, 64, 64),
        vae_scaling=(True, True, True, False),
        vae_patch=4,
    )
    pipeline.save_pretrained(out_dir, safe_serialization=True)
    profile = {"family": "ltx", "max_pixels": WIDTH * HEIGHT, "max_frames": FRAMES, "fps": FPS, "steps": steps}
    (out_dir / TINY_PROFILE_FILE).write_text(json.dumps(profile, indent=2) + "\n")
    return sum(p.numel() for p in pipeline.transformer.parameters())


class _RetryCounter(logging.Handler):
    """Counts the engine's 'trying once more' warnings (a black/frozen retry or an OOM recovery)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record):
        if "trying once more" in record.getMessage():
            self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="4 transformer layers, 3 steps, 3 rounds, 1 delivery round"
    )
    parser.add_argument(
        "--profile", action="store_true", help="afterwards, cProfile one more worker-path shot and print what dominates"
    )
    args = parser.parse_args()
    layers, steps, rounds, delivery_rounds = (4, 3, 3, 1) if args.quick else (8, 4, 5, 3)

    random.seed(SEED)
    import numpy as np
    import torch

    np.random.seed(SEED)
    torch.manual_seed(SEED)

    tmp = Path(tempfile.mkdtemp(prefix="bench-dit-overhead-"))
    try:
        model_dir = tmp / "ltx-bench"
        params = bench_model_save(model_dir, layers=layers, steps=steps)
        # Before django.setup(): the settings read these once.
        os.environ["DJANGO_SETTINGS_MODULE"] = "shop_video.settings"
        os.environ["VAR_DIR"] = str(tmp / "var")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'db.sqlite3'}"
        os.environ["MEDIA_ROOT"] = str(tmp / "media")
        os.environ["CELERY_BROKER_URL"] = "filesystem://localhost/"
        os.environ["CELERY_BROKER_DIR"] = str(tmp / "broker")
        os.environ["DIT_MODELS"] = f"ltx={model_dir}"
        os.environ["RENDITION_SHORT_SIDE"] = str(DELIVERY_SHORT_SIDE)
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        run(args=args, layers=layers, steps=steps, rounds=rounds, delivery_rounds=delivery_rounds, params=params)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(*, args, layers: int, steps: int, rounds: int, delivery_rounds: int, params: int) -> None:
    started_all = time.perf_counter()
    import django

    django.setup()
    import numpy as np
    import torch
    from django.core.management import call_command

    from generation import dispatch
    from generation.engines.dit import engine as dit_engine
    from generation.engines.dit import loading
    from generation.engines.dit.family import Segment, family_size
    from generation.models import JobStatus, Shot, VideoTemplate
    from generation.services.render_jobs import render_job_create
    from generation.shot_runner import shot_run
    from shop_video.media import media_local_path
    from tests.factories import merchant_make, product_make

    load_before = os.getloadavg()[0]
    call_command("migrate", verbosity=0, interactive=False)
    # Nothing leaves the process: no shot or assembly message goes to a broker.
    dispatch.shots_send = lambda *, shot_ids, queue: None
    dispatch.assembly_send = lambda *, job_id: None
    retries = _RetryCounter()
    logging.getLogger("generation.engines.dit.engine").addHandler(retries)

    merchant = merchant_make(slug="bench")
    sku = "BENCH-MUG"
    product_make(merchant=merchant, sku=sku, photos=1)
    templates = {
        "native": ("dit-bench-native", FPS, FRAMES, WIDTH),
        "delivery": ("dit-bench-delivery", DELIVERY_FPS, DELIVERY_FRAMES, DELIVERY_SHORT_SIDE),
    }
    for slug, fps, frames, _ in templates.values():
        VideoTemplate.objects.create(
            merchant=merchant,
            slug=slug,
            name=slug,
            spec={
                "fps": fps,
                "scenes": [{"type": "product_shots", "duration": frames / fps, "cameras": ["static"], "max_shots": 1}],
            },
        )

    def new_shot(kind: str) -> Shot:
        slug, _, _, short_side = templates[kind]
        job = render_job_create(
            merchant=merchant,
            template_slug=slug,
            sku=sku,
            aspect_ratios=["9:16"],
            engine="dit",
            family="ltx",
            short_side=short_side,
        )
        shot = job.shots.get()
        Shot.objects.filter(pk=shot.pk).update(seed=SEED)  # the same clip every round
        shot.refresh_from_db()
        return shot

    def worker(kind: str) -> float:
        shot = new_shot(kind)
        before = retries.count
        started = time.perf_counter()
        shot_run(shot_id=shot.pk)
        seconds = time.perf_counter() - started
        shot.refresh_from_db()
        if shot.status != JobStatus.SUCCEEDED:
            sys.exit(f"dit_overhead: the {kind} shot {shot.status}: {shot.error}")
        if retries.count != before:
            sys.exit(
                f"dit_overhead: the engine retried the {kind} shot (black/frozen clip or out of memory), "
                "which doubles its time; the ratio would be meaningless"
            )
        return seconds

    # The inputs the engine gives the pipeline for this shot, built with the engine's own helpers.
    model = loading.model_get("ltx")
    pipeline = model.base
    shot = new_shot("native")
    width, height = family_size(model.geometry, "9:16")
    if (shot.width, shot.height, shot.fps, shot.num_frames) != (
        width,
        height,
        model.fps,
        FRAMES,
    ) or steps != model.steps:
        sys.exit(
            f"dit_overhead: the shot is {shot.width}x{shot.height} {shot.fps} fps {shot.num_frames} frames, the "
            f"model makes {width}x{height} {model.fps} fps {FRAMES} frames in {model.steps} steps; they must match"
        )
    prompt = dit_engine._prompt_compose(shot.prompt, shot.camera)
    negative = shot.parameters.get("negative_prompt") or model.family.negative_prompt
    if shot.camera == "static":
        negative = f"{negative}, {dit_engine.STILL_NEGATIVE}"
    image = dit_engine._photo_load(str(media_local_path(shot.source_image.file.name)), width, height)
    segment_pipeline, extra = model.module.pipeline_call(
        model, Segment(num_frames=FRAMES, width=width, height=height, image=image)
    )
    assert segment_pipeline is pipeline
    inputs = dict(
        prompt=prompt,
        negative_prompt=negative,
        width=width,
        height=height,
        num_frames=FRAMES,
        num_inference_steps=model.steps,
        guidance_scale=model.profile.guidance_scale,
        output_type="pt",
        max_sequence_length=model.max_sequence_length,
        **extra,
    )

    def bare() -> float:
        started = time.perf_counter()
        pipeline(**inputs, generator=torch.Generator(device="cpu").manual_seed(SEED))
        return time.perf_counter() - started

    # Warm-up: one of each. The worker's call is recorded to prove the baseline passes the same inputs.
    bare()
    captured = {}
    call = type(pipeline).__call__

    def spy(self, *call_args, **kwargs):
        captured.update(kwargs)
        return call(self, *call_args, **kwargs)

    type(pipeline).__call__ = spy
    try:
        worker("native")
    finally:
        type(pipeline).__call__ = call
    _inputs_compare(inputs, captured, np)

    loads_before = loading.model_loads()
    times = {"bare": [], "native": [], "delivery": []}
    for index in range(rounds):
        times["bare"].append(bare())
        times["native"].append(worker("native"))
        if index < delivery_rounds:
            times["delivery"].append(worker("delivery"))
    reloads = loading.model_loads() - loads_before

    bare_s, worker_s = statistics.median(times["bare"]), statistics.median(times["native"])
    delivery_s = statistics.median(times["delivery"])
    ratio, delivery_ratio = worker_s / bare_s, delivery_s / bare_s
    print(
        f"dit overhead, LTX architecture with random weights (transformer {HEADS}x{HEAD_DIM} wide, {layers} layers, "
        f"{params / 1e6:.0f} M parameters), {width}x{height}, {FRAMES} frames, {model.steps} steps, "
        f"{model.device} {str(model.dtype).removeprefix('torch.')}, torch threads={torch.get_num_threads()}, "
        f"median of {rounds} interleaved rounds; load average before: {load_before:.2f}"
    )
    print(f"{'row':<52}{'median s':>10}{'min s':>8}{'ratio':>8}")
    print(f"{'bare diffusers call':<52}{bare_s:>10.2f}{min(times['bare']):>8.2f}{1:>8.2f}")
    print(
        f"{f'worker path (shot_run, {width}x{height} {FPS} fps)':<52}{worker_s:>10.2f}"
        f"{min(times['native']):>8.2f}{ratio:>8.2f}"
    )
    print(
        f"delivery, informational (median of {delivery_rounds}; retime {FPS}->{DELIVERY_FPS} fps, upscale, "
        f"encode at 1080p):"
    )
    print(
        f"{f'worker path (shot_run, 1080x1920 {DELIVERY_FPS} fps)':<52}{delivery_s:>10.2f}"
        f"{min(times['delivery']):>8.2f}{delivery_ratio:>8.2f}"
    )
    print(
        f"inputs checked identical to the engine's call; model loads during the measured runs: {reloads}; "
        f"wall time {time.perf_counter() - started_all:.0f} s after the model was saved"
    )

    if args.profile:
        _profile(lambda: worker("native"))
    print(
        f"dit_overhead ratio={ratio:.3f} baseline_s={bare_s:.3f} worker_s={worker_s:.3f} reloads={reloads} "
        f"frames={FRAMES} size={width}x{height} steps={model.steps} delivery_ratio={delivery_ratio:.3f}"
    )
    if reloads:
        sys.exit(1)


def _inputs_compare(inputs: dict, captured: dict, np) -> None:
    """Every input the baseline passes equals the engine's; the engine adds only its step callback."""
    different = []
    for key, value in inputs.items():
        theirs = captured.get(key)
        if key == "image":
            same = theirs is not None and np.array_equal(np.asarray(value), np.asarray(theirs))
        else:
            same = theirs == value
        if not same:
            different.append(f"{key}: bench {value!r} engine {theirs!r}")
    if captured.get("generator") is None or captured["generator"].initial_seed() != SEED:
        different.append(f"generator seed: engine {getattr(captured.get('generator'), 'initial_seed', lambda: None)()}")
    extra = set(captured) - set(inputs) - {"generator", "callback_on_step_end", "callback_on_step_end_tensor_inputs"}
    if extra:
        different.append(f"the engine also passes {', '.join(sorted(extra))}")
    if different:
        sys.exit("dit_overhead: the baseline does not call the pipeline as the engine does: " + "; ".join(different))


def _profile(function) -> None:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(function)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    print(out.getvalue())


if __name__ == "__main__":
    main()
