"""The ops side of a Celery worker, installed by shop_video/celery.py in every process that loads the app (the
signal handlers only fire in a worker): log context per task, the project's counters after each task, the
liveness heartbeat bootstep, the metrics endpoint on WORKER_METRICS_PORT, the graceful-shutdown deadline.

Metrics from prefork children: prometheus_client's multiprocess mode. PROMETHEUS_MULTIPROC_DIR must be set
before prometheus_client is first imported (Django loads django_prometheus before any worker signal fires), so
this module sets it when it is imported by a `celery ... worker` command: a fresh folder of its own, or the
operator's folder emptied of an earlier run's files."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from celery import signals

logger = logging.getLogger(__name__)


def is_worker_command(argv: list[str]) -> bool:
    """`celery ... worker ...` or `python -m celery ... worker ...`."""
    if not argv:
        return False
    program = Path(argv[0])
    return (program.name == "celery" or program.parent.name == "celery") and "worker" in argv[1:]


def multiprocess_dir_prepare() -> str:
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # an earlier run's counters would be read as this one's
            stale.unlink(missing_ok=True)
        return given
    folder = tempfile.mkdtemp(prefix="shop-video-worker-metrics-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


if is_worker_command(sys.argv) and "prometheus_client" not in sys.modules:
    multiprocess_dir_prepare()


def install(app) -> None:
    from shop_video.ops.worker_heartbeat import LivenessHeartbeat

    app.steps["consumer"].add(LivenessHeartbeat)
    signals.worker_init.connect(_worker_init, weak=False)
    signals.worker_ready.connect(_worker_ready, weak=False)
    signals.worker_shutting_down.connect(_worker_shutting_down, weak=False)
    signals.worker_process_shutdown.connect(_pool_child_exit, weak=False)
    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)


def _worker_init(**kwargs) -> None:
    from shop_video.ops import shutdown

    shutdown.prepare()  # before the pool forks: its children share the deadline


def _worker_ready(**kwargs) -> None:
    from django.conf import settings

    from shop_video.ops.metrics import WORKER_LAST_TASK

    WORKER_LAST_TASK.set(time.time())  # a stall is measured from the start until the first task
    port = settings.WORKER_METRICS_PORT
    if not port:
        return
    from prometheus_client import start_http_server

    from shop_video.ops.metrics import process_registry

    try:
        start_http_server(port, addr=settings.WORKER_METRICS_ADDR, registry=process_registry())
    except OSError as exc:  # another worker on this machine has the port: work on, without metrics
        logger.warning("worker metrics not served on %s:%s: %s", settings.WORKER_METRICS_ADDR, port, exc)
        return
    logger.info("worker metrics on http://%s:%s/metrics", settings.WORKER_METRICS_ADDR, port)


def _worker_shutting_down(sig=None, how=None, **kwargs) -> None:
    if how != "Warm":
        return
    from django.conf import settings

    from shop_video.ops import shutdown

    shutdown.begin(grace_seconds=settings.WORKER_SHUTDOWN_GRACE_SECONDS)


def _pool_child_exit(pid=None, **kwargs) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


_task_started: dict[str, object] = {}


def _task_prerun(task_id=None, task=None, args=None, **kwargs) -> None:
    from django.utils import timezone

    from shop_video.ops import gpu, log_context

    _task_started[task_id] = timezone.now()
    log_context.task_bind(task_id=task_id, task_name=task.name, args=args or ())
    gpu.sampler_start_if_gpu()


def _task_postrun(task_id=None, task=None, args=None, **kwargs) -> None:
    from shop_video.ops import domain_metrics, log_context
    from shop_video.ops.metrics import WORKER_LAST_TASK
    from shop_video.ops.worker_heartbeat import heartbeat_touch

    started = _task_started.pop(task_id, None)
    try:
        if started is not None:
            domain_metrics.task_observe(task_name=task.name, args=tuple(args or ()), started=started)
    except Exception as exc:  # a metric is never worth an error in the task's log as if the task had failed
        logger.warning("metrics after %s not recorded: %s", task.name, exc)
    finally:
        WORKER_LAST_TASK.set(time.time())
        heartbeat_touch()
        log_context.task_unbind()
