"""Talking-head engine frame cost: the head-region warp against the same animation warped over the whole frame.

The shot: the demo portrait (catalog/demo_photos/astronaut-portrait-print.jpg, chest framing) speaking a ~6 s
script synthesised by espeak-ng (`speech_synthesize`, VoiceSpec(engine="espeak", language="en")), written with
Speech.wav_write and passed with the phonemes of Speech.timings_json, exactly as a shot task calls the engine;
30 fps, 9:16 at 540x960 and 1080x1920. Each timing is the whole shot through `TalkingHeadEngine.generate`
(face detection, mouth track, framing, animator set-up) plus consuming every frame of the FrameStream it returns.
Ours: the engine as it is (AvatarAnimator remaps only the head region and copies it into the still frame).
Baseline: the same engine with the animator's grids, weights and windows embedded in whole-frame arrays, so every
frame is one remap of the whole frame — the same displacement field (zero outside the head region), so the same
pictures: the script checks both give identical frames. Rounds interleaved, medians. Ratio = our frames/s /
baseline frames/s (above 1: ours faster); realtime = our frames/s / 30 (at least 1 keeps up with the video).
Peak memory: a separate, untimed pass of each at each size under tracemalloc (numpy and OpenCV output arrays),
against the bytes of the whole shot held as one array; maxrss is the process's high-water mark (all of it:
interpreter, Django, OpenCV) right after our pass, before the baseline's.

Usage: python bench/talking_head.py [--quick] [--framing chest]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")

PHOTO = ROOT / "catalog" / "demo_photos" / "astronaut-portrait-print.jpg"
SCRIPT = "Meet the astronaut print: museum-grade paper, archival inks, and a frame made by hand. It ships today."
FPS = 30
SEED = 11


def speech_files(workdir: Path) -> tuple[str, list, float]:
    """The script spoken by espeak-ng: the WAV path, the phoneme rows and the duration in seconds."""
    from generation.presenter.speech import VoiceSpec
    from generation.presenter.tts import speech_synthesize

    speech = speech_synthesize(text=SCRIPT, voice=VoiceSpec(engine="espeak", language="en"))
    path = workdir / "speech.wav"
    speech.wav_write(path)
    return str(path), speech.timings_json()["phonemes"], speech.duration


def full_frame_animator_class():
    """AvatarAnimator with its head-region arrays embedded in whole-frame ones: one remap of the whole frame."""
    from generation.presenter.animate import AvatarAnimator

    class FullFrameAnimator(AvatarAnimator):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            height, width = self.framed.image.shape[:2]
            x0, y0, x1, y1 = self.roi

            def embed(region: np.ndarray) -> np.ndarray:
                full = np.zeros((height, width), np.float32)  # zero displacement outside the head region
                full[y0:y1, x0:x1] = region
                return full

            def shift(window: tuple[slice, slice]) -> tuple[slice, slice]:
                rows, cols = window
                return slice(rows.start + y0, rows.stop + y0), slice(cols.start + x0, cols.stop + x0)

            self.weight, self.rotate_x, self.rotate_y = embed(self.weight), embed(self.rotate_x), embed(self.rotate_y)
            self.grid_x, self.grid_y = np.meshgrid(
                np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
            )
            self.mouth_window = shift(self.mouth_window)
            self.eyes = [(eye_x, eye_y, shift(window)) for eye_x, eye_y, window in self.eyes]
            self.roi = (0, 0, width, height)

    return FullFrameAnimator


@contextmanager
def animator(kind: str):
    """Run the engine with our animator or the whole-frame baseline in its place."""
    from generation.engines import talking_head

    original = talking_head.AvatarAnimator
    if kind == "baseline":
        talking_head.AvatarAnimator = full_frame_animator_class()
    try:
        yield
    finally:
        talking_head.AvatarAnimator = original


def request_for(size: tuple[int, int], speech: tuple[str, list, float], framing: str):
    from generation.engines.base import ShotRequest

    path, phonemes, duration = speech
    return ShotRequest(
        width=size[0],
        height=size[1],
        fps=FPS,
        num_frames=math.ceil(duration * FPS),
        image_path=str(PHOTO),
        seed=SEED,
        parameters={"speech_wav": path, "phonemes": phonemes, "speech_offset": 0.0, "framing": framing},
    )


def roi_share(request) -> tuple[str, float]:
    """The head region our animator remaps, as WxH and as a share of the frame."""
    from generation.presenter.animate import AvatarAnimator

    captured = {}
    original = AvatarAnimator.__init__

    def spy(self, **kwargs):
        original(self, **kwargs)
        captured["roi"] = self.roi

    AvatarAnimator.__init__ = spy
    try:
        shot("ours", request, stop_after=1)
    finally:
        AvatarAnimator.__init__ = original
    x0, y0, x1, y1 = captured["roi"]
    return f"{x1 - x0}x{y1 - y0}", (x1 - x0) * (y1 - y0) / (request.width * request.height)


def shot(
    kind: str, request, *, keep: int = 0, stop_after: int | None = None
) -> tuple[float, float, int, dict, list[np.ndarray]]:
    """(set-up s, frames s, frames made, metadata, the first `keep` frames copied) for one whole shot."""
    from generation.engines.talking_head import TalkingHeadEngine

    kept: list[np.ndarray] = []
    with animator(kind):
        started = time.perf_counter()
        result = TalkingHeadEngine().generate(request)
        ready = time.perf_counter()
        made = 0
        for frame in result.frames:
            if made < keep:
                kept.append(frame.copy())
            made += 1
            if made == stop_after:
                break
        done = time.perf_counter()
    return ready - started, done - ready, made, result.metadata, kept


def peak_memory(kind: str, request) -> tuple[int, int]:
    """(tracemalloc peak bytes, process maxrss bytes after it) over one whole shot, frames consumed and dropped."""
    tracemalloc.start()
    try:
        shot(kind, request)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="540x960 only, 1 round")
    parser.add_argument("--framing", default="chest", help="head, chest (default) or wide")
    args = parser.parse_args()
    sizes, rounds = ([(540, 960)], 1) if args.quick else ([(540, 960), (1080, 1920)], 3)

    import django

    django.setup()
    with tempfile.TemporaryDirectory(prefix="bench-talking-head-") as tmp:
        speech = speech_files(Path(tmp))
        results = {}
        for size in sizes:
            request = request_for(size, speech, args.framing)
            # Memory first, largest allocations of the process so far: maxrss growth means something.
            memory = {kind: peak_memory(kind, request) for kind in ("ours", "baseline")}
            # Same pictures? The first second of frames from each.
            _, _, _, metadata, ours_frames = shot("ours", request, keep=FPS)
            _, _, _, _, base_frames = shot("baseline", request, keep=FPS)
            difference = max(
                int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max()) for a, b in zip(ours_frames, base_frames)
            )
            del ours_frames, base_frames
            times = {"ours": [], "baseline": []}
            for _ in range(rounds):  # interleaved, so drift on a noisy machine hits both alike
                for kind in ("baseline", "ours"):
                    setup, frames, made, _, _ = shot(kind, request)
                    assert made == request.num_frames, (made, request.num_frames)
                    times[kind].append((setup, frames))
            medians = {
                kind: (
                    statistics.median(s for s, _ in rows),
                    statistics.median(f for _, f in rows),
                    statistics.median(s + f for s, f in rows),
                )
                for kind, rows in times.items()
            }
            results[size] = (request.num_frames, medians, memory, difference, metadata, roi_share(request))

    count = next(iter(results.values()))[0]
    print(
        f"talking_head: {speech[2]:.2f} s espeak-ng speech, {count} frames @ {FPS} fps, {args.framing} framing, "
        f"median of {rounds}, {os.cpu_count()} cpus"
    )
    print(
        f"{'size':<11}{'method':<34}{'setup s':>9}{'frames s':>10}{'total s':>9}{'frames/s':>10}"
        f"{'x realtime':>12}{'peak MB':>9}{'maxrss MB':>11}"
    )
    for size, (frames, medians, memory, difference, metadata, (roi, share)) in results.items():
        label = f"{size[0]}x{size[1]}"
        for kind, name in (("baseline", "baseline: whole-frame remap"), ("ours", "ours: head-region remap")):
            setup, made, total = medians[kind]
            peak, rss = memory[kind]
            rss_text = f"{rss / 2**20:.0f}" if kind == "ours" else "-"
            print(
                f"{label:<11}{name:<34}{setup:>9.2f}{made:>10.2f}{total:>9.2f}{frames / total:>10.1f}"
                f"{frames / total / FPS:>12.2f}{peak / 2**20:>9.0f}{rss_text:>11}"
            )
        whole = frames * size[0] * size[1] * 3
        print(
            f"{label:<11}head region {roi} = {100 * share:.0f}% of the frame; whole shot as one array: "
            f"{whole / 2**20:.0f} MB; max |ours - baseline| over the first "
            f"{FPS} frames: {difference} grey levels; blinks {metadata['blinks']}, "
            f"speech frames {metadata['speech_frames']}"
        )
    size = sizes[-1]
    frames, medians, memory, difference, _, (_, share) = results[size]
    ours, base = medians["ours"][2], medians["baseline"][2]
    print(
        f"talking_head ratio={base / ours:.2f} realtime={frames / ours / FPS:.2f} size={size[0]}x{size[1]} "
        f"frames={frames} ours_fps={frames / ours:.1f} baseline_fps={frames / base:.1f} "
        f"ours_frame_ms={1000 * medians['ours'][1] / frames:.1f} "
        f"baseline_frame_ms={1000 * medians['baseline'][1] / frames:.1f} "
        f"peak_mb={memory['ours'][0] / 2**20:.0f} whole_shot_mb={frames * size[0] * size[1] * 3 / 2**20:.0f} "
        f"maxrss_mb={memory['ours'][1] / 2**20:.0f} roi_share={share:.2f} framing={args.framing} "
        f"max_diff={difference}"
    )


if __name__ == "__main__":
    main()
