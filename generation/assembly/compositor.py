"""A Timeline's frames, one at a time, composed as cheaply as Python allows.

Per-frame Python compositing is what makes assembly slow, so each frame costs as little as it can: shots are
decoded, reframed and scaled by an ffmpeg process (C, on the other core), cards and overlays are drawn once per
rendition by cards.py, a card's frames after its entrance animation are one cached array, overlays blend only
their own rectangle, and transitions use OpenCV's vectorised blends. Frames are asked for in order (the encoder
walks forward); asking for an earlier frame reopens the shot's decoder there.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from . import cards, overlays
from .ai_label import ai_label_corner, ai_label_layer
from .frame_sources import POP_OVERSHOOT, CardFrames, Overlay, ShotFrames, back_out, ease
from .presenter_frames import PresenterFrames
from .timeline import PresenterClip, Segment, ShotClip, Timeline, parse_hex_color

PREPARE_AHEAD_FRAMES = 15  # a shot's decoder starts this many frames before the shot does
ZOOM_OUT_SCALE = 1.6  # zoom: the outgoing segment grows to this...
ZOOM_IN_SCALE = 1.3  # ...while the incoming one settles from this to full size
WIPE_BAND = 0.22  # wipe: the brand-colour band's width, a fraction of the frame's width
PUSH_BLUR = 0.06  # push: the motion blur at full speed, a fraction of the frame's width
BADGE_POP_SECONDS = 0.4  # a discount badge pops in (grows past full size and back) over this long


def _source_for(segment: Segment, size: tuple[int, int], fps: int, style):
    if isinstance(segment.content, ShotClip):
        return ShotFrames(segment.content, size, fps)
    if isinstance(segment.content, PresenterClip):
        return PresenterFrames(segment, size, fps, style)
    return CardFrames(segment, size, fps, style)


class Compositor:
    """frame(n) -> the timeline's n-th frame (H, W, 3) uint8. close() ends every decoder it started."""

    def __init__(self, timeline: Timeline):
        self.timeline = timeline
        size, fps, style = (timeline.width, timeline.height), timeline.fps, timeline.style
        self.size = size
        self.starts = timeline.start_frames()
        self.lengths = [round(segment.duration * fps) for segment in timeline.segments]
        self.sources = [_source_for(segment, size, fps, style) for segment in timeline.segments]
        watermark = overlays.watermark_layer(style, size, timeline.watermark)
        self.watermark = Overlay(watermark, size) if watermark is not None else None
        self.badge_layers = {
            index: overlays.badge_layer(segment.badge, size, style)
            for index, segment in enumerate(timeline.segments)
            if segment.badge
        }
        self.badges = {index: Overlay(layer, size) for index, layer in self.badge_layers.items()}
        self.ai_label = self._ai_label_overlay()
        # The badge pops in where it first appears: a run of badged segments (a scene's shots) shows one badge.
        segments = timeline.segments
        self.badge_pops = {
            index: self.starts[index]
            for index in self.badges
            if index == 0 or segments[index - 1].badge != segments[index].badge
        }
        self.badge_pop_frames = max(1, round(BADGE_POP_SECONDS * fps))
        self.accent = parse_hex_color(style.accent)
        # A missing or broken shot fails now, before any encoding is spent. Each check starts an ffmpeg to read the
        # clip's first frame (~0.4 s, mostly waiting on the process): run them side by side.
        checked = [source for source in self.sources if isinstance(source, (ShotFrames, PresenterFrames))]
        if checked:
            with ThreadPoolExecutor(max_workers=min(4, len(checked))) as pool:
                for done in [pool.submit(source.check) for source in checked]:
                    done.result()
        burned = timeline.captions if timeline.burn_in_captions else ()
        self.caption_starts = [round(cue.start * fps) for cue in burned]
        self.caption_ends = [round(cue.end * fps) for cue in burned]
        self._caption_overlays: dict[int, Overlay] = {}

    def _ai_label_overlay(self) -> Overlay | None:
        """The AI label for every frame, in its corner (ai_label.py), clear of the watermark and badges."""
        label = self.timeline.ai_label
        if label is None:
            return None
        segments = self.timeline.segments
        taken = (self.timeline.watermark,) + (("top-left",) if self.badge_layers else ())
        boxes = tuple(
            s.content.product_box for s in segments if isinstance(s.content, ShotClip) and s.content.product_box
        )
        corner = ai_label_corner(label, self.size, self.timeline.style, taken=taken, product_boxes=boxes)
        self.ai_label_corner = corner
        return Overlay(ai_label_layer(label, self.size, self.timeline.style, corner), self.size)

    def frame(self, n: int) -> np.ndarray:
        active = [i for i, (start, length) in enumerate(zip(self.starts, self.lengths)) if start <= n < start + length]
        if not active:  # past the end (the encoder may ask for one frame of padding): hold the last frame
            active, n = [len(self.sources) - 1], self.starts[-1] + self.lengths[-1] - 1
        current = active[-1]
        frame = self._segment_frame(current, n)
        if len(active) > 1:
            progress = self._progress(current, n)
            frame = self._transition(active[-2], current, frame, progress, n)
            weights = {active[-2]: 1 - progress, current: progress}
        else:
            frame = np.array(frame)  # a private copy: overlays draw on it, sources keep theirs
            weights = {current: 1.0}
        self._close_finished(n)
        self._prepare_upcoming(n)
        return self._overlays(frame, weights, n)

    def _segment_frame(self, index: int, n: int) -> np.ndarray:
        return self.sources[index].frame(n - self.starts[index])

    def _progress(self, incoming: int, n: int) -> float:
        frames = round(self.timeline.segments[incoming].transition.duration * self.timeline.fps)
        return ease((n - self.starts[incoming] + 1) / (frames + 1))

    def _transition(
        self, outgoing: int, incoming: int, incoming_frame: np.ndarray, progress: float, n: int
    ) -> np.ndarray:
        transition = self.timeline.segments[incoming].transition
        outgoing_frame = self._segment_frame(outgoing, n)
        if transition.kind == "crossfade":
            return cv2.addWeighted(outgoing_frame, 1 - progress, incoming_frame, progress, 0)
        if transition.kind == "zoom":
            return cv2.addWeighted(
                _zoomed(outgoing_frame, 1 + (ZOOM_OUT_SCALE - 1) * progress),
                1 - progress,
                _zoomed(incoming_frame, ZOOM_IN_SCALE + (1 - ZOOM_IN_SCALE) * progress),
                progress,
                0,
            )
        width, height = self.size
        frame = np.empty_like(incoming_frame)
        if transition.kind == "wipe":  # the band's right edge sweeps from the left edge to past the right one
            band = round(width * WIPE_BAND)
            edge = round((width + band) * progress)
            uncovered, covered = max(0, edge - band), min(width, edge)
            frame[:, :uncovered] = incoming_frame[:, :uncovered]
            frame[:, uncovered:covered] = self.accent
            frame[:, covered:] = outgoing_frame[:, covered:]
            return frame
        if transition.kind == "push":  # as slide_left, with the blur of a fast pan (strongest mid-way)
            offset = round(width * progress)
            frame[:, : width - offset] = outgoing_frame[:, offset:]
            frame[:, width - offset :] = incoming_frame[:, :offset]
            blur = round(width * PUSH_BLUR * math.sin(math.pi * progress))
            return cv2.blur(frame, (blur, 1)) if blur > 1 else frame
        if transition.kind == "slide_left":  # the new segment pushes the old one out to the left
            offset = round(width * progress)
            frame[:, : width - offset] = outgoing_frame[:, offset:]
            frame[:, width - offset :] = incoming_frame[:, :offset]
        else:  # slide_up
            offset = round(height * progress)
            frame[: height - offset] = outgoing_frame[offset:]
            frame[height - offset :] = incoming_frame[:offset]
        return frame

    def _overlays(self, frame: np.ndarray, weights: dict[int, float], n: int) -> np.ndarray:
        """The watermark and badge belong to their segments: mid-transition they fade with them (weights: how much
        of each segment the frame shows), so a shot's logo leaves with the shot rather than vanishing at once."""
        segments = self.timeline.segments
        if self.watermark is not None:
            self.watermark.blend_onto(
                frame, sum(w for i, w in weights.items() if isinstance(segments[i].content, (ShotClip, PresenterClip)))
            )
        badged = [i for i in weights if i in self.badges]
        if badged:
            self._badge(badged[-1], n).blend_onto(frame, sum(weights[i] for i in badged))
        cue = bisect_right(self.caption_starts, n) - 1
        if cue >= 0 and n < self.caption_ends[cue]:
            self._caption(cue).blend_onto(frame)
        if self.ai_label is not None:  # over everything, on every frame: nothing may hide it
            self.ai_label.blend_onto(frame)
        return frame

    def _badge(self, index: int, n: int) -> Overlay:
        """The badge, popping (scaled about its centre past full size and back) over its first frames."""
        runs = [start for i, start in self.badge_pops.items() if i <= index]
        since = n - max(runs) if runs else self.badge_pop_frames
        if since >= self.badge_pop_frames - 1 or since < 0:
            return self.badges[index]
        layer = self.badge_layers[index]
        scale = max(0.05, back_out((since + 1) / self.badge_pop_frames, POP_OVERSHOOT))
        height, width = layer.image.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        scaled = cv2.resize(layer.image, size, interpolation=cv2.INTER_LINEAR)
        return Overlay(
            cards.Layer(scaled, layer.x + (width - size[0]) // 2, layer.y + (height - size[1]) // 2), self.size
        )

    def _caption(self, index: int) -> Overlay:
        if index not in self._caption_overlays:
            self._caption_overlays.clear()  # one cue at a time is on screen
            text = self.timeline.captions[index].text
            self._caption_overlays[index] = Overlay(
                overlays.caption_layer(text, self.size, self.timeline.style), self.size
            )
        return self._caption_overlays[index]

    def _prepare_upcoming(self, n: int) -> None:
        for start, source in zip(self.starts, self.sources):
            if n < start <= n + PREPARE_AHEAD_FRAMES and isinstance(source, (ShotFrames, PresenterFrames)):
                source.prepare()

    def _close_finished(self, n: int) -> None:
        for start, length, source in zip(self.starts, self.lengths, self.sources):
            if start + length <= n:
                source.close()

    def close(self) -> None:
        for source in self.sources:
            source.close()


def _zoomed(frame: np.ndarray, scale: float) -> np.ndarray:
    """The frame's centre scaled up by `scale` (>= 1) to fill the frame."""
    if scale <= 1:
        return frame
    height, width = frame.shape[:2]
    crop_w, crop_h = max(1, round(width / scale)), max(1, round(height / scale))
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    return cv2.resize(frame[top : top + crop_h, left : left + crop_w], (width, height), interpolation=cv2.INTER_LINEAR)
