"""The one interface every shot engine implements.

An engine turns a ShotRequest (a photo, a prompt, a size, a length) into frames. It knows nothing about
Django, jobs or storage: the shot service feeds it a request and writes what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class EngineError(Exception):
    """The request cannot be served by this engine; the message says what to change."""


class ShotCancelled(Exception):
    """Raised from an on_step callback to stop a shot whose job was cancelled."""


@dataclass(frozen=True)
class ShotRequest:
    width: int
    height: int
    fps: int
    num_frames: int
    image_path: str | None = None  # local path of the source product photo
    end_image_path: str | None = None  # local path of a photo the shot must end on (keyframe engines)
    prompt: str = ""
    negative_prompt: str = ""
    seed: int = 0
    camera: str = "push_in"
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps


class FrameStream:
    """Frames made while they are consumed, with an array's shape and dtype: a long shot at 1080x1920 never
    sits in memory whole. `chunks` yields (n, height, width, 3) uint8 arrays; the writer checks the count."""

    dtype = np.dtype(np.uint8)

    def __init__(self, *, count: int, height: int, width: int, chunks: Callable[[], Iterator[np.ndarray]]):
        self.shape = (count, height, width, 3)
        self._chunks = chunks

    def __len__(self) -> int:
        return self.shape[0]

    def __iter__(self) -> Iterator[np.ndarray]:
        made = 0
        for chunk in self._chunks():
            if chunk.shape[1:] != self.shape[1:] or chunk.dtype != self.dtype:
                raise ValueError(f"a frame chunk is {chunk.shape[1:]} {chunk.dtype}, expected {self.shape[1:]} uint8")
            made += len(chunk)
            if made > self.shape[0]:
                raise ValueError(f"the stream made more than the {self.shape[0]} frames it promised")
            yield from chunk
        if made != self.shape[0]:
            raise ValueError(f"the stream made {made} frames, it promised {self.shape[0]}")


@dataclass
class ShotResult:
    frames: np.ndarray | FrameStream  # (num_frames, height, width, 3) uint8 RGB
    fps: int
    metadata: dict[str, Any] = field(default_factory=dict)


class ProgressCallback(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


class Engine(Protocol):
    name: str

    def generate(self, request: ShotRequest, *, on_step: ProgressCallback | None = None) -> ShotResult: ...


def request_size_check(request: ShotRequest) -> None:
    """Every engine's first check: even sides of 16 pixels or more, at least one frame, a frame rate of 1 or more."""
    for name in ("width", "height"):
        value = getattr(request, name)
        if not _is_int(value) or value < 16 or value % 2:
            raise EngineError(f"{name} must be an even integer >= 16, got {value!r}")
    if not _is_int(request.num_frames) or request.num_frames < 1:
        raise EngineError(f"num_frames must be an integer >= 1, got {request.num_frames!r}")
    if not _is_int(request.fps) or request.fps < 1:
        raise EngineError(f"fps must be an integer >= 1, got {request.fps!r}")


def photo_open(path, *, what: str = "product photo"):
    """A photo as RGB, turned upright (phone photos are often stored sideways) and with any transparent areas on
    white (cut-out product shots), rather than whatever colour hides there. EngineError naming `what` when it is
    missing or cannot be read."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            photo = ImageOps.exif_transpose(opened)
            photo.load()
    except FileNotFoundError:
        raise EngineError(f"{what} {str(path)!r} does not exist") from None
    except UnidentifiedImageError:
        raise EngineError(f"{what} {str(path)!r} cannot be read: it is not an image Pillow recognises") from None
    except OSError as exc:
        raise EngineError(f"{what} {str(path)!r} cannot be read: {exc}") from None
    if photo.mode in ("RGBA", "LA", "PA") or (photo.mode == "P" and "transparency" in photo.info):
        photo = Image.alpha_composite(Image.new("RGBA", photo.size, (255, 255, 255, 255)), photo.convert("RGBA"))
    return photo.convert("RGB")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
