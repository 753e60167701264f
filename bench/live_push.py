"""CPU seconds per second of pushed stream: our push path (shop_video/live/push/pusher.py: one encoder fed raw
frames and samples by a decoder per product segment) against a bare `ffmpeg -re` push of the same pre-rendered
segments with the same encoder settings (concat demuxer, one process), at 540x960 and 1080x1920, into a local
RTMP server (nginx-rtmp, tests/rtmp_server.py) or, without nginx, into a null FLV sink.

Each run is a child process; its CPU (user + system, its own children included) comes from getrusage of the
children, so the pusher's Python threads count as well as its ffmpeg processes. The segments are cut by the live
rooms' own cutter (shop_video/live/segments.py) from a test pattern with a tone.

    python bench/live_push.py [--quick]

Last line: live_push ratio=<ours/bare at 540> cpu_per_s_540=... cpu_per_s_1080=... rooms_per_core=...
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import imageio_ffmpeg  # noqa: E402

from shop_video.live import segments  # noqa: E402
from shop_video.live.push import encoder  # noqa: E402

FPS = 30
SAMPLE_RATE = 48000
SIZES = {"540": (540, 960), "1080": (1080, 1920)}
PRODUCTS = 2
# A product's segment: live rooms' presenter segments last 10-30 s; the decoders are started once per segment,
# so shorter ones (--quick) overstate their start-up.
PRODUCT_SECONDS = 10.0
QUICK_PRODUCT_SECONDS = 2.2

# The child that runs our push for `seconds` of stream (argv: JSON of its settings).
PUSH_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from shop_video.live.push import encoder, pusher
args = json.loads(sys.argv[1])
fmt = encoder.StreamFormat(width=args["width"], height=args["height"], fps=args["fps"], sample_rate=args["rate"])
slots = [pusher.Slot(n, n, tuple(Path(p) for p in chunks), seconds) for n, (chunks, seconds) in enumerate(args["slots"])]
turn = {{"n": 0}}
def next_slot():
    slot = slots[turn["n"] % len(slots)]
    turn["n"] += 1
    return slot
stats = pusher.push_loop(
    fmt=fmt, target=args["target"], next_slot=next_slot, on_slot_started=lambda slot: None,
    keep_going=lambda stats: stats.seconds_on_air < args["seconds"], heartbeat=lambda stats, state: None,
    heartbeat_seconds=0.5, backoff=pusher.Backoff(maximum=1.0), realtime=True,
)
own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"seconds": stats.seconds_on_air, "reconnects": stats.reconnects, "error": stats.last_error,
                  "python_cpu": own.ru_utime + own.ru_stime, "ffmpeg_cpu": kids.ru_utime + kids.ru_stime}}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measured(command: list[str], timeout: float) -> tuple[float, float, str]:
    """(CPU seconds of the child and its descendants, wall seconds, stdout)."""
    before, started = _children_cpu(), time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if completed.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {completed.stderr[-1500:]}")
    return _children_cpu() - before, time.monotonic() - started, completed.stdout


def _segments_make(folder: Path, width: int, height: int, length: float) -> list[tuple[list[str], float]]:
    made = []
    for number in range(PRODUCTS):
        source = folder / f"product-{number}.mp4"
        video = f"testsrc2=s={width}x{height}:r={FPS}:d={length}"
        audio = f"sine=f={440 + 110 * number}:r={SAMPLE_RATE}:d={length}"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i"]
            + [audio, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(source)],
            check=True,
            timeout=300,
        )
        dest = folder / f"segment-{number}"
        chunks = segments.hls_chunks_cut(source=source, dest=dest, chunk_seconds=2, fps=FPS, x264_preset="ultrafast")
        made.append(([str(dest / name) for name, _ in chunks], sum(seconds for _, seconds in chunks)))
    return made


def _bare_command(fmt: encoder.StreamFormat, made, seconds: float, folder: Path, target: str) -> list[str]:
    """The push's own encoder settings, but reading the chunks itself with -re (concat demuxer), in one ffmpeg."""
    listing = folder / "concat.txt"
    rounds = int(seconds // sum(length for _, length in made)) + 2
    listing.write_text("".join(f"file '{path}'\n" for _ in range(rounds) for chunks, _ in made for path in chunks))
    command = encoder.encoder_command(fmt, target=target, audio_fd=0, realtime=False)
    # Replace the two raw inputs (stdin video, pipe audio) with the concat input, keep everything else.
    head, tail = command[: command.index("-f")], command[command.index("-map") :]
    tail[tail.index("0:v")], tail[tail.index("1:a")] = "0:v:0", "0:a:0"
    for option in ("-progress", "-stats_period"):  # progress lines only our pusher reads
        at = tail.index(option)
        del tail[at : at + 2]
    return head + ["-re", "-f", "concat", "-safe", "0", "-i", str(listing), "-t", str(seconds)] + tail


def _target_open(folder: Path):
    """(RTMP URL base or None, server to stop): nginx-rtmp when it is installed."""
    try:
        from tests.rtmp_server import RtmpServer, nginx_missing_reason
    except ImportError:
        return None, None
    if nginx_missing_reason():
        return None, None
    server = RtmpServer(folder / "rtmp")
    server.start()
    return server.url, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 s of stream per run (2.2 s products), not 30 s")
    options = parser.parse_args()
    seconds = 4.0 if options.quick else 30.0
    length = QUICK_PRODUCT_SECONDS if options.quick else PRODUCT_SECONDS
    rows, figures, split = [], {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-live-push-") as tmp:
        folder = Path(tmp)
        rtmp, server = _target_open(folder)
        sink = "nginx-rtmp on the loopback" if rtmp else "null FLV sink (/dev/null; nginx-rtmp not installed)"
        try:
            for label, (width, height) in SIZES.items():
                work = folder / label
                work.mkdir()
                made = _segments_make(work, width, height, length)
                fmt = encoder.StreamFormat(width=width, height=height, fps=FPS, sample_rate=SAMPLE_RATE)
                ours_target = f"{rtmp}/ours{label}" if rtmp else "/dev/null"
                bare_target = f"{rtmp}/bare{label}" if rtmp else "/dev/null"
                bare_cpu, bare_wall, _ = _measured(_bare_command(fmt, made, seconds, work, bare_target), 600)
                settings = {"width": width, "height": height, "fps": FPS, "rate": SAMPLE_RATE, "seconds": seconds}
                settings |= {"slots": made, "target": ours_target}
                child = [sys.executable, "-c", PUSH_CHILD.format(root=str(ROOT)), json.dumps(settings)]
                ours_cpu, ours_wall, out = _measured(child, 600)
                pushed = json.loads(out.strip().splitlines()[-1])
                if pushed["reconnects"]:
                    raise RuntimeError(f"our push reconnected {pushed['reconnects']} times: {pushed['error']}")
                ours = ours_cpu / pushed["seconds"]
                bare = bare_cpu / seconds
                figures[label] = (ours, bare)
                rows.append((f"{width}x{height}", "bare ffmpeg -re", seconds, bare_wall, bare_cpu, bare))
                rows.append((f"{width}x{height}", "our push", pushed["seconds"], ours_wall, ours_cpu, ours))
                # Where ours goes: the pusher's Python (start-up, frame copying threads) and its ffmpegs.
                split[label] = (pushed["python_cpu"] / pushed["seconds"], pushed["ffmpeg_cpu"] / pushed["seconds"])
        finally:
            if server:
                server.stop()
    print(f"target: {sink}; {PRODUCTS} products of {length} s in rotation, {FPS} fps, AAC {SAMPLE_RATE} Hz")
    print(f"{'size':<10} {'path':<16} {'stream s':>9} {'wall s':>7} {'cpu s':>7} {'cpu/s':>7}")
    for size, path, stream, wall, cpu, per in rows:
        print(f"{size:<10} {path:<16} {stream:>9.1f} {wall:>7.1f} {cpu:>7.2f} {per:>7.3f}")
    for label, (python_cpu, ffmpeg_cpu) in split.items():
        print(
            f"our push at {label}: python {python_cpu:.3f} cpu/s, ffmpeg (encoder + segment decoders) {ffmpeg_cpu:.3f}"
        )
    ours540, bare540 = figures["540"]
    ours1080, bare1080 = figures["1080"]
    print(f"ratio at 1080x1920: {ours1080 / bare1080:.2f}")
    print(
        f"live_push ratio={ours540 / bare540:.2f} cpu_per_s_540={ours540:.3f} cpu_per_s_1080={ours1080:.3f} "
        f"rooms_per_core={1 / ours540:.1f}"
    )


if __name__ == "__main__":
    main()
