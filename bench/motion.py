"""Motion engine frame cost: our float-box resize against the plain affine transform baseline.

Both draw the same camera path over the same canvas (a real demo photo); the ratio is baseline time / ours,
so above 1 means ours is faster. Also reports how far apart the two outputs are (mean absolute difference in
grey levels) to show the fast path draws the same picture. Usage: python bench/motion.py [--quick]
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

from generation.engines.motion import (  # noqa: E402
    _CAMERA_MOVES, _move, build_canvas, ease_in_out, render_view)

PHOTO = ROOT / "catalog" / "demo_photos" / "espresso-cup.jpg"


def affine_view(canvas: Image.Image, pose, width: int, height: int) -> np.ndarray:
    """The baseline: the same crop as an AFFINE transform (output pixel -> canvas coordinates)."""
    view_w, view_h = width / pose.zoom, height / pose.zoom
    left = canvas.width / 2 + pose.dx * width - view_w / 2
    top = canvas.height / 2 + pose.dy * height - view_h / 2
    scale = 1 / pose.zoom
    # Map output pixel centres to canvas pixel centres, as resize(box=...) does.
    coefficients = (scale, 0, left + 0.5 * scale - 0.5, 0, scale, top + 0.5 * scale - 0.5)
    return np.asarray(canvas.transform((width, height), Image.Transform.AFFINE, coefficients,
                                       Image.Resampling.BICUBIC))


def run(draw, canvas, poses, width, height) -> tuple[float, list[np.ndarray]]:
    started = time.perf_counter()
    frames = [draw(canvas, pose, width, height) for pose in poses]
    return time.perf_counter() - started, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="540x960, 30 frames, 1 round")
    args = parser.parse_args()
    width, height, frames, rounds = (540, 960, 30, 1) if args.quick else (1080, 1920, 90, 3)

    with Image.open(PHOTO) as photo:
        canvas = build_canvas(photo.convert("RGB"), width, height)
    pose_at = _move(*_CAMERA_MOVES["ken_burns"])
    poses = [pose_at(ease_in_out(i / (frames - 1))) for i in range(frames)]

    ours_times, base_times = [], []
    for _ in range(rounds):  # interleaved, so drift on a noisy machine hits both alike
        base_seconds, base_frames = run(affine_view, canvas, poses, width, height)
        ours_seconds, ours_frames = run(render_view, canvas, poses, width, height)
        base_times.append(base_seconds)
        ours_times.append(ours_seconds)
    difference = float(np.mean([np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()
                                for a, b in zip(ours_frames, base_frames)]))
    ours, base = statistics.median(ours_times), statistics.median(base_times)

    print(f"motion engine frames, {width}x{height}, {frames} frames, ken_burns, median of {rounds}")
    print(f"{'method':<34}{'total s':>10}{'ms/frame':>10}")
    print(f"{'baseline: transform(AFFINE)':<34}{base:>10.2f}{1000 * base / frames:>10.1f}")
    print(f"{'ours: resize(box=float window)':<34}{ours:>10.2f}{1000 * ours / frames:>10.1f}")
    print(f"mean |difference| between outputs: {difference:.2f} grey levels")
    print(f"motion ratio={base / ours:.2f} size={width}x{height} frames={frames} ms_per_frame={1000 * ours / frames:.1f} "
          f"baseline_ms_per_frame={1000 * base / frames:.1f} mean_abs_diff={difference:.2f}")


if __name__ == "__main__":
    main()
