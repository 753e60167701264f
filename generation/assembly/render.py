"""Render a Timeline to the deliverable MP4 (H.264 yuv420p BT.709 + AAC, faststart) with moviepy 2.

The frames come from the Compositor (compositor.py), the soundtrack from audio.py (the built-in music piece composed
for the video's length, the voice-over spoken, the mix normalised to the timeline's loudness); moviepy drives the
encode.
Everything comes in as arguments and every clip and decoder opened here is closed before returning, so this is
safe to call from a long-lived Celery worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from moviepy import VideoClip

from .audio import AUDIO_FPS, EffectCue, VoiceCue, audio_decoded, soundtrack
from .clipio import BT709_FFMPEG_PARAMS
from .compositor import Compositor
from .loudness import AUDIO_CODEC, loudness_encoded
from .timeline import Music, SoundEffect, Timeline, VoiceOver


def render_timeline(
    timeline: Timeline,
    out_path: str | os.PathLike,
    *,
    crf: int = 20,
    preset: str = "medium",
    threads: int | None = None,
    on_frame: Callable[[int, int], None] | None = None,
) -> None:
    """Encode the timeline to out_path; out_path never holds a half-written video. `on_frame(done, total)` is
    told of each frame as the encoder takes it (the job's progress); an exception it raises stops the encode."""
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

        def frame_at(t: float):
            index = min(round(t * fps), last)
            if on_frame is not None:
                on_frame(index + 1, last + 1)
            return compositor.frame(index)

        video = VideoClip(frame_function=frame_at, duration=duration)
        music = timeline.music
        voices = tuple(VoiceCue(path=voice.path, start=voice.start) for voice in timeline.voices)
        if timeline.voiceover is not None:
            voice_path = out_path.with_name(f".{out_path.stem}.voiceover.wav")
            stack.callback(_remove_if_exists, voice_path)
            voices += (voiceover_write(timeline.voiceover, voice_path, timeline.duration),)
        if timeline.ai_disclosure is not None:
            from generation.provenance.disclosure import spoken_disclosure_write

            disclosure_path = out_path.with_name(f".{out_path.stem}.disclosure.wav")
            stack.callback(_remove_if_exists, disclosure_path)
            disclosure = timeline.ai_disclosure
            voices += (
                spoken_disclosure_write(
                    script=disclosure.script, voice=disclosure.voice, path=disclosure_path, duration=timeline.duration
                ),
            )
        audio = soundtrack(
            # The video's own length, not the padded clip duration: padded, the audio ran half a frame past the
            # last frame and the music's fade-out ended there, still audible when the picture stopped.
            duration=timeline.duration,
            music_path=_music_file(music, timeline.duration),
            voices=voices,
            music_volume=music.volume if music else 0.0,
            fade_in=music.fade_in if music else 0.0,
            fade_out=music.fade_out if music else 0.0,
            effects=tuple(
                EffectCue(samples=_effect_samples(effect), start=effect.start) for effect in timeline.sound_effects
            ),
            loudness_lufs=timeline.loudness_lufs,
            opened=opened,
        )
        if timeline.loudness_lufs is not None:
            # Encoded here, not by moviepy: the AAC file is measured and re-limited until its true peak holds
            # (loudness.py), and then muxed byte for byte, so the MP4 carries exactly what was measured.
            samples = audio.get_frame(np.arange(round(timeline.duration * AUDIO_FPS)) / AUDIO_FPS)
            loudness_encoded(samples.T, AUDIO_FPS, temp_audio_path, target_lufs=timeline.loudness_lufs)
            video, audio_source, audio_codec = opened(video), str(temp_audio_path), "copy"
        else:
            video, audio_source, audio_codec = opened(video.with_audio(audio)), True, AUDIO_CODEC
        video.write_videofile(
            str(partial_path),
            fps=fps,
            codec="libx264",
            audio=audio_source,
            audio_codec=audio_codec,
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


def _music_file(music: Music | None, duration: float) -> str | None:
    """The merchant's track, or the built-in piece composed (or found in the cache) for exactly this length."""
    if music is None:
        return None
    if music.mood:
        from generation.music.library import music_piece_path

        return str(music_piece_path(mood=music.mood, tempo=music.tempo, duration=duration))
    return music.path


def _effect_samples(effect: SoundEffect):
    from generation.music.effects import effect_samples

    samples = (
        effect_samples(effect.kind, effect.duration) if effect.kind else audio_decoded(effect.path, 30 * AUDIO_FPS)
    )
    return samples * effect.volume


def voiceover_write(voiceover: VoiceOver, path: Path, duration: float) -> VoiceCue:
    """The voice-over's script spoken by the TTS into a WAV at `path`; refused if it would run past the video."""
    from generation.presenter.speech import VoiceSpec
    from generation.presenter.tts import speech_synthesize

    speech = speech_synthesize(text=voiceover.script, voice=VoiceSpec(**voiceover.voice))
    if voiceover.start + speech.duration > duration:
        raise ValueError(
            f"the voice-over takes {speech.duration:.1f} s to say from {voiceover.start:g} s, past the "
            f"{duration:.1f} s video; shorten its script"
        )
    speech.wav_write(str(path))
    return VoiceCue(path=str(path), start=voiceover.start)


def _remove_if_exists(path: Path) -> None:
    path.unlink(missing_ok=True)
