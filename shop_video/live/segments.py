"""Cutting a rendition MP4 into the MPEG-TS chunks of a live room's HLS stream, with ffmpeg.

Every chunk starts on a keyframe and lasts `chunk_seconds` (the last one less), video H.264 and audio AAC at
fixed parameters, so chunks of different products can follow one another in one stream (only their timestamps
jump, which the playlist's EXT-X-DISCONTINUITY announces). Chunks are written into a temporary folder beside
the final one, which is then renamed: a crash or a retry never leaves a half-cut segment in place.

A player re-bases the timestamps after a discontinuity with one offset for both tracks, so each segment's audio
must span exactly what its video spans, or the audio of the next segment starts before the previous one ended
("non monotonically increasing dts") and drifts by that much per product. AAC comes in frames of 1024 samples:
the segment is padded (last frame held, silence) to a length that is a whole number of video frames AND of AAC
frames (`aligned_frames`: 16 frames = 0.533 s at 30 fps), and the audio is cut 1024 samples short of it,
because the encoder's priming frame (1024 samples, stamped one frame before the first picture) fills the rest.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg

PLAYLIST_NAME = "index.m3u8"
AUDIO_RATE = 48000
AAC_FRAME_SAMPLES = 1024
# FFmpeg's AAC encoder primes with one frame: the first packet is stamped one frame before the first picture.
AAC_PRIMING_SAMPLES = 1024


class SegmentCutError(Exception):
    pass


def playlist_durations(text: str) -> list[tuple[str, float]]:
    """[(chunk file name, seconds)] from a VOD playlist ffmpeg wrote, in order."""
    chunks, duration = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line and not line.startswith("#"):
            if duration is None:
                raise SegmentCutError(f"the playlist lists {line!r} without a duration")
            chunks.append((line, duration))
            duration = None
    return chunks


def _describe(source: Path) -> str:
    # ffmpeg's own description of the input (imageio-ffmpeg has no ffprobe; PyAV is only a test dependency).
    return subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(source)],
        capture_output=True,
        text=True,
        timeout=60,
    ).stderr


def _has_audio(description: str) -> bool:
    return any(line.strip().startswith("Stream #") and ": Audio:" in line for line in description.splitlines())


def _duration(description: str) -> float | None:
    """The container's duration, truncated to 10 ms as ffmpeg prints it; None when it does not say."""
    found = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", description)
    if not found:
        return None
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def aligned_frames(frames: int, fps: int) -> int:
    """The smallest frame count >= `frames` whose length is a whole number of AAC frames at AUDIO_RATE."""
    unit = _alignment_unit(fps)
    return max(1, math.ceil(frames / unit)) * unit


def _alignment_unit(fps: int) -> int:
    # n frames last n * AUDIO_RATE / fps samples; the least n making that a multiple of AAC_FRAME_SAMPLES.
    return (AAC_FRAME_SAMPLES * fps) // math.gcd(AAC_FRAME_SAMPLES * fps, AUDIO_RATE)


def hls_chunks_cut(
    *, source: Path, dest: Path, chunk_seconds: int, fps: int, x264_preset: str = "veryfast", crf: int = 23
) -> list[tuple[str, float]]:
    """Cut `source` into dest/0.ts, dest/1.ts, ... (replacing dest if it exists) and return their durations."""
    if not source.is_file():
        raise SegmentCutError(f"the rendition {source} is missing")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=dest.parent))  # same filesystem: the rename is atomic
    try:
        description = _describe(source)
        duration = _duration(description)
        if duration is None:
            raise SegmentCutError(f"ffmpeg cannot tell how long {source.name} is")
        # Printed durations are truncated to 10 ms, less than a frame: rounding up gives the frame count.
        frames = aligned_frames(math.ceil(duration * fps - 1e-6), fps)
        audio_samples = frames * AUDIO_RATE // fps - AAC_PRIMING_SAMPLES
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(source)]
        if _has_audio(description):
            audio_map = "0:a:0"
        else:
            # Players expect every chunk of a stream to carry the same tracks: a silent one stands in.
            command += ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo"]
            audio_map = "1:a:0"
        command += [
            "-map",
            "0:v:0",
            "-map",
            audio_map,
            # Constant frame rate, the last picture held to the aligned length; silence padded, then cut exactly.
            "-filter:v",
            f"fps={fps},tpad=stop_mode=clone:stop_duration={math.ceil(_alignment_unit(fps) / fps) + 1}",
            "-frames:v",
            str(frames),
            "-filter:a",
            f"aresample={AUDIO_RATE},apad,atrim=end_sample={audio_samples}",
            "-c:v",
            "libx264",
            "-preset",
            x264_preset,
            "-crf",
            str(crf),
            "-pix_fmt",
            "yuv420p",
            # A keyframe exactly every chunk_seconds and none elsewhere: chunks of equal length, each decodable alone.
            "-force_key_frames",
            f"expr:gte(t,n_forced*{chunk_seconds})",
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-ar",
            str(AUDIO_RATE),
            "-ac",
            "2",
            "-f",
            "hls",
            "-hls_time",
            str(chunk_seconds),
            "-hls_playlist_type",
            "vod",
            "-hls_segment_type",
            "mpegts",
            "-hls_flags",
            "independent_segments",
            # Each chunk's first packets say their continuity counters start afresh, so a demuxer reading a
            # segment after another one's chunks (at a discontinuity) does not call them corrupt.
            "-hls_segment_options",
            "mpegts_flags=+initial_discontinuity",
            "-hls_segment_filename",
            str(work / "%d.ts"),
            str(work / PLAYLIST_NAME),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if completed.returncode != 0:
            raise SegmentCutError(f"ffmpeg could not cut {source.name}: {completed.stderr.strip()[-800:]}")
        chunks = playlist_durations((work / PLAYLIST_NAME).read_text())
        if not chunks:
            raise SegmentCutError(f"ffmpeg cut {source.name} into no chunks")
        for name, _ in chunks:
            (work / name).chmod(0o644)
        work.chmod(0o755)
        if dest.exists():
            shutil.rmtree(dest)
        work.rename(dest)
        return chunks
    finally:
        shutil.rmtree(work, ignore_errors=True)
