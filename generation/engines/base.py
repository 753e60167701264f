"""The one interface every shot engine implements.

An engine turns a ShotRequest (a photo, a prompt, a size, a length) into frames. It knows nothing about
Django, jobs or storage: the shot service feeds it a request and writes what comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

ASPECT_RATIOS = ("9:16", "1:1", "16:9", "4:5")


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
    prompt: str = ""
    negative_prompt: str = ""
    seed: int = 0
    camera: str = "push_in"
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps


@dataclass
class ShotResult:
    frames: np.ndarray  # (num_frames, height, width, 3) uint8 RGB
    fps: int
    metadata: dict[str, Any] = field(default_factory=dict)


class ProgressCallback(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


class Engine(Protocol):
    name: str

    def generate(self, request: ShotRequest, *, on_step: ProgressCallback | None = None) -> ShotResult: ...
