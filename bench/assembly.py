"""Assembly cost: our renderer (moviepy 2 + the compositor) against a hand-written ffmpeg filtergraph.

The clip: 15 s of 1080x1920 at 30 fps, four product shots and a price card joined by 0.5 s transitions (push,
zoom, wipe in the brand colour, crossfade), the card's parts entering one by one (text rising line by line, the
price landing, the badge popping, the strike drawn), the logo as a watermark over the shots, three burned-in
captions and a music bed with fades. Baseline: one ffmpeg command doing the same with xfade (slideleft, zoomin,
wiperight, fade) / overlay / afade from the same inputs (the card background, each of the card's parts, logo and
captions as the PNGs our card drawer makes, since ffmpeg cannot draw them; each part fades in and rises on the
same schedule, a scale or a strike drawn as that fade), the same x264 preset and CRF, the same output options.
Both outputs are checked for frame count and size. Ratio = ours / ffmpeg wall time (1.0: as fast as ffmpeg; the target
is at most 1.5), and realtime = clip length / our wall time (target at least 2).

Usage: python bench/assembly.py [--quick] [--preset veryfast] [--crf 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generation.assembly import cards, overlays  # noqa: E402
from generation.assembly.captions import Cue  # noqa: E402
from generation.assembly.clipio import BT709_FFMPEG_PARAMS, write_clip  # noqa: E402
from generation.assembly.frame_sources import ENTRANCE_RISE, PART_SECONDS, PART_STAGGER  # noqa: E402
from generation.assembly.render import render_timeline  # noqa: E402
from generation.assembly.timeline import (  # noqa: E402
    Music,
    PriceCard,
    Segment,
    ShotClip,
    Style,
    Timeline,
    Transition,
)

PHOTO = ROOT / "catalog" / "demo_photos" / "espresso-cup.jpg"
FONT = ROOT / "generation" / "assembly" / "fonts" / "DejaVuSans-Bold.ttf"
FPS = 30
SHOT_SECONDS, CARD_SECONDS, FADE = 3.5, 3.0, 0.5
CAPTIONS = (
    ("A cup for slow mornings", 0.0, 6.0),
    ("Double-walled glass keeps it hot", 6.0, 12.0),
    ("Now 20% off", 12.0, 15.0),
)
CARD = PriceCard(price="$24.00", compare_at="$30.00", discount="-20%", headline="Now on sale")
# Each transition and the xfade that stands for it in the baseline.
TRANSITIONS = (("push", "slideleft"), ("zoom", "zoomin"), ("wipe", "wiperight"), ("crossfade", "fade"))


def make_inputs(workdir: Path, size: tuple[int, int]) -> dict:
    """Four shots (slow zooms over the demo photo), a logo PNG and 15 s of music."""
    width, height = size
    photo = np.asarray(Image.open(PHOTO).convert("RGB"))
    scale = max(width / photo.shape[1], height / photo.shape[0]) * 1.25
    base = cv2.resize(
        photo, (round(photo.shape[1] * scale), round(photo.shape[0] * scale)), interpolation=cv2.INTER_CUBIC
    )
    shots = []
    for index in range(4):
        frames = []
        for frame in range(round(SHOT_SECONDS * FPS)):
            zoom = 1.0 + 0.15 * frame / (SHOT_SECONDS * FPS)
            matrix = cv2.getRotationMatrix2D((base.shape[1] / 2, base.shape[0] / 2), index * 2.0, zoom)
            matrix[:, 2] += ((width - base.shape[1]) / 2, (height - base.shape[0]) / 2)
            frames.append(cv2.warpAffine(base, matrix, (width, height), flags=cv2.INTER_LINEAR))
        path = workdir / f"shot{index}.mp4"
        write_clip(np.stack(frames), FPS, path)
        shots.append(path)
    logo = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    logo.paste((228, 87, 46, 255), (0, 0, 400, 160))
    logo.paste((255, 255, 255, 255), (30, 30, 370, 130))
    logo_path = workdir / "logo.png"
    logo.save(logo_path)
    music_path = workdir / "music.wav"
    rate, seconds = 44100, 15
    t = np.arange(rate * seconds) / rate
    tone = 0.2 * (np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 330 * t))
    with wave.open(str(music_path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.repeat(tone[:, None], 2, axis=1) * 32767).astype("<i2").tobytes())
    return {"shots": shots, "logo": logo_path, "music": music_path}


def our_timeline(inputs: dict, size: tuple[int, int], style: Style) -> Timeline:
    kinds = [Transition(kind, FADE) for kind, _ in TRANSITIONS]
    segments = [
        Segment(ShotClip(str(path)), SHOT_SECONDS, kinds[index - 1] if index else Transition())
        for index, path in enumerate(inputs["shots"])
    ]
    segments.append(Segment(CARD, CARD_SECONDS, kinds[-1]))
    return Timeline(
        width=size[0],
        height=size[1],
        fps=FPS,
        segments=tuple(segments),
        style=style,
        watermark="bottom-right",
        music=Music(str(inputs["music"]), volume=0.8, fade_in=0.5, fade_out=1.0),
        captions=tuple(Cue(start, end, text) for text, start, end in CAPTIONS),
    )


def save_layer(layer: cards.Layer, path: Path) -> tuple[int, int]:
    Image.fromarray(layer.image).save(path)
    return layer.x, layer.y


def ffmpeg_command(
    inputs: dict, size: tuple[int, int], style: Style, workdir: Path, out: Path, preset: str, crf: int
) -> list[str]:
    """The same clip as one hand-written filtergraph."""
    Image.fromarray(cards.card_background(size, style)).save(workdir / "card.png")
    parts = cards.card_parts(CARD, size, style)
    part_at = [save_layer(part.layer, workdir / f"part{i}.png") for i, part in enumerate(parts)]
    logo_x, logo_y = save_layer(overlays.watermark_layer(style, size, "bottom-right"), workdir / "watermark.png")
    caption_at = [
        save_layer(overlays.caption_layer(text, size, style), workdir / f"caption{i}.png")
        for i, (text, _, _) in enumerate(CAPTIONS)
    ]
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y"]
    for shot in inputs["shots"]:
        command += ["-i", str(shot)]
    command += ["-loop", "1", "-framerate", str(FPS), "-t", str(CARD_SECONDS), "-i", str(workdir / "card.png")]
    command += ["-i", str(workdir / "watermark.png")]
    for index in range(len(CAPTIONS)):
        command += ["-i", str(workdir / f"caption{index}.png")]
    first_part = 6 + len(CAPTIONS)
    for index in range(len(parts)):
        command += [
            "-loop",
            "1",
            "-framerate",
            str(FPS),
            "-t",
            str(CARD_SECONDS),
            "-i",
            str(workdir / f"part{index}.png"),
        ]
    command += ["-i", str(inputs["music"])]
    total = 4 * SHOT_SECONDS + CARD_SECONDS - 4 * FADE
    graph = [f"[{i}:v]fps={FPS},format=yuv420p,settb=AVTB[v{i}]" for i in range(4)]
    # The card: its parts fade in and rise (ease out) one after another over the background, as ours enter.
    rise = round(ENTRANCE_RISE * size[1])
    graph.append(f"[4:v]fps={FPS},settb=AVTB[k0]")
    for index, (x, y) in enumerate(part_at):
        delay = index * PART_STAGGER
        graph.append(f"[{first_part + index}:v]format=rgba,fade=t=in:st={delay}:d={PART_SECONDS}:alpha=1[p{index}]")
        graph.append(
            f"[k{index}][p{index}]overlay=x={x}:y='{y}+{rise}*pow(1-clip((t-{delay})/{PART_SECONDS},0,1),3)'"
            f":eval=frame[k{index + 1}]"
        )
    graph.append(f"[k{len(part_at)}]format=yuv420p[v4]")
    previous = "v0"
    for index in range(1, 5):
        offset = index * (SHOT_SECONDS - FADE)
        graph.append(
            f"[{previous}][v{index}]xfade=transition={TRANSITIONS[index - 1][1]}:duration={FADE}"
            f":offset={offset}[x{index}]"
        )
        previous = f"x{index}"
    shots_end = 4 * (SHOT_SECONDS - FADE)
    graph.append(f"[{previous}][5:v]overlay=x={logo_x}:y={logo_y}:enable='lt(t,{shots_end})'[w]")
    previous = "w"
    for index, ((_, start, end), (x, y)) in enumerate(zip(CAPTIONS, caption_at)):
        graph.append(
            f"[{previous}][{6 + index}:v]overlay=x={x}:y={y}:enable='between(t,{start},{end - 0.001})'[c{index}]"
        )
        previous = f"c{index}"
    music = first_part + len(parts)
    # The mix normalised to -14 LUFS as ours is (render.py's soundtrack).
    graph.append(
        f"[{music}:a]atrim=0:{total},volume=0.8,afade=t=in:d=0.5,afade=t=out:st={total - 1}:d=1,"
        "loudnorm=I=-14:TP=-1,aresample=44100[a]"
    )
    graph.append(f"[{previous}]setparams=color_primaries=bt709:color_trc=bt709[out]")
    command += [
        "-filter_complex",
        ";".join(graph),
        "-map",
        "[out]",
        "-map",
        "[a]",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-pix_fmt",
        "yuv420p",
        *BT709_FFMPEG_PARAMS[2:],  # the same tags; setparams is already in the graph
        "-c:a",
        "aac",
        "-ar",
        "44100",
        "-movflags",
        "+faststart",
        "-t",
        str(total),
        str(out),
    ]
    return command


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg, x264), user + system."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def frame_count(path: Path) -> tuple[int, tuple[int, int]]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    count = sum(1 for _ in reader)
    return count, tuple(meta["size"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="540x960, 1 round")
    parser.add_argument("--preset", default="veryfast", help="x264 preset for both (default: veryfast)")
    parser.add_argument("--crf", type=int, default=20)
    args = parser.parse_args()
    size, rounds = ((540, 960), 1) if args.quick else ((1080, 1920), 3)
    style = Style(background="#1d1d1f", foreground="#ffffff", accent="#e4572e", font_path=str(FONT))
    with tempfile.TemporaryDirectory(prefix="bench-assembly-") as tmp:
        workdir = Path(tmp)
        inputs = make_inputs(workdir, size)
        style = Style(
            background=style.background,
            foreground=style.foreground,
            accent=style.accent,
            font_path=style.font_path,
            logo_path=str(inputs["logo"]),
        )
        timeline = our_timeline(inputs, size, style)
        ours_out, theirs_out = workdir / "ours.mp4", workdir / "ffmpeg.mp4"
        ours_times, theirs_times, ours_cpu, theirs_cpu = [], [], [], []
        for _ in range(rounds):  # interleaved, so drift on a noisy machine hits both alike
            started, cpu = time.perf_counter(), cpu_seconds()
            subprocess.run(ffmpeg_command(inputs, size, style, workdir, theirs_out, args.preset, args.crf), check=True)
            theirs_times.append(time.perf_counter() - started)
            theirs_cpu.append(cpu_seconds() - cpu)
            started, cpu = time.perf_counter(), cpu_seconds()
            render_timeline(timeline, ours_out, crf=args.crf, preset=args.preset)
            ours_times.append(time.perf_counter() - started)
            ours_cpu.append(cpu_seconds() - cpu)
        ours, theirs = statistics.median(ours_times), statistics.median(theirs_times)
        (ours_frames, ours_size), (theirs_frames, theirs_size) = frame_count(ours_out), frame_count(theirs_out)
    duration = timeline.duration
    print(
        f"assembly: {duration:g} s clip, {size[0]}x{size[1]} @ {FPS} fps, x264 {args.preset} crf {args.crf}, "
        f"median of {rounds}, {os.cpu_count()} cpus"
    )
    print(f"{'renderer':<34}{'wall s':>8}{'cpu s':>8}{'x realtime':>12}{'frames':>8}{'size':>11}")
    print(
        f"{'ffmpeg filtergraph (baseline)':<34}{theirs:>8.2f}{statistics.median(theirs_cpu):>8.2f}"
        f"{duration / theirs:>12.2f}{theirs_frames:>8}{'x'.join(map(str, theirs_size)):>11}"
    )
    print(
        f"{'ours (moviepy 2 + compositor)':<34}{ours:>8.2f}{statistics.median(ours_cpu):>8.2f}"
        f"{duration / ours:>12.2f}{ours_frames:>8}{'x'.join(map(str, ours_size)):>11}"
    )
    print(
        f"assembly ratio={ours / theirs:.2f} realtime={duration / ours:.2f} ffmpeg_s={theirs:.2f} ours_s={ours:.2f} "
        f"size={size[0]}x{size[1]} preset={args.preset} crf={args.crf}"
    )


if __name__ == "__main__":
    main()
