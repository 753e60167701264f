"""GPU memory and utilisation for a worker whose process uses CUDA: a daemon thread samples every device every
few seconds into shop_video_gpu_memory_bytes / shop_video_gpu_utilization_ratio. Started only in a process that
has already imported torch and initialised CUDA (a GPU worker's pool child after its first shot or its preload),
so no process is made to load torch or touch CUDA for it (a forking parent that touched CUDA breaks its children)."""

from __future__ import annotations

import logging
import sys
import threading
import time

logger = logging.getLogger(__name__)

SAMPLE_EVERY_SECONDS = 5.0
_started = False


def sampler_start_if_gpu() -> bool:
    global _started
    if _started:
        return True
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return False
    _started = True
    threading.Thread(target=_sample_forever, args=(torch,), name="gpu-metrics", daemon=True).start()
    return True


def gpu_sample(torch) -> None:
    from shop_video.ops.metrics import GPU_MEMORY, GPU_UTILIZATION

    for index in range(torch.cuda.device_count()):
        device = str(index)
        free, total = torch.cuda.mem_get_info(index)
        GPU_MEMORY.labels(device=device).set(total - free)
        try:
            GPU_UTILIZATION.labels(device=device).set(torch.cuda.utilization(index) / 100)
        except Exception:  # needs NVML (the nvidia-ml-py package); memory is still worth reporting
            pass


def _sample_forever(torch) -> None:
    while True:
        try:
            gpu_sample(torch)
        except Exception as exc:
            logger.warning("GPU metrics not sampled: %s", exc)
        time.sleep(SAMPLE_EVERY_SECONDS)
