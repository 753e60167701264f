"""Render a Timeline to the deliverable MP4 (H.264 yuv420p BT.709 + AAC, faststart) with moviepy 2.

Everything comes in as arguments and every clip opened here is closed before returning, so this is
safe to call from a long-lived Celery worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from moviepy import AudioClip, AudioFileClip, ImageClip, VideoClip, VideoFileClip, afx, concatenate_videoclips
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .clipio import BT709_FFMPEG_PARAMS
from .timeline import ClipSegment, TitleCard, Timeline, parse_hex_color

AUDIO_FPS = 44100
MUSIC_FADE_OUT = 1.0  # seconds
# A shot whose aspect ratio is within this relative difference of the timeline's is simply resized.
ASPECT_TOLERANCE = 0.01
# Letterbox background for mismatched shots: shrink factor (the cheap blur) and brightness.
BACKDROP_SHRINK = 16
BACKDROP_DIM = [v // 2 for v in range(256)] * 3  # Image.point table: halve every channel


def render_timeline(
    timeline: Timeline,
    out_path: str | os.PathLike,
    *,
    crf: int = 20,
    preset: str = "medium",
    threads: int | None = None,
    font_path: str | os.PathLike | None = None,
) -> None:
    """Encode the timeline to out_path. font_path: a TrueType/OpenType font for title cards; the
    default is Pillow's bundled font, which covers ASCII only (no €, £, accents)."""
    out_path = Path(out_path)
    size = (timeline.width, timeline.height)
    fps = timeline.fps
    # ffmpeg writes to a partial file renamed at the end, so out_path never holds a half-written video.
    partial_path = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
    temp_audio_path = out_path.with_name(f".{out_path.stem}.audio.m4a")

    with ExitStack() as stack:
        stack.callback(_remove_if_exists, temp_audio_path)
        stack.callback(_remove_if_exists, partial_path)

        def opened(clip):
            stack.callback(clip.close)
            return clip

        parts = [
            _title_clip(segment, size, font_path)
            if isinstance(segment, TitleCard)
            else _shot_clip(segment, size, opened)
            for segment in timeline.segments
        ]
        video = opened(concatenate_videoclips(parts, method="chain"))
        # Sample every frame at the centre of its slot: segment boundaries fall on whole frames, and
        # float sums of durations may land a hair either side of them; half a frame of margin cannot.
        video = video.time_transform(lambda t: (round(t * fps) + 0.5) / fps, keep_duration=True)
        # moviepy writes int(duration * fps) frames: pad by half a frame so float error cannot drop one.
        video = video.with_duration((timeline.num_frames + 0.5) / fps)
        video = video.with_audio(_soundtrack(timeline.music_path, timeline.duration, opened))

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


def write_poster(video_path: str | os.PathLike, poster_path: str | os.PathLike, *, at: float) -> None:
    """Save the frame shown at time `at` (seconds) as a JPEG; `at` past the last frame gives the last."""
    if at < 0:
        raise ValueError(f"poster time must be >= 0, got {at!r}")
    with VideoFileClip(os.fspath(video_path), audio=False) as clip:
        last_frame_time = max(0.0, clip.duration - 1.0 / clip.fps)
        frame = clip.get_frame(min(at, last_frame_time))
    Image.fromarray(frame).save(os.fspath(poster_path), "JPEG", quality=88)


def _remove_if_exists(path: Path) -> None:
    path.unlink(missing_ok=True)


# --- title cards ------------------------------------------------------------------------------------


def _title_clip(card: TitleCard, size: tuple[int, int], font_path: str | os.PathLike | None) -> ImageClip:
    return ImageClip(render_title_image(card, size, font_path=font_path)).with_duration(card.duration)


def render_title_image(
    card: TitleCard, size: tuple[int, int], *, font_path: str | os.PathLike | None = None
) -> np.ndarray:
    """The card as an RGB array: wrapped title centred, subtitle (e.g. the price) below it."""
    width, height = size
    background, foreground = parse_hex_color(card.background), parse_hex_color(card.foreground)
    # The subtitle is a quieter version of the foreground colour.
    subtitle_colour = tuple(round(f * 0.75 + b * 0.25) for f, b in zip(foreground, background))
    max_width = 0.85 * width
    base = min(width, height)
    load_font = _font_loader(font_path)

    title_font, title_lines = _fit_text(card.title, load_font, round(base * 0.10), max_width, max_lines=3)
    blocks = [(title_font, title_lines, foreground)]
    if card.subtitle.strip():
        subtitle_font, subtitle_lines = _fit_text(card.subtitle, load_font, round(base * 0.06), max_width, max_lines=2)
        blocks.append((subtitle_font, subtitle_lines, subtitle_colour))

    line_heights = [_line_height(font) for font, _, _ in blocks]
    gap = round(base * 0.04)
    total = sum(h * len(lines) for h, (_, lines, _) in zip(line_heights, blocks)) + gap * (len(blocks) - 1)

    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    y = (height - total) / 2
    for line_height, (font, lines, colour) in zip(line_heights, blocks):
        for line in lines:
            draw.text((width / 2, y), line, font=font, fill=colour, anchor="ma")
            y += line_height
        y += gap
    return np.asarray(image)


