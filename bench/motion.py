"""Motion engine frame cost: the two-layer (parallax) frame against a single resize of a flattened canvas.

The engine draws two layers per frame: a float-box resize of the small designed backdrop (brand gradient) and a
float-box resize of the sharp RGBA cut-out (product plus contact shadow), pasted with its alpha, so they can move
apart. Baseline: the earlier engine's frame, one float-box bicubic resize of a flattened canvas (the backdrop at
canvas size with the cut-out composited at its resting place), on the same poses (the backdrop's). Ratio =
baseline time / ours, so above 1 means ours is faster. Timed on the orbit path (the one with parallax) and on
ken_burns; the mean absolute difference on ken_burns (grey levels) is how far the product's fitted, gentler move
takes it from the backdrop's. Segmentation runs once per photo and is not timed here (see
docs/benchmarks.md). Usage: python bench/motion.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generation.engines.base import ShotRequest  # noqa: E402
from generation.engines.motion import camera_path, shot_layers  # noqa: E402
from generation.engines.motion_layers import CameraPose, _view_box, product_rect, render_frame  # noqa: E402

PHOTO = ROOT / "catalog" / "demo_photos" / "espresso-cup.jpg"


def flat_canvas(layers, width: int, height: int) -> Image.Image:
    """The earlier engine's stage: the backdrop at canvas size with the foreground composited at rest."""
    canvas = layers.background.resize(layers.canvas_size, Image.Resampling.BICUBIC)
    x0, y0, x1, _ = product_rect(layers, CameraPose(1.0), width, height)
    k = (x1 - x0) / (layers.product_box[2] - layers.product_box[0])
    size = (round(layers.foreground.width * k), round(layers.foreground.height * k))
    foreground = layers.foreground.resize(size, Image.Resampling.LANCZOS)
    offset_x = (layers.canvas_size[0] - width) / 2 + x0 - layers.product_box[0] * k
    offset_y = (layers.canvas_size[1] - height) / 2 + y0 - layers.product_box[1] * k
    canvas.paste(foreground, (round(offset_x), round(offset_y)), foreground)
    return canvas


def single_resize(canvas: Image.Image, pose, width: int, height: int) -> np.ndarray:
    """The baseline frame: one float-box bicubic resize of the flattened canvas (the previous render_view)."""
    box = _view_box(canvas.width, canvas.height, pose[0], width, height)  # the backdrop pose
    return np.asarray(canvas.resize((width, height), Image.Resampling.BICUBIC, box=box))


def run(draw, stage, poses, width, height) -> tuple[float, list[np.ndarray]]:
    started = time.perf_counter()
    frames = [draw(stage, pose, width, height) for pose in poses]
    return time.perf_counter() - started, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="540x960, 30 frames, 1 round")
    args = parser.parse_args()
    width, height, count, rounds = (540, 960, 30, 1) if args.quick else (1080, 1920, 90, 3)

    with Image.open(PHOTO) as opened:
        photo = np.asarray(opened.convert("RGB"))
    request = ShotRequest(
        width=width,
        height=height,
        fps=30,
        num_frames=count,
        image_path=str(PHOTO),
        parameters={"brand_colours": ["#1d3557", "#f1faee", "#e63946"]},
    )
    results = {}
    for camera in ("orbit", "ken_burns"):
        poses_at = camera_path(camera)
        raw = [poses_at(i / (count - 1)) for i in range(count)]
        layers, fit, _ = shot_layers(photo, request, raw)
        poses = fit.poses
        canvas = flat_canvas(layers, width, height)

        def layered(stage, pose, w, h, layers=layers):
            return render_frame(layers, pose[0], pose[1], w, h)

        ours_times, base_times = [], []
        for _ in range(rounds):  # interleaved, so drift on a noisy machine hits both alike
            base_seconds, base_frames = run(single_resize, canvas, poses, width, height)
            ours_seconds, ours_frames = run(layered, None, poses, width, height)
            base_times.append(base_seconds)
            ours_times.append(ours_seconds)
        difference = float(
            np.mean([np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() for a, b in zip(ours_frames, base_frames)])
        )
        results[camera] = (statistics.median(base_times), statistics.median(ours_times), difference)

    print(f"motion engine frames, {width}x{height}, {count} frames, median of {rounds}")
    print(f"{'camera':<11}{'method':<40}{'total s':>9}{'ms/frame':>10}")
    for camera, (base, ours, _difference) in results.items():
        print(f"{camera:<11}{'baseline: one resize of a flat canvas':<40}{base:>9.2f}{1000 * base / count:>10.1f}")
        print(f"{camera:<11}{'ours: two layers, resize + alpha paste':<40}{ours:>9.2f}{1000 * ours / count:>10.1f}")
    print(f"ken_burns (layers together) mean |difference| between outputs: {results['ken_burns'][2]:.2f} grey levels")
    base, ours, _ = results["orbit"]
    print(
        f"motion ratio={base / ours:.2f} camera=orbit size={width}x{height} frames={count} "
        f"ms_per_frame={1000 * ours / count:.1f} baseline_ms_per_frame={1000 * base / count:.1f} "
        f"ken_burns_mean_abs_diff={results['ken_burns'][2]:.2f}"
    )


if __name__ == "__main__":
    main()
