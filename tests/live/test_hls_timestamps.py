"""Timestamps across a live room's segment boundaries: real segments cut by hls_chunks_cut, a playlist that plays
them in rotation (twice round), followed by ffmpeg exactly as a restreamer would. ffmpeg re-bases each
discontinuity with one offset for both tracks, so a segment whose audio outlasts its video (AAC frames of 1024
samples) made it report "non monotonically increasing dts" for the audio at every boundary and drift by that
much per product. Each product has a flash and a beep at the same instant: they must stay together."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest

from shop_video.live import hls, segments

FPS = 30
# (length in seconds, when the flash and beep happen; None: no audio): lengths that are not whole AAC frames, and a
# silent rendition (its stand-in track must line up too).
PRODUCTS = [(2.9, 1.0), (2.3, 0.5), (1.7, None)]
CHUNK_SECONDS = 1
SYNC_TOLERANCE = 0.010  # less than half an AAC frame: a priming frame counted wrong would show as 21 ms
BAD_TIMESTAMPS = re.compile(r"non[- ]monoton|corrupt|error|invalid", re.IGNORECASE)


def _source(path: Path, seconds: float, mark: float | None) -> Path:
    """A rendition: black with one white frame at `mark`, and a 1 kHz beep starting at exactly `mark`."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    video = f"color=c=black:s=64x112:r={FPS}:d={seconds}"
    command = [ffmpeg, "-v", "error", "-y", "-f", "lavfi"]
    if mark is None:
        command += ["-i", video]
    else:
        video += f",drawbox=c=white:t=fill:enable='between(n,{round(mark * FPS)},{round(mark * FPS)})'"
        audio = f"aevalsrc='if(between(t,{mark},{mark + 0.2}),0.8*sin(2*PI*1000*t),0)':s=48000:d={seconds}"
        command += ["-i", video, "-f", "lavfi", "-i", audio, "-c:a", "aac"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """The room's playlist (two whole rotations) read by ffmpeg: its stderr and what it recorded."""
    root = tmp_path_factory.mktemp("room")
    playables = []
    for position, (seconds, mark) in enumerate(PRODUCTS):
        source = _source(root / f"rendition-{position}.mp4", seconds, mark)
        segment_id = position + 1
        # The playlist addresses chunks as seg/<segment>/<n>.ts beside it, as the stream view serves them.
        chunks = segments.hls_chunks_cut(
            source=source,
            dest=root / "seg" / str(segment_id),
            chunk_seconds=CHUNK_SECONDS,
            fps=FPS,
            x264_preset="ultrafast",
        )
        playables.append(
            hls.Playable(item_id=segment_id, position=position, segment_id=segment_id, chunks=tuple(chunks))
        )
    rotation = sum(p.chunks[i][1] for p in playables for i in range(len(p.chunks)))
    start = 1_000_000.0
    state = hls.window_advance(
        hls.WindowState(), playables, start, window_seconds=3600, lookahead_seconds=2 * rotation
    ).state
    # Two whole rotations published at once (and ENDLIST added) so ffmpeg reads them without waiting.
    slot_starts = [entry["start"] for entry in state.entries if entry["discontinuity"]]
    text = hls.playlist_render(state, slot_starts[2 * len(PRODUCTS)] - 0.001, min_target_duration=CHUNK_SECONDS)
    (root / "index.m3u8").write_text(text + "#EXT-X-ENDLIST\n")
    recording = root / "recorded.ts"
    completed = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-i",
            str(root / "index.m3u8"),
            *("-map", "0", "-c", "copy", str(recording)),  # what a restreamer does
            *("-map", "0", "-f", "null", "-"),  # and decoding every frame
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return {"stderr": completed.stderr, "recording": recording, "playlist": text, "state": state}


def test_the_playlist_crosses_several_boundaries_and_loops(followed):
    starts = [entry["item"] for entry in followed["state"].entries if entry["discontinuity"]]
    assert starts[:6] == [1, 2, 3, 1, 2, 3]  # every boundary, and the loop back to the first product
    assert followed["playlist"].count("#EXT-X-DISCONTINUITY\n") == 6


def test_ffmpeg_reports_no_non_monotonic_timestamps_or_corrupt_packets(followed):
    complaints = [line for line in followed["stderr"].splitlines() if BAD_TIMESTAMPS.search(line)]
    assert complaints == []
    # ffmpeg did follow the discontinuities (so the check above covered them).
    assert followed["stderr"].count("timestamp discontinuity") >= 5


def _video_and_audio(recording: Path):
    flashes, frame_times, audio_times, onsets = [], [], [], []
    with av.open(str(recording)) as container:
        for frame in container.decode(video=0):
            frame_times.append(frame.time)
            if frame.to_ndarray(format="gray").mean() > 128:
                flashes.append(frame.time)
    with av.open(str(recording)) as container:
        loud_before = False
        for frame in container.decode(audio=0):
            samples = np.abs(frame.to_ndarray()).max(axis=0)
            audio_times.append((frame.time, frame.samples / frame.sample_rate))
            loud = np.flatnonzero(samples > 0.4)
            if loud.size and not loud_before:
                onsets.append(frame.time + loud[0] / frame.sample_rate)
            loud_before = bool(samples[-64:].max() > 0.05)
    return flashes, frame_times, audio_times, onsets


def test_timestamps_are_continuous_and_every_flash_has_its_beep(followed):
    flashes, frame_times, audio_times, onsets = _video_and_audio(followed["recording"])
    # Video: one frame every 1/30 s across every boundary, never back, never a gap.
    steps = np.diff(frame_times)
    assert steps.min() > 0
    assert steps.max() < 1.5 / FPS
    # Audio: each frame starts where the previous ended (to a 90 kHz tick), across every boundary.
    for (previous, length), (current, _) in zip(audio_times, audio_times[1:], strict=False):
        assert current == pytest.approx(previous + length, abs=2e-5)
    # Both tracks last as long after two rotations (no drift accumulating per product). The audio starts one
    # AAC frame early: the encoder's priming frame, decoded before the first picture's sound.
    audio_span = audio_times[-1][0] + audio_times[-1][1] - audio_times[0][0]
    video_span = frame_times[-1] + 1 / FPS - frame_times[0]
    assert audio_span == pytest.approx(video_span, abs=1e-4)
    # A/V sync: two marked products per rotation, two rotations.
    assert len(flashes) == len(onsets) == 4
    for flash, onset in zip(flashes, onsets, strict=True):
        assert abs(flash - onset) < SYNC_TOLERANCE, (flashes, onsets)


@pytest.mark.parametrize(("fps", "unit"), [(30, 16), (25, 8), (24, 64), (60, 32)])
def test_segments_are_padded_to_whole_video_and_aac_frames(fps, unit):
    assert segments.aligned_frames(1, fps) == unit
    assert segments.aligned_frames(unit, fps) == unit
    assert segments.aligned_frames(unit + 1, fps) == 2 * unit
    assert (2 * unit * segments.AUDIO_RATE / fps) % segments.AAC_FRAME_SAMPLES == 0
