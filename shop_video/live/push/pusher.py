"""One push: an encoder connected to the ingest, fed product segment after product segment, reconnected with
exponential backoff when the ingest drops or refuses it. No Django here: the service passes callbacks.

Per connection: the encoder (encoder.py) reads raw yuv420p frames on stdin and raw s16le samples on a second
pipe; two writer threads each run one decoder per segment and copy exactly the frames and samples the feed clock
(feed.py) gives it, so the encoder's timestamps increase strictly and audio stays on video across every segment
and every loop of the playlist. A decoder that fails mid-segment is made up with the last frame (and silence for
the rest of its audio), never a black frame or a gap: the stream keeps its clock.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shop_video.live.push import encoder
from shop_video.live.push.feed import FeedClock, SegmentFeed

logger = logging.getLogger(__name__)

AUDIO_READ_SAMPLES = 4096
CLOSE_TIMEOUT = 15
STOP_AFTER_SECONDS = 1  # a stop ends the stream this long after it is seen, at the same point in both tracks


@dataclass(frozen=True)
class Slot:
    """A product segment to play: its chunk files in order and their length."""

    item_id: int
    segment_id: int
    chunks: tuple[Path, ...]
    seconds: float


@dataclass
class PushStats:
    bitrate_kbps: float = 0.0
    dropped_frames: int = 0
    reconnects: int = 0
    seconds_on_air: float = 0.0
    slots_played: int = 0
    last_error: str = ""
    _closed_seconds: float = 0.0  # on air in connections already closed
    _closed_dropped: int = 0


@dataclass
class Backoff:
    """1 s, 2 s, 4 s ... up to `maximum`; back to the start once a connection has stayed up `stable_after` s."""

    first: float = 1.0
    maximum: float = 60.0
    stable_after: float = 10.0
    failures: int = field(default=0)

    def next_wait(self) -> float:
        wait = min(self.maximum, self.first * 2**self.failures)
        self.failures += 1
        return wait

    def connection_lasted(self, seconds: float) -> None:
        if seconds >= self.stable_after:
            self.failures = 0


@dataclass(frozen=True)
class _Job:
    slot: Slot
    feed: SegmentFeed


class Connection:
    """The encoder process and its three helper threads (video, audio, progress)."""

    def __init__(self, fmt: encoder.StreamFormat, target: str, *, realtime: bool, ca_file: str = ""):
        self.fmt = fmt
        read_fd, write_fd = os.pipe()
        try:
            self.process = subprocess.Popen(
                encoder.encoder_command(fmt, target=target, audio_fd=read_fd, realtime=realtime, ca_file=ca_file),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(read_fd,),
            )
        finally:
            os.close(read_fd)
        self.audio_out = os.fdopen(write_fd, "wb")
        self.video_jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=1)
        self.audio_jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=1)
        self.started: queue.Queue[Slot] = queue.Queue()
        self.progress: dict = {}
        self.errors: deque[str] = deque(maxlen=5)
        self.broken = threading.Event()
        self.opened_at = time.monotonic()
        self.frames_written = 0
        self.samples_written = 0
        self.stop_at: int | None = None  # frames: where both writers stop when the push is stopped
        self.threads = [
            threading.Thread(target=self._write_video, daemon=True),
            threading.Thread(target=self._write_audio, daemon=True),
            threading.Thread(target=self._read_progress, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and not self.broken.is_set()

    def offer(self, job: _Job, *, timeout: float) -> bool:
        """Queue the next segment; False if the writers are still busy after `timeout` seconds."""
        try:
            self.video_jobs.put(job, timeout=timeout)
        except queue.Full:
            return False
        self.audio_jobs.put(job)  # the audio writer is at most one segment behind the video writer
        return True

    def close(self, *, graceful: bool) -> None:
        """Graceful: both tracks stop at the same point about a second on (mid-segment if need be) and the encoder
        flushes and ends the stream. Else stop at once."""
        if graceful and self.alive:
            self.stop_at = self.frames_written + self.fmt.fps * STOP_AFTER_SECONDS
            deadline = time.monotonic() + CLOSE_TIMEOUT
            for thread in self.threads[:2]:
                thread.join(max(0.1, deadline - time.monotonic()))
            try:
                self.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        self.broken.set()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.audio_out):
            try:
                stream.close()
            except OSError:
                pass
        for thread in self.threads:
            thread.join(5)

    @property
    def seconds_sent(self) -> float:
        return max(0, self.progress.get("out_time_us", 0)) / 1e6

    @property
    def error(self) -> str:
        return " | ".join(self.errors) or f"the encoder exited with status {self.process.returncode}"

    # --- threads ---------------------------------------------------------------------------------------------

    def _jobs(self, jobs: queue.Queue) -> Iterator[_Job]:
        """The writer's next segments until the connection breaks or is being stopped with nothing queued."""
        while not self.broken.is_set():
            try:
                job = jobs.get(timeout=0.2)
            except queue.Empty:
                if self.stop_at is not None:
                    return
                continue
            if job is None:
                return
            yield job

    def _video_room(self) -> int:
        """Frames that may still be written (a stop point caps them)."""
        return sys.maxsize if self.stop_at is None else self.stop_at - self.frames_written

    def _audio_room(self) -> int:
        """Samples that may still be written: up to the frame the stop point names, never past it."""
        if self.stop_at is None:
            return sys.maxsize
        return self.stop_at * self.fmt.sample_rate // self.fmt.fps - self.samples_written

    def _write_video(self) -> None:
        size = self.fmt.frame_bytes
        luma = self.fmt.width * self.fmt.height
        last = bytes([16]) * luma + bytes([128]) * (size - luma)  # black, only ever before the first frame
        out = self.process.stdin
        try:
            for job in self._jobs(self.video_jobs):
                if self._video_room() <= 0:
                    break
                self.started.put(job.slot)
                command = encoder.video_decoder_command(self.fmt, list(job.slot.chunks), frames=job.feed.frames)
                written = 0
                with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0) as decoder:
                    try:
                        out.flush()  # what was written through the buffer goes first
                        # Every frame but the segment's last moves from pipe to pipe in the kernel (a 1080x1920
                        # stream is 93 MB/s: copied through Python it cost a fifth of the push's CPU); the last is
                        # read, to hold the picture if the next segment is late.
                        while written < job.feed.frames - 1 and self._video_room() > 0:
                            moved = _frame_splice(decoder.stdout.fileno(), out.fileno(), size, last)
                            if not moved:
                                break
                            written, self.frames_written = written + 1, self.frames_written + 1
                        if (
                            written == job.feed.frames - 1
                            and self._video_room() > 0
                            and (frame := _read_exact(decoder.stdout, size))
                        ):
                            out.write(frame)
                            last, written, self.frames_written = frame, written + 1, self.frames_written + 1
                    finally:
                        decoder.kill()
                if written < job.feed.frames and self._video_room() > 0:
                    logger.warning(
                        "live push: segment %s gave %s of %s frames", job.slot.segment_id, written, job.feed.frames
                    )
                while written < job.feed.frames and self._video_room() > 0:  # the picture holds: never black
                    out.write(last)
                    written, self.frames_written = written + 1, self.frames_written + 1
            out.close()
        except (BrokenPipeError, OSError, ValueError):
            self.broken.set()

    def _write_audio(self) -> None:
        sample_bytes = self.fmt.sample_bytes
        out = self.audio_out
        try:
            for job in self._jobs(self.audio_jobs):
                if self._audio_room() <= 0:
                    break
                lead = encoder.audio_lead_seconds(job.slot.chunks[0])
                command = encoder.audio_decoder_command(
                    self.fmt, list(job.slot.chunks), samples=job.feed.samples, lead=lead
                )
                remaining = job.feed.samples
                with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as decoder:
                    try:
                        while remaining and (room := self._audio_room()) > 0:
                            data = decoder.stdout.read(min(remaining, room, AUDIO_READ_SAMPLES) * sample_bytes)
                            if not data:
                                break
                            data = data[: len(data) - len(data) % sample_bytes]
                            out.write(data)
                            remaining -= len(data) // sample_bytes
                            self.samples_written += len(data) // sample_bytes
                    finally:
                        decoder.kill()
                silence = min(remaining, self._audio_room())
                if silence > 0:  # the segment's audio ended early: silence keeps the clock
                    out.write(bytes(silence * sample_bytes))
                    self.samples_written += silence
            out.close()
        except (BrokenPipeError, OSError, ValueError):
            self.broken.set()

    def _read_progress(self) -> None:
        for raw in self.process.stdout:
            encoder.progress_parse(raw.decode(errors="replace"), self.progress)

    def _read_errors(self) -> None:
        for raw in self.process.stderr:
            line = raw.decode(errors="replace").strip()
            if line:
                self.errors.append(line[:300])


