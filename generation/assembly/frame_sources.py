"""Where the compositor's frames come from: a shot clip decoded by ffmpeg, a card entering, and the Overlay
that blends a drawn layer onto a frame. presenter_frames.py builds on these, and compositor.py uses both.
"""

from __future__ import annotations

import math
import os
import queue
import subprocess
import threading
from functools import cached_property

import cv2
import imageio_ffmpeg
import numpy as np

from . import cards
from .reframe import reframe_filter, subject_find
from .timeline import Segment, ShotClip

# A card's parts (cards.card_parts: each line of text, the price, the badge, the strike-through) enter one after
# another, PART_STAGGER apart, each over PART_SECONDS; the whole entrance takes at most half the card's time.
PART_SECONDS = 0.45
PART_STAGGER = 0.12
ENTRANCE_RISE = 0.04  # how far (fraction of the frame height) a line of text rises while it enters
LOGO_START_SCALE = 0.82
SLAM_START_SCALE = 1.3  # the price lands from this big, dipping just under full size before it settles
POP_OVERSHOOT = 1.70158  # the badge's back-out easing constant: it peaks about 10% over full size


class Overlay:
    """A Layer ready to blend: its colour and per-pixel weights kept as OpenCV's blendLinear wants them, so a blend
    is one vectorised call over the layer's own rectangle (2-3x faster than the same maths in numpy)."""

    def __init__(self, layer: cards.Layer, size: tuple[int, int]):
        width, height = size
        image, x, y = layer.image, layer.x, layer.y
        # Clip to the frame: a layer that pokes out is drawn in part, not refused mid-render.
        left, top = max(0, -x), max(0, -y)
        right, bottom = min(image.shape[1], width - x), min(image.shape[0], height - y)
        image = image[top:bottom, left:right]
        self.x, self.y = x + left, y + top
        self.height, self.width = image.shape[:2]
        self.colour = np.ascontiguousarray(image[..., :3])
        self.alpha = image[..., 3].astype(np.float32) / 255
        self.inverse_alpha = 1 - self.alpha

    def blend_onto(self, frame: np.ndarray, opacity: float = 1.0, dy: int = 0) -> None:
        """Blend at the layer's place, or dy pixels lower (a rising text; the caller keeps it inside the frame)."""
        if self.width <= 0 or self.height <= 0 or opacity <= 0:
            return
        region = frame[self.y + dy : self.y + dy + self.height, self.x : self.x + self.width]
        if opacity >= 1:
            alpha, inverse_alpha = self.alpha, self.inverse_alpha
        else:  # entrances and transitions
            alpha = self.alpha * opacity
            inverse_alpha = 1 - alpha
        region[...] = cv2.blendLinear(region, self.colour, inverse_alpha, alpha)


