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
