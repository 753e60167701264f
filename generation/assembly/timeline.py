"""What a finished video is made of, as plain data: its size, its segments (shots and cards) with their
transitions, the brand look, the overlays (watermark, discount badge, captions) and the soundtrack.

Pure data on purpose: no moviepy, Pillow or ffmpeg here, so services can build and validate a timeline (and
tests can check one) without touching media. cards.py draws the cards, render.py turns a Timeline into an MP4.

Time model: segment i+1 enters over the last `transition.duration` seconds of segment i (a crossfade or slide
overlaps the two), so start[i+1] = start[i] + duration[i] - transition[i+1].duration. Every duration and
transition is a whole number of frames; validation says which one is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generation.aspect_ratios import ASPECT_SHAPES

from .captions import Cue

# How far a duration may sit from a whole number of frames and still count as whole.
FRAME_TOLERANCE = 1e-6

# push: the new segment shoves the old one out to the left, fast in the middle with a motion blur (a whip pan);
# zoom: the old segment zooms in and dissolves into the new one settling from a zoom (zoom-through); wipe: a band
# in the brand's accent colour sweeps across, uncovering the new segment behind it.
TRANSITION_KINDS = ("cut", "crossfade", "slide_left", "slide_up", "push", "zoom", "wipe")
WATERMARK_POSITIONS = ("none", "top-left", "top-right", "bottom-left", "bottom-right")


def _round_even(value: float) -> int:
    return 2 * round(value / 2)


def rendition_size(aspect_ratio: str, short_side: int) -> tuple[int, int]:
    """(width, height) of a rendition whose smaller dimension is short_side; both sides even."""
    if aspect_ratio not in ASPECT_SHAPES:
        raise ValueError(f"unknown aspect ratio {aspect_ratio!r}; valid: {', '.join(ASPECT_SHAPES)}")
    if isinstance(short_side, bool) or not isinstance(short_side, int) or short_side < 16 or short_side % 2:
        raise ValueError(f"short_side must be an even integer >= 16, got {short_side!r}")
    w, h = ASPECT_SHAPES[aspect_ratio]
    long_side = _round_even(short_side * max(w, h) / min(w, h))
    return (short_side, long_side) if w <= h else (long_side, short_side)


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def safe_area(width: int, height: int) -> Box:
    """Where text and logos may sit. Tall (9:16) feeds lay their own buttons and captions over the top ~12% and
    the bottom ~20% and the right edge (TikTok, Reels, Shorts), so text keeps clear of them; the other shapes keep
    a title-safe margin of 5% (7% across the top and bottom of 4:5, which feeds crop to 1:1 in grids)."""
    if height / width > 1.5:  # 9:16
        return Box(round(width * 0.06), round(height * 0.12), round(width * 0.88), round(height * 0.80))
    if height > width:  # 4:5
        return Box(round(width * 0.05), round(height * 0.07), round(width * 0.95), round(height * 0.93))
    return Box(round(width * 0.05), round(height * 0.05), round(width * 0.95), round(height * 0.95))


def parse_hex_color(value: str) -> tuple[int, int, int]:
    """ "#rrggbb" -> (r, g, b); ValueError for anything else."""
    if not (isinstance(value, str) and len(value) == 7 and value[0] == "#"):
        raise ValueError(f"colour must look like '#rrggbb', got {value!r}")
    try:
        return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)
    except ValueError:
        raise ValueError(f"colour must look like '#rrggbb', got {value!r}") from None


@dataclass(frozen=True)
class Style:
    """The brand look: card colours, the font every text is drawn with, the logo (a PNG, already rasterised)."""

    background: str = "#111111"
    foreground: str = "#ffffff"
    accent: str = "#e4572e"
    font_path: str | None = None  # the brand's TTF/OTF; None: the bundled font with a script for each text
    logo_path: str | None = None

    def __post_init__(self) -> None:
        for name in ("background", "foreground", "accent"):
            parse_hex_color(getattr(self, name))


# --- what a segment shows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShotClip:
    path: str  # an intermediate shot clip (clipio.write_clip); trimmed, or its last frame held, to the duration
    # The product's smallest box over the shot's frames, (left, top, right, bottom) as fractions; None: unknown.
    product_box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class TitleCard:
    title: str
    subtitle: str = ""  # a smaller second line, e.g. the price


@dataclass(frozen=True)
class LogoCard:
    """Intro or outro: the brand logo revealed (scaled up and faded in), the name below it when there is no logo."""

    name: str
    tagline: str = ""


@dataclass(frozen=True)
class PriceCard:
    price: str  # what the customer pays, formatted ("€79.00")
    compare_at: str = ""  # the old price, drawn crossed out; blank when not on sale
    discount: str = ""  # the badge ("-25%"); blank when not on sale
    headline: str = ""


@dataclass(frozen=True)
class FeatureList:
    heading: str
    bullets: tuple[str, ...]


@dataclass(frozen=True)
class CallToAction:
    text: str
    url: str = ""
    qr: bool = False  # draw the URL as a QR code too


@dataclass(frozen=True)
class ProductCard:
    """The product beside a presenter: its title and price on a panel (the presenter's lower third)."""

    title: str
    price: str
    compare_at: str = ""
    discount: str = ""


@dataclass(frozen=True)
class PresenterClip:
    """A presenter scene: the host clip placed by the layout (full frame, split screen or picture-in-picture)
    over the product photo, with the product card."""

    host: str  # the host shot clip (made at host_box's size, or reframed to it)
    layout: str  # one of PRESENTER_LAYOUTS
    card: ProductCard
    photo: str | None = None  # the product photo split and pip layouts show; None: the brand background

    def __post_init__(self) -> None:
        if self.layout not in PRESENTER_LAYOUTS:
            raise ValueError(f"presenter layout {self.layout!r} is unknown; use one of {', '.join(PRESENTER_LAYOUTS)}")


PRESENTER_LAYOUTS = ("full", "split", "pip")
Content = ShotClip | TitleCard | LogoCard | PriceCard | FeatureList | CallToAction | PresenterClip
CARD_TYPES = (TitleCard, LogoCard, PriceCard, FeatureList, CallToAction)


# --- the timeline: segments in order, the transitions between them, its sound ---------------------------


@dataclass(frozen=True)
class Transition:
    kind: str = "cut"
    duration: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in TRANSITION_KINDS:
            raise ValueError(f"transition {self.kind!r} is unknown; use one of {', '.join(TRANSITION_KINDS)}")
        if self.kind == "cut" and self.duration:
            raise ValueError("a cut has no duration")
        if self.kind != "cut" and self.duration <= 0:
            raise ValueError(f"a {self.kind} needs a duration above 0")


CUT = Transition()


@dataclass(frozen=True)
class Segment:
    content: Content
    duration: float
    transition: Transition = CUT  # how this segment enters over the previous one
    badge: str = ""  # a discount badge over a shot ("-25%")


@dataclass(frozen=True)
class Music:
    path: str  # the merchant's track; "" when `mood` names a built-in library piece instead
    volume: float = 0.8
    fade_in: float = 0.5
    fade_out: float = 1.0
    beats: tuple[float, ...] = ()  # seconds into the video of every beat, where known (built-in pieces)
    bar_beats: int = 4
    mood: str = ""  # a built-in piece (generation/music): composed to the video's length when it is rendered
    tempo: float = 0.0  # the built-in piece's beats per minute


SOUND_EFFECT_KINDS = ("whoosh", "pop")


@dataclass(frozen=True)
class SoundEffect:
    """A short sound over the mix, not ducked: a synthesised `kind` (generation/music/effects.py) or a file."""

    start: float  # seconds into the video
    kind: str = ""  # one of SOUND_EFFECT_KINDS
    path: str = ""
    duration: float = 0.0  # a whoosh's length (it peaks in its middle); 0: the kind's own
    volume: float = 1.0

    def __post_init__(self) -> None:
        if bool(self.kind) == bool(self.path):
            raise ValueError("a sound effect is either a kind or a file, not both or neither")
        if self.kind and self.kind not in SOUND_EFFECT_KINDS:
            raise ValueError(f"sound effect {self.kind!r} is unknown; use one of {', '.join(SOUND_EFFECT_KINDS)}")
        if not (self.start >= 0 and self.duration >= 0 and 0 <= self.volume <= 2):
            raise ValueError(f"sound effect start and duration must be >= 0 s and its volume 0..2, got {self!r}")


@dataclass(frozen=True)
class VoiceOver:
    """The template's voice-over: a script spoken by the TTS when the video is rendered, music ducked under it."""

    script: str
    start: float = 0.5  # seconds into the video
    voice: dict = field(default_factory=dict)  # VoiceSpec fields (engine, voice, speed, language)


@dataclass(frozen=True)
class Voice:
    path: str  # a speech WAV
    start: float  # seconds into the video


AI_LABEL_CORNERS = ("top-right", "top-left", "bottom-left", "bottom-right")
AI_LABEL_POSITIONS = ("auto", *AI_LABEL_CORNERS)


@dataclass(frozen=True)
class AiLabel:
    """The visible "AI-generated" label over every frame (ai_label.py draws it; docs/provenance.md)."""

    text: str = "AI-generated"
    position: str = "auto"  # a corner of the safe area, or "auto": one clear of the watermark, badge and product

    def __post_init__(self) -> None:
        if self.position not in AI_LABEL_POSITIONS:
            raise ValueError(
                f"AI label position {self.position!r} is unknown; use one of {', '.join(AI_LABEL_POSITIONS)}"
            )
        if not self.text.strip():
            raise ValueError("the AI label needs some text")


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    fps: int
    segments: tuple[Segment, ...]
    style: Style = field(default_factory=Style)
    watermark: str = "none"  # where the logo sits over shots: one of WATERMARK_POSITIONS
    music: Music | None = None
    voices: tuple[Voice, ...] = ()
    captions: tuple[Cue, ...] = ()  # written to the SRT / WebVTT sidecars, and burned in unless told not to
    burn_in_captions: bool = True
    sound_effects: tuple[SoundEffect, ...] = ()
    voiceover: VoiceOver | None = None
    loudness_lufs: float | None = -14.0  # the mix's integrated loudness (loudness.py); None: mixed as it comes
    ai_label: AiLabel | None = None  # shown whenever any part is AI-generated (generation/provenance)
    # the spoken AI disclosure (generation/provenance/disclosure.py): its script and voice; spoken at the end
    ai_disclosure: VoiceOver | None = None

    def __post_init__(self) -> None:
        timeline_validate(self)

    def starts(self) -> list[float]:
        """Start time of each segment, in seconds; the first is 0. Each transition overlaps its predecessor."""
        starts: list[float] = []
        for index, segment in enumerate(self.segments):
            if index == 0:
                starts.append(0.0)
            else:
                previous = self.segments[index - 1]
                starts.append(starts[-1] + previous.duration - segment.transition.duration)
        return starts

    @property
    def duration(self) -> float:
        return self.starts()[-1] + self.segments[-1].duration

    @property
    def num_frames(self) -> int:
        return round(self.duration * self.fps)

    def start_frames(self) -> list[int]:
        return [round(start * self.fps) for start in self.starts()]


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
    if timeline.watermark not in WATERMARK_POSITIONS:
        raise ValueError(f"watermark {timeline.watermark!r} is unknown; use one of {', '.join(WATERMARK_POSITIONS)}")
    for index, segment in enumerate(timeline.segments):
        if not isinstance(segment, Segment):
            raise ValueError(f"segment {index} is a {type(segment).__name__}, not a Segment")
        if not isinstance(segment.content, (ShotClip, PresenterClip, *CARD_TYPES)):
            raise ValueError(f"segment {index} shows a {type(segment.content).__name__}, which nothing can draw")
        _check_whole_frames(f"segment {index}", "lasts", segment.duration, timeline.fps, positive=True)
        transition = segment.transition
        if index == 0 and transition.kind != "cut":
            raise ValueError("segment 0 has a transition, but nothing comes before it to transition from")
        if transition.kind != "cut":
            _check_whole_frames(
                f"segment {index}", "has a transition of", transition.duration, timeline.fps, positive=True
            )
            previous = timeline.segments[index - 1]
            if transition.duration >= min(segment.duration, previous.duration):
                raise ValueError(
                    f"segment {index}'s {transition.kind} lasts {transition.duration:g} s, as long as "
                    "it or the segment before it; make the transition shorter than both"
                )
    for voice in timeline.voices:
        if voice.start < 0 or voice.start >= timeline.duration:
            raise ValueError(f"a voice starts at {voice.start:g} s, outside the {timeline.duration:g} s video")
    previous_end = 0.0
    for cue in timeline.captions:
        if cue.start < previous_end - FRAME_TOLERANCE or cue.end > timeline.duration + FRAME_TOLERANCE:
            raise ValueError(
                f"caption {cue.text!r} ({cue.start:g}-{cue.end:g} s) overlaps the one before it or runs "
                f"past the {timeline.duration:g} s video"
            )
        previous_end = cue.end
    music = timeline.music
    if music is not None and not (0 <= music.volume <= 1 and music.fade_in >= 0 and music.fade_out >= 0):
        raise ValueError("music volume must be from 0 to 1 and its fades 0 s or more")
    if music is not None and not (music.path or (music.mood and music.tempo > 0)):
        raise ValueError("music needs a file, or a built-in mood and tempo")
    for effect in timeline.sound_effects:
        if effect.start >= timeline.duration:
            raise ValueError(f"a sound effect starts at {effect.start:g} s, after the {timeline.duration:g} s video")


def _check_whole_frames(where: str, verb: str, seconds: float, fps: int, *, positive: bool) -> None:
    frames = seconds * fps
    if (positive and seconds <= 0) or abs(frames - round(frames)) > FRAME_TOLERANCE:
        raise ValueError(
            f"{where} {verb} {seconds!r} s, which is not a positive whole number of frames at {fps} fps "
            f"(e.g. {max(1, round(frames)) / fps:g} s)"
        )