def _font_loader(font_path: str | os.PathLike | None) -> Callable[[int], ImageFont.FreeTypeFont]:
    if font_path is None:
        return lambda size: ImageFont.load_default(size=size)
    return lambda size: ImageFont.truetype(os.fspath(font_path), size)


def _fit_text(text: str, load_font: Callable, size: int, max_width: float, *, max_lines: int):
    """Largest font (from `size` down) whose word-wrap of text fits max_width in max_lines lines."""
    size = max(size, 8)
    while True:
        font = load_font(size)
        lines = _wrap(text, font, max_width)
        fits = len(lines) <= max_lines and all(font.getlength(line) <= max_width for line in lines)
        if fits or size <= 8:
            return font, lines
        size = max(8, int(size * 0.9))


def _wrap(text: str, font, max_width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


def _line_height(font) -> int:
    ascent, descent = font.getmetrics()
    return round((ascent + descent) * 1.1)


# --- shot clips -------------------------------------------------------------------------------------


def _shot_clip(segment: ClipSegment, size: tuple[int, int], opened: Callable) -> VideoClip:
    """The shot at the timeline's size, trimmed or holding its last frame to exactly segment.duration."""
    source = opened(VideoFileClip(segment.path, audio=False))
    last_frame_time = max(0.0, source.duration - 1.0 / source.fps)
    fit = frame_fitter(tuple(source.size), size)
    return VideoClip(
        frame_function=lambda t: fit(source.get_frame(min(t, last_frame_time))),
        duration=segment.duration,
    )


def frame_fitter(source_size: tuple[int, int], target_size: tuple[int, int]) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping a source frame to target_size without stretching or cropping the picture.

    Same aspect ratio: a plain resize. Otherwise the picture is contained (centred, aspect kept) over
    a blurred, dimmed copy of itself scaled to cover the frame, rather than black bars.
    """
    (src_w, src_h), (dst_w, dst_h) = source_size, target_size
    if source_size == target_size:
        return lambda frame: frame
    if abs((src_w / src_h) / (dst_w / dst_h) - 1) <= ASPECT_TOLERANCE:
        return lambda frame: np.asarray(Image.fromarray(frame).resize(target_size, Image.Resampling.BICUBIC))

    scale = min(dst_w / src_w, dst_h / src_h)
    inner = (max(1, round(src_w * scale)), max(1, round(src_h * scale)))
    offset = ((dst_w - inner[0]) // 2, (dst_h - inner[1]) // 2)
    # Cover geometry: scale up until the frame is filled, crop the overflow evenly.
    cover = max(dst_w / src_w, dst_h / src_h)
    crop_w, crop_h = dst_w / cover, dst_h / cover
    crop_box = ((src_w - crop_w) / 2, (src_h - crop_h) / 2, (src_w + crop_w) / 2, (src_h + crop_h) / 2)
    small = (max(1, dst_w // BACKDROP_SHRINK), max(1, dst_h // BACKDROP_SHRINK))

    def fit(frame: np.ndarray) -> np.ndarray:
        picture = Image.fromarray(frame)
        # Blur cheaply: shrink hard, soften and dim while small, stretch back (bilinear smooths the blocks).
        backdrop = picture.resize(small, Image.Resampling.BOX, box=crop_box).filter(ImageFilter.GaussianBlur(1))
        backdrop = backdrop.point(BACKDROP_DIM).resize(target_size, Image.Resampling.BILINEAR)
        backdrop.paste(picture.resize(inner, Image.Resampling.BICUBIC), offset)
        return np.asarray(backdrop)

    return fit


# --- audio ------------------------------------------------------------------------------------------


def _soundtrack(music_path: str | None, duration: float, opened: Callable):
    """The music looped or cut to duration with a fade-out, or silence: every output carries audio."""
    if music_path is None:
        return AudioClip(_silence, duration=duration, fps=AUDIO_FPS)
    music = opened(AudioFileClip(music_path, fps=AUDIO_FPS))
    if music.duration < duration:
        music = music.with_effects([afx.AudioLoop(duration=duration)])
    else:
        music = music.subclipped(0, duration)
    return music.with_effects([afx.AudioFadeOut(min(MUSIC_FADE_OUT, duration))])


def _silence(t):
    # moviepy asks for one sample (scalar t) or a block (array t); two channels make it stereo.
    return np.zeros((len(t), 2)) if isinstance(t, np.ndarray) else np.zeros(2)
