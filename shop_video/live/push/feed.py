"""How much raw video and audio each product segment contributes to the pushed stream. Pure arithmetic.

The encoder reads raw frames and raw samples and numbers them itself (pts = frames / fps, samples / rate), so its
timestamps increase strictly by construction. Sync then rests on one thing: after every segment, the samples
written must equal the frames written times rate / fps. Segments' own tracks differ (an AAC track runs ~7 ms past
its video; fps may differ); each segment's audio is padded or trimmed to its video, and a running remainder
carries the fraction of a sample that rate / fps leaves (44100 / 30 = 1470, 44100 / 24 = 1837.5), so the drift
stays below one sample forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class SegmentFeed:
    frames: int
    samples: int


@dataclass
class FeedClock:
    fps: int
    sample_rate: int
    frames: int = 0
    samples: int = 0

    def next_segment(self, seconds: float) -> SegmentFeed:
        """The frames (at least one) and samples to write for a segment `seconds` long; advances the clock."""
        frames = max(1, round(seconds * self.fps))
        target = (self.frames + frames) * Fraction(self.sample_rate, self.fps)
        samples = int(target) - self.samples  # floor: never ahead of the video by a fraction of a sample
        self.frames += frames
        self.samples += samples
        return SegmentFeed(frames=frames, samples=samples)

    @property
    def drift_seconds(self) -> float:
        """Audio minus video time so far."""
        return float(Fraction(self.samples, self.sample_rate) - Fraction(self.frames, self.fps))
