"""Stand-in product segments for the push tests, cut into real HLS chunks, and readers of what the RTMP server
recorded: frames (colour, marker, timestamp) and the audio's beep onsets.

Each product's clip is a solid colour with a quiet hum (never silent) and a sync marker: one white frame at 0.4 s
and, at the same instant, a 40 ms 1 kHz beep. A marker's video and audio times in the recording give the A/V
offset at every segment of every loop."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np

from shop_video.live import segments, services
from shop_video.live.models import LiveSegment
from shop_video.media import media_local_path

FPS = 25
SIZE = (64, 114)  # a 9:16 room with short side 64, as the push scales it
MARK_AT = 0.4
COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "magenta": (255, 0, 255)}


def clip_make(path: Path, colour: str, seconds: float = 1.0) -> Path:
    width, height = SIZE
    mark_frame = round(MARK_AT * FPS)
    video = (
        f"color=c={colour}:s={width}x{height}:r={FPS}:d={seconds},"
        f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(n,{mark_frame})'"
    )
    audio = (
        f"aevalsrc='0.05*sin(2*PI*220*t)+0.8*sin(2*PI*1000*t)*between(t,{MARK_AT},{MARK_AT + 0.04})'"
        f":s=48000:d={seconds}"
    )
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", video, "-f", "lavfi"]
    command += ["-i", audio, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


def segment_cut_ready(segment: LiveSegment, clip: Path) -> LiveSegment:
    """The segment made ready from `clip`, cut into chunks exactly as a rendered one is (segments.py)."""
    media_dir = services.live_segment_media_dir(segment)
    chunks = segments.hls_chunks_cut(
        source=clip, dest=Path(media_local_path(media_dir)), chunk_seconds=1, fps=FPS, x264_preset="ultrafast"
    )
    segment.status, segment.media_dir = LiveSegment.Status.READY, media_dir
    segment.chunks = [[name, seconds] for name, seconds in chunks]
    segment.save()
    return segment


@dataclass(frozen=True)
class Recording:
    frame_times: list[float]
    frame_colours: list[str]  # the nearest of COLOURS, or "white" for a marker frame
    audio_times: list[float]  # each audio frame's pts
    audio_ends: list[float]  # each audio frame's pts + duration
    beeps: list[float]  # beep onsets
    sample_rate: int
    video_codec: str
    audio_codec: str
    channels: int


def _colour(rgb: np.ndarray) -> str:
    if rgb.min() > 200:
        return "white"
    return min(COLOURS, key=lambda name: float(np.abs(np.array(COLOURS[name]) - rgb).sum()))


def recording_read(path: Path) -> Recording:
    frame_times, colours, audio_times, audio_ends, samples = [], [], [], [], []
    with av.open(str(path)) as container:
        video_stream, audio_stream = container.streams.video[0], container.streams.audio[0]
        rate = audio_stream.codec_context.sample_rate
        for frame in container.decode(video_stream, audio_stream):
            if isinstance(frame, av.VideoFrame):
                frame_times.append(float(frame.pts * frame.time_base))
                colours.append(_colour(frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)))
            else:
                audio_times.append(float(frame.pts * frame.time_base))
                audio_ends.append(audio_times[-1] + frame.samples / rate)
                samples.append((audio_times[-1], frame.to_ndarray()[0]))
        video_codec, audio_codec = video_stream.codec_context.name, audio_stream.codec_context.name
        channels = audio_stream.codec_context.channels
    beeps, quiet_since = [], None
    for start, data in samples:
        for index in np.flatnonzero(np.abs(data) > 0.4):
            at = start + index / rate
            if quiet_since is None or at - quiet_since > 0.2:
                beeps.append(at)
            quiet_since = at
    return Recording(frame_times, colours, audio_times, audio_ends, beeps, rate, video_codec, audio_codec, channels)


def products_in_order(colours: list[str]) -> list[str]:
    """The sequence of products shown (runs of one colour; marker frames belong to the run they are in)."""
    runs: list[str] = []
    for colour in colours:
        if colour != "white" and (not runs or runs[-1] != colour):
            runs.append(colour)
    return runs


def marker_offsets(recording: Recording) -> list[float]:
    """Audio beep onset minus the marker frame's time, for each marker frame."""
    marks = [t for t, colour in zip(recording.frame_times, recording.frame_colours, strict=True) if colour == "white"]
    offsets = []
    for mark in marks:
        nearest = min(recording.beeps, key=lambda beep: abs(beep - mark), default=None)
        if nearest is not None:
            offsets.append(nearest - mark)
    return offsets


def decode_errors(path: Path) -> str:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120).stderr.strip()
