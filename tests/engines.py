"""Engines for tests, loaded by name through SHOT_ENGINE_PLUGINS like any third-party engine."""

from __future__ import annotations

import time

from generation.engines.base import EngineError, ShotRequest, ShotResult


class FailingEngine:
    name = "failing"

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        if on_step:
            on_step(0, request.num_frames)
        raise EngineError("the model ran out of memory at step 3 (test engine)")


class HangingEngine:
    """Keeps reporting progress and never finishes: a worker stuck on a shot until it is killed."""

    name = "hanging"

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        while True:
            if on_step:
                on_step(0, request.num_frames)
            time.sleep(0.2)


class RecordingEngine:
    """Records the requests it gets and answers grey frames: what the shot runner hands an engine."""

    name = "recording"
    requests: list[ShotRequest] = []

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        import numpy as np

        RecordingEngine.requests.append(request)
        frames = np.full((request.num_frames, request.height, request.width, 3), 128, dtype=np.uint8)
        return ShotResult(frames=frames, fps=request.fps)
