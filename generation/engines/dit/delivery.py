"""A DiT shot's delivery as data: the model's frames and what to make of them, so the work can move elsewhere.

The engine used to hand back a closure that retimed and fitted the frames while they were encoded; a closure
cannot leave the process. A `DeliveryPlan` holds the same inputs (native uint8 frames, colour matched; the two
frame rates; the delivery size) and is plain data, so a GPU worker can pass it to a process pool
(generation/delivery_pool.py) and take its next shot while other cores retime, upscale and encode this one.

`plan.stream()` is exactly what `engine.delivery_stream` always returned (the same chunks, frame for frame);
`plan.stream(device="cuda")` does the fitting (the upscale) in torch on that device instead of OpenCV: the
flow-based retime stays on the CPU (OpenCV's DIS flow has no torch counterpart here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from generation.engines.base import FrameStream
from generation.engines.dit import postprocess

DELIVERY_CHUNK_SECONDS = 2  # frames are retimed and upscaled this many output seconds at a time


@dataclass(frozen=True)
class DeliveryPlan:
    native: np.ndarray  # (N, H, W, 3) uint8 at the model's size and frame rate
    src_fps: int
    dst_fps: int
    count: int  # output frames
    width: int
    height: int

    def stream(self, *, device: str = "cpu") -> PlannedFrameStream:
        """Retime and fit chunk by chunk. Chunks start at output frames whose source time is a whole source
        frame, so each chunk is retimed on its own slice exactly as the whole clip would be."""
        period = self.dst_fps // math.gcd(self.src_fps, self.dst_fps)  # output frames between whole-frame instants
        chunk = max(1, (DELIVERY_CHUNK_SECONDS * self.dst_fps) // period) * period
        fit = _fit_for(device)

        def chunks():
            for start in range(0, self.count, chunk):
                size = min(chunk, self.count - start)
                first = start * self.src_fps // self.dst_fps
                last = min(len(self.native) - 1, math.ceil((start + size - 1) * self.src_fps / self.dst_fps) + 1)
                piece = postprocess.frames_retime(
                    self.native[first : last + 1], src_fps=self.src_fps, dst_fps=self.dst_fps, num_frames=size
                )
                yield fit(piece, width=self.width, height=self.height)

        return PlannedFrameStream(plan=self, chunks=chunks)


class PlannedFrameStream(FrameStream):
    """A FrameStream that also carries its plan: whoever writes it may hand the plan to another process."""

    def __init__(self, *, plan: DeliveryPlan, chunks):
        super().__init__(count=plan.count, height=plan.height, width=plan.width, chunks=chunks)
        self.plan = plan


def _fit_for(device: str):
    if device == "cpu":
        return postprocess.frames_fit
    from generation.engines.dit import delivery_torch  # torch only where a device asked for it

    return lambda frames, *, width, height: delivery_torch.frames_fit(frames, width=width, height=height, device=device)
