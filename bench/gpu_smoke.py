"""GPU smoke check: one shot per DiT family and one presenter take on a CUDA GPU, with the frames checked.

What it proves, on the machine that will serve: the weights load (offline, safetensors, the release's layout and
tokenizer), the worker's dtype (bfloat16 on CUDA) survives every step, and the frames come back right: each family
shot runs through the worker path (a render job's shot, `shot_run`, the clip written and read back), the
presenter take through its engine; each is checked for its frame count and size, finite output, and white that
stays white (the product photo is half white, half black; bfloat16 once turned 1.0 into 256, wrapped to 0).

    python bench/gpu_smoke.py --models ltx=/models/ltx-video,wan=/models/wan-i2v,cogvideox=/models/cogvideox-i2v \\
        --presenter /models/ltx-2
    python bench/gpu_smoke.py --random-from-configs ltx=/configs/ltx-video,wan=/configs/wan-i2v --workdir /scratch
    python bench/gpu_smoke.py --tiny --allow-cpu     # the tiny random-weight models, on this machine's CPU

Real weights: the first frame must show the photo's white half bright and its black half dark. Random weights
(`--random-from-configs`: a directory with a release's JSON configs and tokenizer, a few MB to fetch; every
component is built at full size with random weights and saved to --workdir) and `--tiny` produce noise, so there
the VAE decode is wrapped to paint pure white and pure black bands over its real output (same shape, same dtype),
and the bands must come out exactly 255 and 0.

Without CUDA (and without --allow-cpu) it prints one line saying so and exits 0. The last line is
`gpu_smoke ok=<n> failed=<n>`; the exit status is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAMILIES = ("ltx", "wan", "cogvideox")
SHOT_SECONDS = 2.0
SHORT_SIDE = 480
SEED = 7


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__
    )
    parser.add_argument(
        "--models",
        default="",
        help="family=DIR,... diffusers directories with real weights (default: the DIT_MODELS setting)",
    )
    parser.add_argument(
        "--presenter",
        default=None,
        help="LTX-2 directory (default: PRESENTER_DIT_MODEL); 'none' skips the presenter take",
    )
    parser.add_argument(
        "--random-from-configs",
        default="",
        help="family=DIR,... (and ltx2=DIR for the presenter): build random full-size weights from a release's configs",
    )
    parser.add_argument("--workdir", default=None, help="where random weights are saved (needs their size on disk)")
    parser.add_argument("--tiny", action="store_true", help="the tiny random-weight test models")
    parser.add_argument("--families", default=",".join(FAMILIES), help="which families to render")
    parser.add_argument("--allow-cpu", action="store_true", help="run without CUDA (only sensible with --tiny)")
    parser.add_argument("--seconds", type=float, default=SHOT_SECONDS, help="length of each shot")
    return parser.parse_args(argv)


def pairs(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(",") if item.strip())


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    if not torch.cuda.is_available() and not args.allow_cpu:
        print(
            "gpu_smoke: no CUDA GPU on this machine (torch.cuda.is_available() is False); nothing was run. "
            "Run it on a GPU worker, or pass --tiny --allow-cpu to exercise the script here."
        )
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="gpu-smoke-"))
    try:
        families = [f for f in args.families.split(",") if f]
        models, presenter, paint = _model_dirs(args, tmp, families)
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "shop_video.settings",
                "VAR_DIR": str(tmp / "var"),
                "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
                "MEDIA_ROOT": str(tmp / "media"),
                "CELERY_BROKER_URL": "filesystem://localhost/",
                "CELERY_BROKER_DIR": str(tmp / "broker"),
                "DIT_MODELS": ",".join(f"{k}={v}" for k, v in models.items()),
                "PRESENTER_DIT_MODEL": presenter or "",
                # The smoke checks mechanics, not taste: a calm clip or a dark one is not a failure here.
                "DIT_MIN_MOTION": "0",
                "DIT_MIN_LUMA": "0",
            }
        )
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        return run(
            families=[f for f in families if f in models],
            presenter=bool(presenter),
            paint=paint,
            seconds=args.seconds,
            tmp=tmp,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _model_dirs(args, tmp: Path, families: list[str]) -> tuple[dict[str, str], str | None, bool]:
    """The directories to load, and whether their weights are random (then decodes are painted)."""
    if args.tiny:
        from generation.engines.dit.tiny import tiny_dit_save
        from generation.engines.dit.tiny_ltx2 import make_tiny_ltx2

        models = {f: str(tiny_dit_save(family=f, out_dir=tmp / "models" / f)) for f in families}
        presenter = None if args.presenter == "none" else str(make_tiny_ltx2(tmp / "models" / "ltx2"))
        return models, presenter, True
    if args.random_from_configs:
        workdir = Path(args.workdir or tmp / "random")
        configs = pairs(args.random_from_configs)
        built = {name: str(random_weights_save(Path(src), workdir / name)) for name, src in configs.items()}
        presenter = built.pop("ltx2", None)
        return built, presenter if args.presenter != "none" else None, True
    from shop_video import settings as project_settings  # env-driven defaults, read without django.setup()

    models = pairs(args.models) or dict(project_settings.DIT_MODELS)
    presenter = args.presenter if args.presenter is not None else project_settings.PRESENTER_DIT_MODEL
    return models, (None if presenter in (None, "", "none") else presenter), False


def random_weights_save(configs: Path, out: Path) -> Path:
    """Every component of a release built from its config at full size with random weights, in bfloat16 on the
    GPU, and saved as safetensors beside the release's tokenizer and scheduler files."""
    import diffusers
    import torch
    import transformers

    index = json.loads((configs / "model_index.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(configs / "model_index.json", out / "model_index.json")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    for name, entry in index.items():
        if name.startswith("_") or not isinstance(entry, list) or entry[0] is None:
            continue
        library, class_name = entry
        source, target = configs / name, out / name
        if (
            class_name.endswith(("Tokenizer", "TokenizerFast", "Processor", "Scheduler", "ImageProcessor"))
            or "Tokenizer" in class_name
            or "Scheduler" in class_name
        ):
            shutil.copytree(source, target, dirs_exist_ok=True)
            continue
        # diffusers and transformers classes, or a pipeline module's own (LTX-2's vocoder and connectors: "ltx2")
        owner = {"diffusers": diffusers, "transformers": transformers}.get(library) or importlib.import_module(
            f"diffusers.pipelines.{library}"
        )
        cls = getattr(owner, class_name)
        with torch.device(device):
            if library != "transformers":
                module = cls.from_config(cls.load_config(source))
            else:
                module = cls._from_config(transformers.AutoConfig.from_pretrained(source))
        module.to(torch.bfloat16).save_pretrained(target, safe_serialization=True)
        del module
        if device == "cuda":
            torch.cuda.empty_cache()
    for extra in configs.glob("shop_video.json"):
        shutil.copy(extra, out / extra.name)
    return out


def test_photo(width: int = 720, height: int = 1280) -> bytes:
    """Left half pure white, right half pure black, a red disc in the middle for the model to look at."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, width // 2, height))
    ImageDraw.Draw(image).ellipse((width * 0.35, height * 0.42, width * 0.65, height * 0.58), fill=(200, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def paint_decodes(vae) -> None:
    """Over the real decode's output (its shape and dtype): the left 2/5 pure white, the right 2/5 pure black."""
    original = vae.decode

    def decode(*args, **kwargs):
        output = original(*args, **kwargs)
        sample = output[0] if isinstance(output, tuple) else output.sample
        band = sample.shape[-1] * 2 // 5
        sample[..., :band] = 1.0
        sample[..., sample.shape[-1] - band :] = -1.0
        return output

    vae.decode = decode


def frames_read(path):
    """Every frame of a clip as (F, H, W, 3) uint8 RGB (PyAV: the dit extra installs it)."""
    import av
    import numpy as np

    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def levels_check(frames, *, painted: bool) -> str | None:
    """None if white stayed white and black stayed black, else what went wrong."""
    import numpy as np

    _, height, width, _ = frames.shape
    rows = slice(height // 10, height - height // 10)
    if painted:
        # The middle fifth of the rows: inside the generated picture even when delivery letterboxes it
        # (CogVideoX's 3:2 in a 9:16 shot).
        rows = slice(height * 2 // 5, height * 3 // 5)
        white, black = frames[:, rows, 2 : width // 4], frames[:, rows, width - width // 4 : -2]
        # Loose bounds: the clip went through retiming, upscaling and an H.264 round trip; the bfloat16 fault
        # turned white into 0, and the unit tests (tests/generation/test_dit_dtypes.py) check exact levels.
        if white.min() < 215 or black.max() > 40:
            return f"painted white came out {int(white.min())}..{int(white.max())}, black {int(black.min())}..{int(black.max())}"
        return None
    first = frames[0].astype(np.float32).mean(axis=2)
    white, black = first[rows, width // 20 : width * 3 // 10].mean(), first[rows, width * 7 // 10 : -width // 20].mean()
    if white < 170 or black > 85:
        return f"first frame: the photo's white half averages {white:.0f}, its black half {black:.0f}"
    return None


def run(*, families: list[str], presenter: bool, paint: bool, seconds: float, tmp: Path) -> int:
    import django

    django.setup()
    import numpy as np
    import torch
    from django.core.management import call_command

    from generation import dispatch
    from generation.engines.base import ShotRequest
    from generation.engines.dit import loading
    from generation.engines.registry import engine_get
    from generation.models import JobStatus, Shot, VideoTemplate
    from generation.services.render_jobs import render_job_create
    from generation.shot_runner import shot_run
    from shop_video.media import media_local_path
    from tests.factories import merchant_make, product_make

    call_command("migrate", verbosity=0, interactive=False)
    dispatch.shots_send = lambda *, shot_ids, queue: None  # this process is the worker: nothing is queued
    dispatch.assembly_send = lambda *, job_id: None
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(
        f"gpu_smoke: {torch.cuda.get_device_name(0) if device == 'cuda' else 'CPU'}, torch {torch.__version__}, "
        f"{'random weights, decodes painted' if paint else 'real weights'}"
    )

    merchant = merchant_make(slug="smoke")
    from catalog.services import product_image_add

    # CogVideoX makes only 720x480: its photo is 3:2, so the photo fills the model's frame (a letterboxed photo's
    # dimmed background would move the colour match's black).
    for sku, size in {"SMOKE-1": (720, 1280), "SMOKE-WIDE": (720, 480)}.items():
        product_image_add(product=product_make(merchant=merchant, sku=sku, photos=0), data=test_photo(*size))
    VideoTemplate.objects.create(
        merchant=merchant,
        slug="smoke",
        name="smoke",
        spec={
            "fps": 24,
            "scenes": [{"type": "product_shots", "duration": seconds, "cameras": ["orbit"], "max_shots": 1}],
        },
    )
    results = []

    def record(name: str, problem: str | None, started: float, detail: str = "") -> None:
        results.append(problem is None)
        status = "ok" if problem is None else "FAILED"
        print(f"{status:6} {name}: {problem or detail} ({time.perf_counter() - started:.1f} s)", flush=True)

    for family in families:
        started = time.perf_counter()
        try:
            if paint:
                paint_decodes(loading.model_get(family).base.vae)
            sku = "SMOKE-WIDE" if family == "cogvideox" else "SMOKE-1"
            job = render_job_create(
                merchant=merchant,
                template_slug="smoke",
                sku=sku,
                aspect_ratios=["9:16"],
                engine="dit",
                family=family,
                short_side=SHORT_SIDE,
            )
            shot = job.shots.get()
            Shot.objects.filter(pk=shot.pk).update(seed=SEED)
            shot_run(shot_id=shot.pk)
            shot.refresh_from_db()
            if shot.status != JobStatus.SUCCEEDED:
                record(family, f"the shot {shot.status}: {shot.error}", started)
                continue
            frames = frames_read(media_local_path(shot.file.name))
            expected = (shot.num_frames, shot.height, shot.width, 3)
            problem = (
                f"clip is {frames.shape}, expected {expected}"
                if frames.shape != expected
                else levels_check(frames, painted=paint)
            )
            record(
                family,
                problem,
                started,
                f"{shot.num_frames} frames {shot.width}x{shot.height}, "
                f"model {shot.metadata.get('generated_size')}, "
                f"release {loading.model_get(family).profile.release}",
            )
        except Exception as exc:  # one family's failure must not hide the others'
            traceback.print_exc()
            record(family, f"{type(exc).__name__}: {exc}", started)
        finally:
            loading.models_unload()  # one model in GPU memory at a time

    if presenter:
        from generation.engines import presenter_dit

        started = time.perf_counter()
        try:
            model = presenter_dit.model_get()
            if paint:
                paint_decodes(model.pipeline.vae)
            photo = tmp / "presenter.png"
            photo.write_bytes(test_photo())
            request = ShotRequest(
                width=288,
                height=512,
                fps=24,
                num_frames=49,
                image_path=str(photo),
                seed=SEED,
                parameters={"script": "Hello, meet our new bag.", "framing": "chest"},
            )
            result = engine_get("presenter").generate(request)
            frames = np.stack(list(result.frames))
            problem = (
                f"take is {frames.shape}, expected (49, 512, 288, 3)"
                if frames.shape != (49, 512, 288, 3)
                else levels_check(frames, painted=True)
                if paint
                else ("a black take" if frames.mean() < 10 else None)
            )
            record("presenter", problem, started, f"49 frames 288x512, release {model.release}")
        except Exception as exc:
            traceback.print_exc()
            record("presenter", f"{type(exc).__name__}: {exc}", started)
        finally:
            presenter_dit.models_unload()

    ok, failed = sum(results), len(results) - sum(results)
    print(f"gpu_smoke ok={ok} failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