class ShotFrames:
    """A shot clip's frames at the rendition's size and fps, decoded by one ffmpeg process; the last frame is
    held when the clip is shorter than its segment."""

    def __init__(self, clip: ShotClip, size: tuple[int, int], fps: int):
        self.path, self.size, self.fps = clip.path, size, fps
        self._reader: _FrameReader | None = None
        self._next = 0  # index of the frame the process yields next
        self._last: np.ndarray | None = None
        self._ended = False

    def check(self) -> None:
        """Raise now, naming the clip, if it is missing or cannot be decoded."""
        self._filter  # noqa: B018 (reading it opens the clip)

    @cached_property
    def _filter(self) -> str:
        # Say which clip and why in one line: imageio's own error for a missing or unreadable file is "Could not
        # load meta information" followed by ffmpeg's whole banner, with the path buried in it.
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"shot clip {self.path} not found")
        reader = imageio_ffmpeg.read_frames(self.path, pix_fmt="rgb24")
        try:
            meta = next(reader)
            first = np.frombuffer(next(reader), np.uint8).reshape(meta["size"][1], meta["size"][0], 3)
        except StopIteration:
            raise ValueError(f"shot clip {self.path} has no frames") from None
        except OSError as error:
            reason = [line for line in str(error).splitlines() if line.strip()][-1:] or ["no reason given"]
            raise ValueError(f"shot clip {self.path} cannot be decoded: {reason[0].strip()}") from None
        finally:
            reader.close()
        return f"fps={self.fps}," + reframe_filter(tuple(meta["size"]), self.size, subject_find(first))

    def frame(self, index: int) -> np.ndarray:
        if index < self._next - 1 or self._reader is None and not self._ended:
            self._open(start=max(0, index))
        if index == self._next - 1 and self._last is not None:
            return self._last
        width, height = self.size
        while self._next <= index and not self._ended:
            data = self._reader.next_frame()
            if data is None:
                self._ended = True
                self.close()
                break
            self._last = np.frombuffer(data, np.uint8).reshape(height, width, 3)
            self._next += 1
        if self._last is None:
            raise ValueError(f"shot clip {self.path} could not be decoded")
        return self._last

    def prepare(self) -> None:
        """Start decoding from the first frame ahead of need, so the segment's first frames are ready on time."""
        if self._reader is None and not self._ended and self._next == 0:
            self._open(start=0)

    def _open(self, start: int) -> None:
        self.close()
        self._ended = False
        seek = ["-ss", f"{start / self.fps:.6f}"] if start else []
        command = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-nostdin",
            *seek,
            "-i",
            self.path,
            "-filter_complex",
            self._filter,
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ]
        self._reader = _FrameReader(command, self.size[0] * self.size[1] * 3)
        self._next = start

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class _FrameReader:
    """An ffmpeg process whose raw frames a thread reads ahead into a short queue: decoding runs while the
    compositor and the encoder work on earlier frames (a pipe alone holds 64 KiB, a fraction of one frame, so
    without the thread the decoder would stall between reads). The thread waits in read() without the GIL."""

    QUEUE_FRAMES = 4

    def __init__(self, command: list[str], frame_bytes: int):
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._frames: queue.Queue = queue.Queue(maxsize=self.QUEUE_FRAMES)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._read_all, args=(frame_bytes,), daemon=True)
        self._thread.start()

    def _read_all(self, frame_bytes: int) -> None:
        stdout = self._process.stdout
        while not self._closing.is_set():
            try:
                data = stdout.read(frame_bytes)
            except (OSError, ValueError):  # closed under us
                data = b""
            complete = len(data) == frame_bytes
            while not self._closing.is_set():
                try:
                    self._frames.put(data if complete else None, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if not complete:
                return

    def next_frame(self) -> bytes | None:
        """The next frame's bytes, or None at the end of the clip."""
        return self._frames.get()

    def close(self) -> None:
        self._closing.set()
        self._process.kill()
        self._thread.join(timeout=5)
        self._process.stdout.close()
        self._process.wait()


class CardFrames:
    """A card: its background, its parts entering one by one (text rises line by line, the price slams, the
    old price is struck through, the badge pops, a logo grows), then the whole card standing still as one cached
    frame (the still is drawn from cards.card_layer, so a settled card is exactly the static card)."""

    def __init__(self, segment: Segment, size: tuple[int, int], fps: int, style):
        self.size = size
        self.background = cards.card_background(size, style)
        self.layer = cards.card_layer(segment.content, size, style)
        self.parts = cards.card_parts(segment.content, size, style)
        self._overlays = [Overlay(part.layer, size) for part in self.parts]  # at rest, and risen by a shift
        entrance = PART_SECONDS + PART_STAGGER * max(0, len(self.parts) - 1)
        self.entrance_frames = max(1, min(round(entrance * fps), round(segment.duration * fps) // 2))
        # A short card plays the same entrance faster rather than cutting it off.
        self._seconds_per_frame = entrance / self.entrance_frames
        self._still: np.ndarray | None = None

    def frame(self, index: int) -> np.ndarray:
        if index >= self.entrance_frames - 1:  # the entrance's last frame is already the settled card
            if self._still is None:
                self._still = self.background.copy()
                Overlay(self.layer, self.size).blend_onto(self._still)
            return self._still
        elapsed = (index + 1) * self._seconds_per_frame
        frame = self.background.copy()
        for number, part in enumerate(self.parts):
            progress = (elapsed - number * PART_STAGGER) / PART_SECONDS
            if progress <= 0:
                continue
            layer, opacity = part_entering(part, min(1.0, progress), self.size)
            overlay, dy = self._overlays[number], layer.y - part.layer.y
            if layer.image is part.layer.image and overlay.y + dy + overlay.height <= self.size[1]:
                overlay.blend_onto(frame, opacity=opacity, dy=dy)  # at rest or rising: the prepared weights
            else:
                Overlay(layer, self.size).blend_onto(frame, opacity=opacity)
        return frame

    def close(self) -> None:
        pass


def part_entering(part: cards.Part, progress: float, size: tuple[int, int]) -> tuple[cards.Layer, float]:
    """A card part `progress` (0 to 1) of the way through its entrance: the layer to draw and its opacity. At 1
    every motion is at rest: the part's own layer, fully opaque."""
    layer = part.layer
    if progress >= 1:
        return layer, 1.0
    if part.motion == "strike":  # drawn from the left
        width = max(1, round(layer.image.shape[1] * ease_out(progress)))
        return cards.Layer(layer.image[:, :width], layer.x, layer.y), 1.0
    if part.motion == "slam":
        scale = SLAM_START_SCALE + (1 - SLAM_START_SCALE) * back_out(progress, 1.2)
        return _scaled(layer, scale), min(1.0, progress * 3)
    if part.motion == "pop":
        return _scaled(layer, max(0.05, back_out(progress, POP_OVERSHOOT))), min(1.0, progress * 4)
    if part.motion == "logo":
        return _scaled(layer, LOGO_START_SCALE + (1 - LOGO_START_SCALE) * ease_out(progress)), ease(progress)
    rise = round((1 - ease_out(progress)) * ENTRANCE_RISE * size[1])
    return cards.Layer(layer.image, layer.x, layer.y + rise), ease(progress)


def _scaled(layer: cards.Layer, scale: float) -> cards.Layer:
    """The layer scaled about its centre."""
    height, width = layer.image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    scaled = cv2.resize(layer.image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return cards.Layer(scaled, layer.x + (width - size[0]) // 2, layer.y + (height - size[1]) // 2)


def ease_out(progress: float) -> float:
    """Ease out (cubic): fast, then landing softly, as things thrown into view do."""
    return 1 - (1 - min(1.0, max(0.0, progress))) ** 3


def back_out(progress: float, overshoot: float) -> float:
    """Ease out past the end and back (0 -> ~1 + overshoot / 16 -> 1): a landing with a small bounce."""
    p = min(1.0, max(0.0, progress)) - 1
    return 1 + (overshoot + 1) * p**3 + overshoot * p**2


def ease(progress: float) -> float:
    """Ease in-out (sine): transitions and entrances start and land softly."""
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, progress)))
