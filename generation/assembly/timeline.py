"""What a finished video is made of, as plain data: sizes, title cards, shot clips and their timing.

Pure data on purpose: no moviepy or ffmpeg here, so services can build and validate a timeline (and
tests can check one) without touching media. render.py turns a Timeline into an MP4.
"""

from __future__ import annotations

from dataclasses import dataclass

# width:height of each rendition, in the order the product offers them.
_ASPECT_SHAPES: dict[str, tuple[int, int]] = {"9:16": (9, 16), "1:1": (1, 1), "16:9": (16, 9), "4:5": (4, 5)}

# How far a duration may sit from a whole number of frames and still count as whole.
FRAME_TOLERANCE = 1e-6


def _round_even(value: float) -> int:
    return 2 * round(value / 2)


def rendition_size(aspect_ratio: str, short_side: int) -> tuple[int, int]:
    """(width, height) of a rendition whose smaller dimension is short_side; both sides even."""
    if aspect_ratio not in _ASPECT_SHAPES:
        raise ValueError(f"unknown aspect ratio {aspect_ratio!r}; valid: {', '.join(_ASPECT_SHAPES)}")
    if isinstance(short_side, bool) or not isinstance(short_side, int) or short_side < 16 or short_side % 2:
        raise ValueError(f"short_side must be an even integer >= 16, got {short_side!r}")
    w, h = _ASPECT_SHAPES[aspect_ratio]
    long_side = _round_even(short_side * max(w, h) / min(w, h))
    return (short_side, long_side) if w <= h else (long_side, short_side)


@dataclass(frozen=True)
class TitleCard:
    title: str
    subtitle: str  # a smaller second line, e.g. the price
    duration: float
    background: str = "#111111"  # "#rrggbb"
    foreground: str = "#ffffff"

    def __post_init__(self) -> None:
        for name in ("background", "foreground"):
            parse_hex_color(getattr(self, name))


@dataclass(frozen=True)
class ClipSegment:
    path: str  # an intermediate shot clip written by clipio.write_clip
    duration: float  # the clip is trimmed, or its last frame held, to exactly this


Segment = TitleCard | ClipSegment


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    fps: int
    segments: tuple[Segment, ...]
    music_path: str | None = None

    def __post_init__(self) -> None:
        timeline_validate(self)

    @property
    def duration(self) -> float:
        return sum(segment.duration for segment in self.segments)

    @property
    def num_frames(self) -> int:
        return round(self.duration * self.fps)

    def starts(self) -> list[float]:
        """Start time of each segment, in seconds; the first is 0."""
        starts, elapsed = [], 0.0
        for segment in self.segments:
            starts.append(elapsed)
            elapsed += segment.duration
        return starts


def timeline_validate(timeline: Timeline) -> None:
    """Raise ValueError saying what is wrong; Timeline runs this on construction."""
    for name in ("width", "height"):
        value = getattr(timeline, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 16 or value % 2:
            raise ValueError(f"timeline {name} must be an even integer >= 16, got {value!r}")
    if isinstance(timeline.fps, bool) or not isinstance(timeline.fps, int) or timeline.fps < 1:
        raise ValueError(f"timeline fps must be an integer >= 1, got {timeline.fps!r}")
    if not isinstance(timeline.segments, tuple):
        raise ValueError(f"timeline segments must be a tuple, got {type(timeline.segments).__name__}")
    if not timeline.segments:
        raise ValueError("timeline has no segments")
    for index, segment in enumerate(timeline.segments):
        if not isinstance(segment, (TitleCard, ClipSegment)):
            raise ValueError(f"segment {index} is a {type(segment).__name__}, not a TitleCard or ClipSegment")
        frames = segment.duration * timeline.fps
        if segment.duration <= 0 or abs(frames - round(frames)) > FRAME_TOLERANCE:
            raise ValueError(
                f"segment {index} lasts {segment.duration!r} s, which is not a positive whole number of frames "
                f"at {timeline.fps} fps (e.g. {max(1, round(frames)) / timeline.fps:g} s)"
            )


def parse_hex_color(value: str) -> tuple[int, int, int]:
    """"#rrggbb" -> (r, g, b); ValueError for anything else."""
    if not (isinstance(value, str) and len(value) == 7 and value[0] == "#"):
        raise ValueError(f"colour must look like '#rrggbb', got {value!r}")
    try:
        return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)
    except ValueError:
        raise ValueError(f"colour must look like '#rrggbb', got {value!r}") from None
