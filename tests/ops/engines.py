"""Shot engines for the ops tests, loaded through SHOT_ENGINE_PLUGINS like any third-party engine."""

from __future__ import annotations

import logging
import os
import time

import numpy as np

from generation.engines.base import ShotRequest, ShotResult

logger = logging.getLogger(__name__)


class SlowEngine:
    """A slow CPU shot: SLOW_SHOT_SECONDS (default 30) of steps, a progress heartbeat each 0.2 s, then grey frames."""

    name = "slow"

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        seconds = float(os.environ.get("SLOW_SHOT_SECONDS", "30"))
        steps = max(1, int(seconds / 0.2))
        for step in range(steps):
            time.sleep(0.2)
            if on_step:
                on_step(step + 1, steps)
        frames = np.full((request.num_frames, request.height, request.width, 3), 128, dtype=np.uint8)
        return ShotResult(frames=frames, fps=request.fps)


class LoggingEngine:
    """Logs while it works, as a real engine does, and answers grey frames."""

    name = "logging"

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        logger.info("generating %d frames", request.num_frames)
        logger.warning("a warning from inside the engine")
        frames = np.full((request.num_frames, request.height, request.width, 3), 128, dtype=np.uint8)
        return ShotResult(frames=frames, fps=request.fps)
