"""A Timeline's frames, one at a time, composed as cheaply as Python allows.

Per-frame Python compositing is what makes assembly slow, so each frame costs as little as it can: shots are
decoded, reframed and scaled by an ffmpeg process (C, on the other core), cards and overlays are drawn once per
rendition by cards.py, a card's frames after its entrance animation are one cached array, overlays blend only
their own rectangle, and transitions use OpenCV's vectorised blends. Frames are asked for in order (the encoder
walks forward); asking for an earlier frame reopens the shot's decoder there.
"""

from __future__ import annotations

from bisect import bisect_right

import cv2
import numpy as np

from . import cards
from .frame_sources import CardFrames, Overlay, ShotFrames, ease
from .presenter_frames import PresenterFrames
from .timeline import PresenterClip, Segment, ShotClip, Timeline

PREPARE_AHEAD_FRAMES = 15  # a shot's decoder starts this many frames before the shot does


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
        watermark = cards.watermark_layer(style, size, timeline.watermark)
        self.watermark = Overlay(watermark, size) if watermark is not None else None
        self.badges = {index: Overlay(cards.badge_layer(segment.badge, size, style), size)
                       for index, segment in enumerate(timeline.segments) if segment.badge}
        for source in self.sources:  # a missing or broken shot fails now, before any encoding is spent
            if isinstance(source, (ShotFrames, PresenterFrames)):
                source.check()
        burned = timeline.captions if timeline.burn_in_captions else ()
        self.caption_starts = [round(cue.start * fps) for cue in burned]
        self.caption_ends = [round(cue.end * fps) for cue in burned]
        self._caption_overlays: dict[int, Overlay] = {}

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

    def _transition(self, outgoing: int, incoming: int, incoming_frame: np.ndarray, progress: float,
                    n: int) -> np.ndarray:
        transition = self.timeline.segments[incoming].transition
        outgoing_frame = self._segment_frame(outgoing, n)
        if transition.kind == "crossfade":
            return cv2.addWeighted(outgoing_frame, 1 - progress, incoming_frame, progress, 0)
        width, height = self.size
        frame = np.empty_like(incoming_frame)
        if transition.kind == "slide_left":  # the new segment pushes the old one out to the left
            offset = round(width * progress)
            frame[:, :width - offset] = outgoing_frame[:, offset:]
            frame[:, width - offset:] = incoming_frame[:, :offset]
        else:  # slide_up
            offset = round(height * progress)
            frame[:height - offset] = outgoing_frame[offset:]
            frame[height - offset:] = incoming_frame[:offset]
        return frame

    def _overlays(self, frame: np.ndarray, weights: dict[int, float], n: int) -> np.ndarray:
        """The watermark and badge belong to their segments: mid-transition they fade with them (weights: how much
        of each segment the frame shows), so a shot's logo leaves with the shot rather than vanishing at once."""
        segments = self.timeline.segments
        if self.watermark is not None:
            self.watermark.blend_onto(frame, sum(w for i, w in weights.items()
                                                 if isinstance(segments[i].content, (ShotClip, PresenterClip))))
        badged = [i for i in weights if i in self.badges]
        if badged:
            self.badges[badged[-1]].blend_onto(frame, sum(weights[i] for i in badged))
        cue = bisect_right(self.caption_starts, n) - 1
        if cue >= 0 and n < self.caption_ends[cue]:
            self._caption(cue).blend_onto(frame)
        return frame

    def _caption(self, index: int) -> Overlay:
        if index not in self._caption_overlays:
            self._caption_overlays.clear()  # one cue at a time is on screen
            text = self.timeline.captions[index].text
            self._caption_overlays[index] = Overlay(cards.caption_layer(text, self.size, self.timeline.style),
                                                    self.size)
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