def _frame_splice(source: int, target: int, size: int, filler: bytes) -> bool:
    """One raw frame from the decoder's pipe to the encoder's (os.splice). False when the decoder ended before
    the frame began; a frame it cut short is completed from `filler` (the last whole frame), since a partial frame
    would shift every later one in the encoder's fixed-size reads."""
    moved = 0
    while moved < size:
        count = os.splice(source, target, size - moved)
        if count == 0:
            if moved:
                _write_all(target, filler[moved:])
                return True
            return False
        moved += count
    return True


def _write_all(target: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(target, view) :]


def _read_exact(stream, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        data = stream.read(missing)
        if not data:
            return None
        chunks.append(data)
        missing -= len(data)
    return b"".join(chunks)


def push_loop(
    *,
    fmt: encoder.StreamFormat,
    target: str,
    next_slot: Callable[[], Slot | None],
    on_slot_started: Callable[[Slot], None],
    keep_going: Callable[[PushStats], bool],
    heartbeat: Callable[[PushStats, str], None],
    heartbeat_seconds: float,
    backoff: Backoff,
    realtime: bool = True,
    ca_file: str = "",
) -> PushStats:
    """Push until `keep_going` says stop. `heartbeat(stats, state)` is called at least every `heartbeat_seconds`
    (state: connecting, on_air, retrying); `next_slot` None means nothing is ready yet (waited for)."""
    stats = PushStats()
    last_beat = 0.0

    def beat(state: str, connection: Connection | None = None, *, force: bool = False) -> None:
        nonlocal last_beat
        if connection is not None:
            stats.bitrate_kbps = float(connection.progress.get("bitrate_kbps", stats.bitrate_kbps))
            stats.dropped_frames = stats._closed_dropped + connection.progress.get("drop_frames", 0)
            stats.seconds_on_air = stats._closed_seconds + connection.seconds_sent
        if force or time.monotonic() - last_beat >= heartbeat_seconds:
            last_beat = time.monotonic()
            heartbeat(stats, state)

    def wait(seconds: float, state: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and keep_going(stats):
            beat(state)
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    pending: _Job | None = None
    while keep_going(stats):
        first = pending.slot if pending else next_slot()
        if first is None:
            wait(1.0, "connecting")
            continue
        beat("connecting", force=True)
        connection = Connection(fmt, target, realtime=realtime, ca_file=ca_file)
        clock = FeedClock(fps=fmt.fps, sample_rate=fmt.sample_rate)  # a new connection starts its clock at 0
        pending = _Job(first, clock.next_segment(first.seconds))
        graceful = False
        try:
            while connection.alive:
                while not connection.started.empty():
                    slot = connection.started.get()
                    stats.slots_played += 1
                    on_slot_started(slot)
                beat("on_air" if connection.seconds_sent > 0 else "connecting", connection)
                if not keep_going(stats):
                    graceful = True
                    break
                if pending is None:
                    slot = next_slot()
                    if slot is None:  # nothing ready (the room's segments were pruned): the queued one plays on
                        time.sleep(0.2)
                        continue
                    pending = _Job(slot, clock.next_segment(slot.seconds))
                if connection.offer(pending, timeout=0.2):
                    pending = None
        finally:
            connection.close(graceful=graceful)
            while not connection.started.empty():
                connection.started.get()
            beat("retrying", connection)
            stats._closed_seconds += connection.seconds_sent
            stats._closed_dropped += connection.progress.get("drop_frames", 0)
        if graceful or not keep_going(stats):
            break
        # The ingest dropped or refused us: what was queued is replayed from the start of the next connection.
        stats.reconnects += 1
        stats.last_error = connection.error[:500]
        backoff.connection_lasted(time.monotonic() - connection.opened_at)
        delay = backoff.next_wait()
        logger.warning("live push to %s: %s; reconnecting in %.0f s", _safe(target), stats.last_error, delay)
        beat("retrying", force=True)
        wait(delay, "retrying")
    beat("off", force=True)
    return stats


def _safe(target: str) -> str:
    """The target without its stream key (the last path segment), for logs."""
    return target.rsplit("/", 1)[0] + "/••••"
