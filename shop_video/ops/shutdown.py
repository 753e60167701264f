"""Graceful shutdown of a worker (SIGTERM: a rolling update, a scale-down, a node drain).

Celery's warm shutdown stops taking messages at once (the unstarted ones it holds go back to the broker) and then
waits, without limit, for the tasks in hand. On top of it, within WORKER_SHUTDOWN_GRACE_SECONDS:

- the worker's main process records the deadline in memory shared with its pool children (made before they fork);
- a shot checks it at each progress heartbeat: it carries on while its own pace says it will finish before the
  deadline, else it hands itself back: the row goes back to queued (its attempt not counted) and its message is
  sent again for another worker, and the engine stops;
- at the deadline the main process hands back the shots its children still run (between two heartbeats), then
  Celery's cold shutdown (SIGQUIT to itself) cuts what is left: acks_late + reject_on_worker_lost give the
  messages back (an assembly's row is the reaper's a lease later).

So the worker is gone by the deadline plus a few seconds: set the pod's terminationGracePeriodSeconds to the grace
plus 30.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

logger = logging.getLogger(__name__)

_deadline = None  # a multiprocessing.RawValue("d"): 0.0 while running, else the Unix time of the deadline


def prepare() -> None:
    """In the worker's main process before the pool starts (its children inherit the shared value)."""
    global _deadline
    _deadline = multiprocessing.RawValue("d", 0.0)


def begin(*, grace_seconds: float) -> None:
    """In the main process, from the warm-shutdown signal handler: set the deadline and arm the cut-off."""
    if _deadline is None or _deadline.value:
        return
    _deadline.value = time.time() + grace_seconds
    cutoff = threading.Timer(grace_seconds, _cut_off, kwargs={"grace_seconds": grace_seconds})
    cutoff.daemon = True
    cutoff.start()


def _cut_off(*, grace_seconds: float) -> None:
    logger.warning(
        "the worker is still busy %g s after SIGTERM (WORKER_SHUTDOWN_GRACE_SECONDS): cold shutdown, the tasks in "
        "hand go back to the broker",
        grace_seconds,
    )
    try:
        from celery.worker import state
        from django.db import connection

        try:
            shots_in_hand_back(requests=list(state.active_requests))
        finally:
            connection.close()  # this timer thread's own connection
    except Exception:  # the cold shutdown must happen; the reaper covers a shot not handed back here
        logger.exception("shots in hand not handed back at the cut-off; the reaper takes them back a lease later")
    os.kill(os.getpid(), signal.SIGQUIT)


def shots_in_hand_back(*, requests) -> int:
    """At the cut-off, in the main process: the shots its children still run (between two heartbeats) are handed
    back now instead of a lease later by the reaper. Fenced by the attempt read here: a child that finishes anyway
    records nothing (its own conditional updates name the old attempt). Returns how many were handed back."""
    from generation.models import JobStatus, Shot
    from shop_video.ops.domain_metrics import SHOT_TASK

    shot_ids = [request.args[0] for request in requests if request.task_name == SHOT_TASK and request.args]
    return sum(shot_hand_back(shot=shot) for shot in Shot.objects.filter(pk__in=shot_ids, status=JobStatus.RUNNING))


def deadline() -> float | None:
    return _deadline.value if _deadline is not None and _deadline.value else None


def hand_back_margin(grace_seconds: float) -> float:
    """Time kept before the deadline to hand a shot back (a row update and a message) and let the task return."""
    return min(10.0, grace_seconds / 4)


def shot_should_hand_back(*, elapsed: float, done: int, total: int, now: float | None = None) -> bool:
    """True when the worker is stopping and the shot will not finish in time at its pace so far, or was claimed
    after the stop began (a message the consumer took before it stopped: pass it on at once)."""
    from django.conf import settings

    stop_at = deadline()
    if stop_at is None:
        return False
    grace = settings.WORKER_SHUTDOWN_GRACE_SECONDS
    now = time.time() if now is None else now
    if now - elapsed >= stop_at - grace:
        return True
    time_left = stop_at - hand_back_margin(grace) - now
    if time_left <= 0:
        return True
    if done <= 0 or total <= 0:
        return False  # no pace yet: wait for one, or for the margin
    remaining = elapsed * (total - done) / done
    return remaining > time_left


def shot_hand_back(*, shot) -> bool:
    """Give a running shot back: queued again, its attempt not counted, its message sent again after commit.
    Conditional on the attempt this worker claimed, like every move of a shot."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from generation import dispatch
    from generation.models import JobStatus, Shot
    from generation.services.render_jobs import shot_queue

    with transaction.atomic():
        handed = Shot.objects.filter(pk=shot.pk, status=JobStatus.RUNNING, attempts=shot.attempts).update(
            status=JobStatus.QUEUED, attempts=F("attempts") - 1, progress=0, heartbeat_at=timezone.now()
        )
        if handed:
            transaction.on_commit(lambda: dispatch.shots_send_pending(shot_ids=[shot.pk], queue=shot_queue(shot)))
    if handed:
        logger.warning("shot %s handed back: the worker is shutting down and it would not finish in time", shot.pk)
    return bool(handed)


def shot_pass_on_if_worker_stops(*, shot_id: int) -> bool:
    """Called before a shot is claimed: a worker that is stopping does not start one (its consumer can take a
    message or two before it stops); the message is sent again, the row is left queued. True when passed on."""
    if deadline() is None:
        return False
    from generation import dispatch
    from generation.models import JobStatus, Shot
    from generation.services.render_jobs import shot_queue

    shot = Shot.objects.filter(pk=shot_id, status=JobStatus.QUEUED).first()
    if shot is None:
        return False  # not queued: the runner's own claim says what to do
    dispatch.shots_send_pending(shot_ids=[shot.pk], queue=shot_queue(shot))
    logger.info("shot %s passed on unclaimed: the worker is shutting down", shot.pk)
    return True


def on_shot_heartbeat(*, shot, done: int, total: int) -> None:
    """Called by the shot runner at each progress heartbeat (at most once a second): proves the worker alive, and
    hands the shot back when the worker is stopping and the shot would not finish before the deadline (raising
    ShotCancelled, which stops the engine like a cancel does)."""
    from django.utils import timezone

    from generation.engines.base import ShotCancelled
    from shop_video.ops.worker_heartbeat import heartbeat_touch

    heartbeat_touch()
    if deadline() is None:
        return
    elapsed = (timezone.now() - shot.started_at).total_seconds() if shot.started_at else 0.0
    if shot_should_hand_back(elapsed=elapsed, done=done, total=total):
        shot_hand_back(shot=shot)
        raise ShotCancelled(f"shot {shot.pk} handed back: the worker is shutting down")
