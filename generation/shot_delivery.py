"""A GPU worker's shots finished beside the next one: the delivery (retime, upscale, encode, store) of a DiT shot
runs in this process's delivery pool while the worker goes back to its queue for the next shot's denoising.

Off unless SHOT_DELIVERY_WORKERS > 0; only shots whose frames carry a DeliveryPlan (the DiT engines) go this way.
The shot stays RUNNING, its heartbeat renewed, until its clip is stored; then it is marked done exactly as the
shot runner does in line (same file name, same conditional update, same hand-over to the job). A delivery that
fails fails its shot (and job) with the reason, and no other. Worker shutdown drains the pool first.
"""

from __future__ import annotations

import atexit
import logging
import threading
from functools import partial

from celery.signals import worker_process_shutdown
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from generation.delivery_encode import delivery_encode, encoder_pick
from generation.delivery_pool import DeliveryPool
from generation.engines.base import ShotResult
from generation.models import JobStatus, Shot
from generation.services.job_states import render_job_shot_finished
from shop_video.media import media_file_writer, private_storage

logger = logging.getLogger(__name__)

HEARTBEAT_MAX_SECONDS = 30.0

_pool: DeliveryPool | None = None
_pool_options: dict = {}
_pool_lock = threading.Lock()


def shot_delivery_offload(shot: Shot, result: ShotResult, *, name: str, label: str, metadata: dict) -> bool:
    """Hand the shot's delivery to the pool and return True, or return False: deliver it in line."""
    plan = getattr(result.frames, "plan", None)
    if plan is None:
        return False
    pool = shot_delivery_pool()
    if pool is None:
        return False
    writer = media_file_writer(name, storage=private_storage)
    tmp_path = writer.__enter__()  # left by _delivery_finished, on the finisher thread, once the clip is written
    finish = partial(
        _delivery_finished, shot=shot, attempts=shot.attempts, name=name, label=label, metadata=metadata, writer=writer
    )
    try:
        pool.submit(
            delivery_encode,
            plan,
            str(tmp_path),
            encoder=_pool_options["encoder"],
            device=_pool_options["device"],
            key=shot.pk,
            on_done=finish,
        )
    except BaseException as exc:
        writer.__exit__(type(exc), exc, exc.__traceback__)
        raise
    return True


def shot_delivery_pool() -> DeliveryPool | None:
    """This process's pool, made at its first shot (never in a forking parent), or None when turned off."""
    global _pool
    if settings.SHOT_DELIVERY_WORKERS <= 0:
        return None
    with _pool_lock:
        if _pool is None:
            workers = settings.SHOT_DELIVERY_WORKERS
            _pool_options.update(encoder=encoder_pick(settings.SHOT_DELIVERY_ENCODER), device=_device_pick())
            _pool = DeliveryPool(
                workers=workers,
                max_in_flight=settings.SHOT_DELIVERY_MAX_IN_FLIGHT or workers + 1,
                tick_seconds=min(HEARTBEAT_MAX_SECONDS, settings.SHOT_LEASE_SECONDS / 4),
                on_tick=_heartbeat,
            )
            logger.info("shot delivery pool: %s processes, %s", workers, _pool_options)
        return _pool


def shot_delivery_close(timeout: float | None = None) -> bool:
    """Drain and stop this process's pool (worker shutdown, tests). True when every handed-over shot finished."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    return pool.shutdown(timeout) if pool is not None else True


@worker_process_shutdown.connect
def _drain_on_worker_shutdown(**kwargs) -> None:
    if _pool is not None:
        logger.info("worker stopping: finishing %s handed-over shot(s) first", _pool.in_flight())
        shot_delivery_close()


atexit.register(shot_delivery_close)


def _delivery_finished(result, error, *, shot: Shot, attempts: int, name: str, label: str, metadata: dict, writer):
    close_old_connections()  # this thread's connection may have gone stale between shots
    try:
        try:
            if error is None:
                writer.__exit__(None, None, None)  # publishes the clip (after checking it is a whole MP4)
            else:
                writer.__exit__(type(error), error, error.__traceback__)  # removes the partial file
        except Exception as exc:  # storing failed: the shot fails with that reason
            error = error or exc
        if error is not None:
            from generation.shot_runner import _shot_fail  # here: the shot runner imports this module

            logger.error("%s of job %s failed in delivery: %s", label, shot.job_id, error)
            _shot_fail(shot, f"{label} failed: {error}")
            return
        done = Shot.objects.filter(pk=shot.pk, status=JobStatus.RUNNING, attempts=attempts).update(
            status=JobStatus.SUCCEEDED,
            file=name,
            progress=100,
            finished_at=timezone.now(),
            metadata={**metadata, **result},
        )
        if done:
            render_job_shot_finished(job_id=shot.job_id)
    finally:
        close_old_connections()


def _heartbeat(shot_ids: list) -> None:
    # Handed-over shots are still running: without this the reaper would take them for lost and send them again.
    close_old_connections()
    Shot.objects.filter(pk__in=shot_ids, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())


def _device_pick() -> str:
    requested = settings.SHOT_DELIVERY_DEVICE
    if requested != "auto":
        return requested
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"
