"""What the delivery pool tests run in the pool's processes, and test engines whose shots carry a delivery plan.

A module of its own: the pool's processes are spawned and import their work by name, without pytest's test module.
"""

from __future__ import annotations

import time

import numpy as np

from generation.engines.base import ShotRequest, ShotResult
from generation.engines.dit.delivery import DeliveryPlan


def sleep_then(seconds: float, value):
    time.sleep(seconds)
    return value


def moving_clip(count: int, width: int, height: int) -> np.ndarray:
    """A smooth picture drifting a pixel a frame: something for the optical flow to follow."""
    y, x = np.mgrid[0 : height + count, 0 : width + count]
    picture = np.stack([(x * 3) % 256, (y * 5) % 256, ((x + y) * 2) % 256], axis=-1).astype(np.uint8)
    return np.stack([picture[i : i + height, i : i + width] for i in range(count)])


def plan_for(request: ShotRequest, native: np.ndarray) -> DeliveryPlan:
    return DeliveryPlan(
        native=native, src_fps=8, dst_fps=request.fps, count=request.num_frames, width=request.width,
        height=request.height,
    )  # fmt: skip


class PlannedEngine:
    """A DiT stand-in: model-sized frames at 8 fps, delivered (retimed, fitted) through a DeliveryPlan."""

    name = "planned"

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        native = moving_clip(1 + (request.num_frames - 1) * 8 // request.fps + 1, 48, 32)
        return ShotResult(frames=plan_for(request, native).stream(), fps=request.fps, metadata={"engine": "planned"})


class BrokenDeliveryEngine:
    """Its model part succeeds; its delivery cannot: the native frames are float, which the retime refuses."""

    name = "broken-delivery"

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        native = moving_clip(4, 48, 32).astype(np.float32)
        return ShotResult(frames=plan_for(request, native).stream(), fps=request.fps)


class SlowDeliveryPlan(DeliveryPlan):
    """A delivery that takes a couple of seconds whatever the machine: long enough to be mid-way at a SIGTERM."""

    def stream(self, *, device: str = "cpu"):
        time.sleep(2.0)
        return super().stream(device=device)


class SlowPlannedEngine:
    name = "slow-planned"

    def generate(self, request: ShotRequest, *, on_step=None) -> ShotResult:
        native = moving_clip(1 + (request.num_frames - 1) * 8 // request.fps + 1, 48, 32)
        plan = SlowDeliveryPlan(**vars(plan_for(request, native)))
        # The stream carries the slow plan; only the delivery pool's process, which calls plan.stream(), waits.
        return ShotResult(frames=DeliveryPlan.stream(plan), fps=request.fps)
