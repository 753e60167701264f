"""Cuts on the music's beats: move each boundary between segments to the nearest beat, when one is near.

Pure: durations, transitions and beat times in, durations out, all in whole frames, so job_timeline can call it
before the Timeline is built and the timeline's own validation still holds. A boundary is where the viewer sees
the change: a cut itself, or the middle of a transition. Each boundary moves by lengthening or shortening the
segment before it (everything after it moves with it), never by more than the tolerance, never below the
minimum length or the room its transitions need; a segment that cannot change keeps its boundary where it was.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

SNAP_TOLERANCE = 0.25  # seconds: further than this from a beat, a boundary stays where the template put it
MIN_SEGMENT_SECONDS = 0.5

# How a segment's length may change: "free" (a card: any length), "shrink" (a shot clip: trimmed, never held on
# its last frame), "fixed" (a presenter speaking: its speech must not be cut).
FLEX = ("free", "shrink", "fixed")


def cuts_on_beats(
    durations: Sequence[float],
    transitions: Sequence[float],
    beats: Sequence[float],
    *,
    fps: int,
    flex: Sequence[str] | None = None,
    tolerance: float = SNAP_TOLERANCE,
    min_seconds: float = MIN_SEGMENT_SECONDS,
) -> list[float]:
    """The segments' durations with each boundary on the nearest beat within `tolerance` seconds.

    durations[i] and transitions[i] (how long segment i takes to enter over segment i - 1; transitions[0] is 0)
    are seconds in whole frames; beats are seconds into the video, ascending. flex[i] says how segment i's length
    may change (FLEX); all "free" when None."""
    count = len(durations)
    if len(transitions) != count or (flex is not None and len(flex) != count):
        raise ValueError("durations, transitions and flex need one entry per segment")
    flex = list(flex) if flex is not None else ["free"] * count
    if any(mode not in FLEX for mode in flex):
        raise ValueError(f"flex entries must be one of {', '.join(FLEX)}")
    frames = [round(seconds * fps) for seconds in durations]
    overlaps = [round(seconds * fps) for seconds in transitions]
    beat_frames = sorted(beat * fps for beat in beats)
    reach, shortest = tolerance * fps, max(1, round(min_seconds * fps))
    start = 0  # the frame segment i - 1 starts at
    for index in range(1, count):
        before = index - 1
        boundary = start + frames[before] - overlaps[index] / 2  # the cut, or the transition's middle
        floor = max(shortest, overlaps[before] + overlaps[index] + 1)
        ceiling = frames[before] if flex[before] == "shrink" else frames[before] + reach
        if flex[before] != "fixed":
            for beat in _near(beat_frames, boundary, reach):  # the nearest beat the segment can reach
                length = frames[before] + round(beat - boundary)
                if floor <= length <= ceiling:
                    frames[before] = length
                    break
        start += frames[before] - overlaps[index]
    return [length / fps for length in frames]


def _near(ordered: list[float], value: float, reach: float) -> list[float]:
    """The values within reach of value, nearest first."""
    low, high = bisect_left(ordered, value - reach), bisect_right(ordered, value + reach)
    return sorted(ordered[low:high], key=lambda beat: abs(beat - value))
