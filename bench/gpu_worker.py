"""How busy a GPU worker keeps its GPU: shots per hour, in line against overlapped, against the limits.

A stand-in engine holds "the GPU" (a semaphore) for a fixed time per shot, as denoising would, and hands back
a DiT shot's delivery plan: native frames with motion in them (a textured picture drifting, so the optical flow
has real work), at a model's size and frame rate. Then the REAL post-processing runs on it
(generation/delivery_encode.py: optical-flow retime to 30 fps, upscale and fit, H.264 encode to a file):

- sequential: the worker as written before: GPU, then the delivery in line, then the next shot;
- overlapped: the GPU worker hands each delivery to a DeliveryPool (generation/delivery_pool.py) and takes the
  next shot at once (bounded in-flight count, drained at the end).

The limits, measured in the same run: GPU-bound = 3600 / (the stand-in's seconds per shot); CPU-bound = the
pool's own throughput with deliveries submitted back to back and no GPU at all. The binding limit is the lower
of the two (no schedule beats either); ratio = achieved / binding limit, target >= 0.9. The CPU-bound phase runs
first and last and its mean is the limit: on a shared machine the load drifts during a run. With --gpu-seconds auto
(the default) the stand-in holds the GPU as long as one delivery takes in the CPU-bound phase: both limits equal,
the case where overlap matters most (in line, each shot waits for both).

    python bench/gpu_worker.py            # 5 s shots: 448x800 (LTX at 9:16) x121 at 24 fps -> 1080x1920 at 30 fps
    python bench/gpu_worker.py --quick    # 1 s shots: 256x448 native 25 frames -> 540x960 at 30 fps

Importable without Django (numpy, OpenCV, imageio-ffmpeg; torch only with --device cuda), so it also runs on a
lent GPU machine: there use --device auto --encoder auto for the torch upscale and NVENC.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generation.delivery_encode import delivery_encode, encoder_pick
from generation.delivery_pool import DeliveryPool
from generation.engines.dit.delivery import DeliveryPlan

FULL = {"native": (121, 448, 800), "src_fps": 24, "out": (150, 1080, 1920), "shots": 4}  # (frames, w, h)
QUICK = {"native": (25, 256, 448), "src_fps": 24, "out": (30, 540, 960), "shots": 8}


class StandInEngine:
    """Holds the one GPU for gpu_seconds per shot, then returns the shot's delivery plan."""

    def __init__(self, *, gpu_seconds: float, native: np.ndarray, src_fps: int, out: tuple[int, int, int]):
        self.gpu = threading.Semaphore(1)
        self.gpu_seconds, self.native, self.src_fps, self.out = gpu_seconds, native, src_fps, out
        self.busy_seconds = 0.0

    def generate(self) -> DeliveryPlan:
        with self.gpu:
            started = time.monotonic()
            time.sleep(self.gpu_seconds)
            self.busy_seconds += time.monotonic() - started
        count, width, height = self.out
        return DeliveryPlan(
            native=self.native, src_fps=self.src_fps, dst_fps=30, count=count, width=width, height=height
        )


