"""Render a Timeline to the deliverable MP4 (H.264 yuv420p BT.709 + AAC, faststart) with moviepy 2.

The frames come from the Compositor (compositor.py), the soundtrack from audio.py; moviepy drives the encode.
Everything comes in as arguments and every clip and decoder opened here is closed before returning, so this is
safe to call from a long-lived Celery worker.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from moviepy import VideoClip

from .audio import AUDIO_FPS, VoiceCue, soundtrack
from .clipio import BT709_FFMPEG_PARAMS
from .compositor import Compositor
from .timeline import Timeline


def render_timeline(
    timeline: Timeline,
    out_path: str | os.PathLike,
    *,
    crf: int = 20,
    preset: str = "medium",
    threads: int | None = None,
) -> None:
    """Encode the timeline to out_path; out_path never holds a half-written video."""
    out_path = Path(out_path)
    fps = timeline.fps
    partial_path = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
    temp_audio_path = out_path.with_name(f".{out_path.stem}.audio.m4a")

    with ExitStack() as stack:
        stack.callback(_remove_if_exists, temp_audio_path)
        stack.callback(_remove_if_exists, partial_path)

        def opened(clip):
            stack.callback(clip.close)
            return clip

        compositor = Compositor(timeline)
        stack.callback(compositor.close)
        last = timeline.num_frames - 1
        # moviepy asks for t = i / fps (rounding maps it back to the frame index exactly) and writes
        # int(duration * fps) frames: half a frame of padding means float error cannot drop the last one.
        duration = (timeline.num_frames + 0.5) / fps
        video = VideoClip(frame_function=lambda t: compositor.frame(min(round(t * fps), last)), duration=duration)
        music = timeline.music
        audio = soundtrack(
            # The video's own length, not the padded clip duration: padded, the audio ran half a frame past the
            # last frame and the music's fade-out ended there, still audible when the picture stopped.
            duration=timeline.duration,
            music_path=music.path if music else None,
            voices=tuple(VoiceCue(path=voice.path, start=voice.start) for voice in timeline.voices),
            music_volume=music.volume if music else 0.0,
            fade_in=music.fade_in if music else 0.0,
            fade_out=music.fade_out if music else 0.0,
            opened=opened,
        )
        video = opened(video.with_audio(audio))
        video.write_videofile(
            str(partial_path),
            fps=fps,
            codec="libx264",
            audio_codec="aac",
            audio_fps=AUDIO_FPS,
            preset=preset,
            threads=threads,
            # moviepy 2.2 overrides this with yuva420p, which libx264 lacks, so ffmpeg falls back to
            # yuv420p; passed anyway for when moviepy honours it. Tests probe the result.
            pixel_format="yuv420p",
            ffmpeg_params=["-crf", str(crf), *BT709_FFMPEG_PARAMS, "-movflags", "+faststart"],
            temp_audiofile=str(temp_audio_path),
            logger=None,
        )
        os.replace(partial_path, out_path)


def _remove_if_exists(path: Path) -> None:
    path.unlink(missing_ok=True)
