"""The ffmpeg command lines of a push: one long-running encoder per connection, fed raw frames and samples, and a
decoder per product segment that turns its chunks into exactly the frames and samples the feed clock asks for.

The encoder follows the platforms' ingest guidance (YouTube Live, TikTok/Douyin/Kuaishou OBS settings): H.264
high profile, constant frame rate, a keyframe every 2 s and no scene-cut keyframes, CBR video (x264's HRD in CBR
mode, minrate = maxrate = bitrate, a one-second buffer), AAC-LC stereo at 44.1 or 48 kHz, FLV over RTMP(S).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

KEYFRAME_SECONDS = 2
AUDIO_BITRATE = "128k"
# Video bitrate by the frame's short side (kbit/s): YouTube's and TikTok Live's recommendations for 30 fps.
BITRATES_KBPS = ((360, 800), (540, 1500), (720, 2500), (1080, 4500), (1440, 9000), (2160, 13000))


@dataclass(frozen=True)
class StreamFormat:
    width: int
    height: int
    fps: int
    sample_rate: int
    x264_preset: str = "veryfast"

    @property
    def frame_bytes(self) -> int:
        return self.width * self.height * 3 // 2  # yuv420p

    @property
    def sample_bytes(self) -> int:
        return 4  # s16le stereo

    @property
    def video_kbps(self) -> int:
        return video_bitrate_kbps(min(self.width, self.height))


def video_bitrate_kbps(short_side: int) -> int:
    for limit, kbps in BITRATES_KBPS:
        if short_side <= limit:
            return kbps
    return BITRATES_KBPS[-1][1]


def encoder_command(fmt: StreamFormat, *, target: str, audio_fd: int, realtime: bool, ca_file: str = "") -> list[str]:
    """Raw video on stdin, raw audio on `audio_fd`, progress (key=value lines) on stdout, errors on stderr.
    RTMPS checks the ingest's certificate (ffmpeg's default trust store, or `ca_file`)."""
    pace = ["-re"] if realtime else []
    trust = ["-ca_file", ca_file] if ca_file and target.startswith("rtmps://") else []
    kbps = fmt.video_kbps
    gop = KEYFRAME_SECONDS * fmt.fps
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *pace,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        f"{fmt.width}x{fmt.height}",
        "-framerate",
        str(fmt.fps),
        "-i",
        "pipe:0",
        *pace,
        "-f",
        "s16le",
        "-ar",
        str(fmt.sample_rate),
        "-ac",
        "2",
        "-i",
        f"pipe:{audio_fd}",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        fmt.x264_preset,
        "-tune",
        "zerolatency",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-fps_mode",
        "cfr",
        "-r",
        str(fmt.fps),
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        "-b:v",
        f"{kbps}k",
        "-minrate",
        f"{kbps}k",
        "-maxrate",
        f"{kbps}k",
        "-bufsize",
        f"{kbps}k",
        "-x264-params",
        "nal-hrd=cbr:force-cfr=1",
        "-c:a",
        "aac",
        "-b:a",
        AUDIO_BITRATE,
        "-ar",
        str(fmt.sample_rate),
        "-ac",
        "2",
        "-progress",
        "pipe:1",
        "-stats_period",
        "1",
        *trust,
        "-f",
        "flv",
        "-flvflags",
        "no_duration_filesize",
        target,
    ]


def _concat(paths: list[Path]) -> str:
    # MPEG-TS chunks of one segment concatenate byte for byte (one continuous timeline).
    return "concat:" + "|".join(str(path) for path in paths)


def video_decoder_command(fmt: StreamFormat, chunks: list[Path], *, frames: int) -> list[str]:
    """Exactly `frames` frames at the push's size and rate; a short video is held on its last frame."""
    fit = (
        f"fps={fmt.fps},scale={fmt.width}:{fmt.height}:force_original_aspect_ratio=decrease,"
        f"pad={fmt.width}:{fmt.height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p,tpad=stop_mode=clone:stop=-1"
    )
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        _concat(chunks),
        "-map",
        "0:v:0",
        "-vf",
        fit,
        "-frames:v",
        str(frames),
        "-f",
        "rawvideo",
        "pipe:1",
    ]


def stream_starts(path: Path) -> tuple[float | None, float | None]:
    """(video start, audio start) in seconds, from ffmpeg's description of the file (no ffprobe here)."""
    described = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    ).stderr
    starts: dict[str, float] = {}
    for line in described.splitlines():
        found = _STREAM_START.search(line)
        if found and found["kind"] not in starts:
            starts[found["kind"]] = float(found["start"])
    return starts.get("Video"), starts.get("Audio")


_STREAM_START = re.compile(r"Stream #\d+:\d+.*?: (?P<kind>Video|Audio): .*, start (?P<start>-?[\d.]+)")


def audio_lead_seconds(first_chunk: Path) -> float:
    """How long the audio starts before the video in a segment's first chunk (the AAC encoder's priming, 1024
    samples, sits there in MPEG-TS, which cannot say to skip it): that much audio is dropped so both start
    together. Negative: the audio starts later, and silence fills the gap."""
    video, audio = stream_starts(first_chunk)
    if video is None or audio is None:
        return 0.0
    return video - audio


def audio_decoder_command(fmt: StreamFormat, chunks: list[Path], *, samples: int, lead: float = 0.0) -> list[str]:
    """Exactly `samples` stereo samples, starting with the video (`lead`: audio_lead_seconds) and padded with
    silence if the track is short: an AAC track ~7 ms longer than its video is trimmed to it here."""
    align = f"atrim=start={lead:.6f},asetpts=PTS-STARTPTS," if lead > 0 else ""
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        _concat(chunks),
        "-map",
        "0:a:0",
        "-af",
        f"{align}aresample={fmt.sample_rate}:async=1:first_pts=0,apad,atrim=end_sample={samples}",
        "-ac",
        "2",
        "-ar",
        str(fmt.sample_rate),
        "-f",
        "s16le",
        "pipe:1",
    ]


def progress_parse(line: str, stats: dict) -> bool:
    """One line of ffmpeg's -progress output into `stats`; True at the end of a block (progress=...)."""
    key, _, value = line.strip().partition("=")
    if key == "bitrate" and value.endswith("kbits/s"):
        try:
            stats["bitrate_kbps"] = float(value[: -len("kbits/s")])
        except ValueError:
            pass
    elif key in ("drop_frames", "dup_frames", "frame") and value.isdigit():
        stats[key] = int(value)
    elif key == "out_time_us" and value.lstrip("-").isdigit():
        stats["out_time_us"] = int(value)
    return key == "progress"
