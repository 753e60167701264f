"""The worker's sign of life for its liveness probe: a file whose modification time says when the worker last
proved it was consuming. The consumer touches it from its own event loop (LivenessHeartbeat, every
WORKER_HEARTBEAT_SECONDS), so a worker whose loop is stuck or frozen stops touching it; a shot's progress
heartbeats touch it too, so a long task in a --pool=solo worker (which blocks the loop) still counts as alive.
`python -m shop_video.ops.worker_liveness` reads it."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from celery import bootsteps

logger = logging.getLogger(__name__)


def heartbeat_path() -> Path:
    from django.conf import settings

    return Path(settings.WORKER_HEARTBEAT_FILE)


def heartbeat_touch() -> None:
    path = heartbeat_path()
    try:
        os.utime(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as exc:  # a read-only or full disk must not stop the work; the probe will say so
        logger.warning("worker heartbeat %s not touched: %s", path, exc)


class LivenessHeartbeat(bootsteps.StartStopStep):
    """A consumer bootstep: touches the heartbeat file from the consumer's timer while the consumer runs."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent, **kwargs):
        self.timer_entry = None
        super().__init__(parent, **kwargs)

    def start(self, parent):
        from django.conf import settings

        heartbeat_touch()
        self.timer_entry = parent.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, heartbeat_touch)

    def stop(self, parent):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