def native_frames(count: int, width: int, height: int) -> np.ndarray:
    """A textured picture drifting diagonally, a pixel a frame: optical flow finds real motion everywhere."""
    rng = np.random.default_rng(7)
    texture = rng.integers(0, 256, (height // 8 + count, width // 8 + count, 3), dtype=np.uint8)
    texture = np.kron(texture, np.ones((8, 8, 1), dtype=np.uint8))  # 8 px blocks: structure the flow can follow
    return np.stack([texture[i : i + height, i : i + width] for i in range(count)])


def steady_rate(finished: list[float], skip: int) -> float:
    """Shots per hour between the completion of shot `skip` and the last one: the pipeline's steady state, without
    its fill (the first shots of a phase wait for nothing, or for one another, in ways no later shot does)."""
    finished = sorted(finished)
    return 3600 * (len(finished) - skip) / (finished[-1] - finished[skip - 1])


def run_sequential(engine: StandInEngine, shots: int, folder: str, **encode) -> tuple[float, list[float]]:
    started, finished = time.monotonic(), []
    for index in range(shots):
        plan = engine.generate()
        delivery_encode(plan, f"{folder}/seq-{index}.mp4", **encode)
        finished.append(time.monotonic())
    return finished[-1] - started, finished


def run_pooled(engine: StandInEngine | None, pool: DeliveryPool, shots: int, folder: str, plan, **encode):
    """Overlapped when given an engine; with None, deliveries back to back: the CPU-bound limit."""
    errors: list[BaseException] = []
    finished: list[float] = []
    peak = 0

    def done(result, error):
        finished.append(time.monotonic())
        if error is not None:
            errors.append(error)

    started = time.monotonic()
    for index in range(shots):
        shot_plan = engine.generate() if engine is not None else plan
        pool.submit(delivery_encode, shot_plan, f"{folder}/pool-{index}.mp4", on_done=done, **encode)
        peak = max(peak, pool.in_flight())
    pool.drain()
    if errors:
        raise errors[0]
    return time.monotonic() - started, finished, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--shots", type=int, help="shots per phase (more than --workers)")
    parser.add_argument("--gpu-seconds", default="auto", help="the stand-in's GPU time per shot, or auto")
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1), help="delivery processes")
    parser.add_argument("--device", default="cpu", help="where the upscale runs: cpu, cuda, or auto")
    parser.add_argument("--encoder", default="libx264", help="libx264, h264_nvenc, or auto")
    args = parser.parse_args()
    shape = QUICK if args.quick else FULL
    shots = max(args.shots or shape["shots"], args.workers + 2)
    device = args.device
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    encode = {"encoder": encoder_pick(args.encoder), "device": device}
    native = native_frames(*shape["native"])
    count, width, height = shape["out"]
    plan = DeliveryPlan(native=native, src_fps=shape["src_fps"], dst_fps=30, count=count, width=width, height=height)
    bound = args.workers + 1

    pool = DeliveryPool(workers=args.workers, max_in_flight=bound)
    with tempfile.TemporaryDirectory(prefix="gpu-worker-bench-") as folder:
        try:
            # Warm-up: the pool's processes start and import numpy/OpenCV before anything is timed.
            run_pooled(None, pool, args.workers, folder, plan, **encode)
            cpu_wall, cpu_done, _ = run_pooled(None, pool, shots, folder, plan, **encode)
            cpu_limit = steady_rate(cpu_done, skip=args.workers)
            gpu_seconds = 3600 / cpu_limit if args.gpu_seconds == "auto" else float(args.gpu_seconds)
            engine = StandInEngine(gpu_seconds=gpu_seconds, native=native, src_fps=shape["src_fps"], out=shape["out"])
            gpu_limit = 3600 / gpu_seconds
            seq_wall, seq_done = run_sequential(engine, shots, folder, **encode)
            seq_busy, engine.busy_seconds = engine.busy_seconds, 0.0
            ovl_wall, ovl_done, peak = run_pooled(engine, pool, shots, folder, None, **encode)
            ovl_busy = engine.busy_seconds
            # Again at the end: the machine's load drifts (other sessions), so the limit is the mean of both.
            _, cpu_done_after, _ = run_pooled(None, pool, shots, folder, plan, **encode)
            cpu_limit_after = steady_rate(cpu_done_after, skip=args.workers)
        finally:
            pool.shutdown()
    cpu_limit_before, cpu_limit = cpu_limit, (cpu_limit + cpu_limit_after) / 2
    limit = min(gpu_limit, cpu_limit)
    # The overlapped phase submits one shot at a time, so its pipeline is full at the first completion; the CPU-bound
    # phase submits all at once, and the pool's first round completes together.
    seq_rate, ovl_rate = steady_rate(seq_done, skip=1), steady_rate(ovl_done, skip=1)

    print(f"{shots} shots a phase, native {shape['native'][1]}x{shape['native'][2]} x{shape['native'][0]} at "
          f"{shape['src_fps']} fps -> {width}x{height} x{count} at 30 fps; {args.workers} delivery processes, "
          f"encoder {encode['encoder']}, upscale on {device}, {os.cpu_count()} cores")  # fmt: skip
    print(
        "shots/hour: steady state, from the first completion (the pool's first round for the CPU-bound phase) to the last"
    )
    print(f"{'phase':<34}{'wall s':>9}{'shots/hour':>12}{'GPU busy':>10}{'/ limit':>9}")
    print(f"{'GPU-bound limit (stand-in alone)':<34}{gpu_seconds * shots:>9.1f}{gpu_limit:>12.0f}{'100%':>10}{'':>9}")
    print(f"{'CPU-bound limit (pool, no GPU)':<34}{cpu_wall:>9.1f}{cpu_limit:>12.0f}{'0%':>10}{'':>9}")
    print(f"{'  measured before / after':<34}{'':>9}{f'{cpu_limit_before:.0f} / {cpu_limit_after:.0f}':>12}")
    phases = (
        ("sequential (in line)", seq_wall, seq_rate, seq_busy),
        ("overlapped (pool)", ovl_wall, ovl_rate, ovl_busy),
    )
    for name, wall, rate, busy in phases:
        print(f"{name:<34}{wall:>9.1f}{rate:>12.0f}{busy / wall:>10.0%}{rate / limit:>9.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak in flight {peak} (bound {bound}); maxrss worker {rss:.0f} MB, largest child {children:.0f} MB")
    print(
        f"gpu_worker ratio={ovl_rate / limit:.2f} shots_per_hour={ovl_rate:.0f} sequential_ratio={seq_rate / limit:.2f} "
        f"sequential_shots_per_hour={seq_rate:.0f} gpu_limit={gpu_limit:.0f} cpu_limit={cpu_limit:.0f} "
        f"cpu_limit_before={cpu_limit_before:.0f} cpu_limit_after={cpu_limit_after:.0f} "
        f"gpu_seconds={gpu_seconds:.2f} workers={args.workers} device={device} encoder={encode['encoder']}"
    )


if __name__ == "__main__":
    main()
