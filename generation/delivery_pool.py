"""A bounded process pool for the CPU half of GPU shots, so a GPU worker takes its next shot at once.

A DiT shot is a few seconds of GPU work followed by many seconds of CPU work (optical-flow retime, upscale,
encode: docs/benchmarks.md). Done in line, the GPU idles through the second part. A GPU worker process instead
submits the second part here and goes back to its queue:

- `submit` blocks while `max_in_flight` jobs are unfinished (running, waiting for a process, or being finished):
  that is the back-pressure that keeps memory bounded (each job holds one shot's frames) and keeps the worker
  from taking messages it cannot serve soon;
- each job's `on_done(result, error)` runs in this process, on one finisher thread, after the job ends: the
  caller stores the file and marks the shot there, so a shot is done only once its file is stored, and a job
  that raised reports that job's own exception (its type and message come back from the child);
- `on_tick(keys)` runs on the same thread every `tick_seconds` with the keys of the unfinished jobs (the shot
  runner renews their heartbeats so the reaper leaves them alone);
- `shutdown` takes nothing more, waits for every job and its `on_done` (drain), then stops the processes.

Processes are spawned, never forked: the parent may hold a CUDA context, which does not survive a fork. They
ignore SIGTERM and SIGINT sent to the worker's process group (the parent drains them), and each exits by itself
if its parent dies (a SIGKILLed worker leaves no orphans behind).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

logger = logging.getLogger(__name__)

OnDone = Callable[[object, BaseException | None], None]
ORPHAN_CHECK_SECONDS = 1.0
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class DeliveryPool:
    def __init__(
        self,
        *,
        workers: int,
        max_in_flight: int,
        tick_seconds: float = 30.0,
        on_tick: Callable[[list[Hashable]], None] | None = None,
    ):
        if workers < 1 or max_in_flight < 1:
            raise ValueError(
                f"a delivery pool needs workers >= 1 and max_in_flight >= 1, got {workers}, {max_in_flight}"
            )
        self.workers, self.max_in_flight = workers, max_in_flight
        self._tick_seconds, self._on_tick = tick_seconds, on_tick
        self._executor = self._executor_new()
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._state = threading.Condition()
        self._keys: dict[int, Hashable] = {}  # unfinished jobs: id -> the caller's key
        self._next_id = 0
        self._closed = False
        self._finished: queue.Queue = queue.Queue()
        self._finisher = threading.Thread(target=self._finish_loop, name="delivery-finisher", daemon=True)
        self._finisher.start()

    # --- the caller's side ---------------------------------------------------------------------------------

    def submit(self, fn: Callable, *args, on_done: OnDone, key: Hashable = None, **kwargs) -> None:
        """Run fn(*args, **kwargs) in a pool process; blocks while max_in_flight jobs are unfinished."""
        if self._closed:
            raise RuntimeError("the delivery pool is shut down")
        self._slots.acquire()
        try:
            future = self._executor_submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        with self._state:
            job_id, self._next_id = self._next_id, self._next_id + 1
            self._keys[job_id] = key
        future.add_done_callback(lambda done: self._finished.put((job_id, done, on_done)))

    def in_flight(self) -> int:
        with self._state:
            return len(self._keys)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has ended and its on_done has returned; False on timeout."""
        with self._state:
            return self._state.wait_for(lambda: not self._keys, timeout=timeout)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Take no more jobs, drain, stop the processes and the finisher. True when everything finished."""
        self._closed = True
        drained = self.drain(timeout)
        self._executor.shutdown(wait=drained, cancel_futures=not drained)
        self._finished.put(None)
        self._finisher.join(timeout=5)
        return drained

    # --- internals ---------------------------------------------------------------------------------------

    def _executor_new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_orphan_guard,
            initargs=(os.getpid(),),
        )

    def _executor_submit(self, fn: Callable, *args, **kwargs) -> Future:
        with _children_allowed(), _stop_signals_blocked():
            try:
                return self._executor.submit(fn, *args, **kwargs)
            except BrokenProcessPool:
                # A child died (killed for memory, say): its jobs have failed with that reason; start afresh.
                logger.warning("a delivery process died; starting a new pool")
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._executor_new()
                return self._executor.submit(fn, *args, **kwargs)

    def _finish_loop(self) -> None:
        next_tick = time.monotonic() + self._tick_seconds
        while True:
            try:
                item = self._finished.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                item = ()
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self._tick_seconds
                self._tick()
            if item is None:
                return
            if item:
                self._finish(*item)

    def _finish(self, job_id: int, future: Future, on_done: OnDone) -> None:
        try:
            result, error = future.result(), None
        except BaseException as exc:  # the job's own exception, or BrokenProcessPool / CancelledError
            result, error = None, exc
        try:
            on_done(result, error)
        except Exception:
            logger.exception("finishing a delivery job failed")
        finally:
            with self._state:
                self._keys.pop(job_id, None)
                self._state.notify_all()
            self._slots.release()

    def _tick(self) -> None:
        if self._on_tick is None:
            return
        with self._state:
            keys = list(self._keys.values())
        if keys:
            try:
                self._on_tick(keys)
            except Exception:
                logger.exception("the delivery pool's tick failed")


@contextlib.contextmanager
def _children_allowed():
    """Celery's prefork children (billiard) are daemonic, and multiprocessing refuses a daemonic process children
    (they would be orphaned when it is terminated); ours drain on shutdown and exit when orphaned (_orphan_guard).
    Billiard also leaves its own authkey type on the process, which the stdlib refuses to pass to a spawned child.
    Both are set aside while a pool process starts."""
    config = multiprocessing.current_process()._config
    saved = dict(config)
    config.pop("daemon", None)
    authkey = config.get("authkey")
    if authkey is not None and not isinstance(authkey, multiprocessing.process.AuthenticationString):
        config["authkey"] = multiprocessing.process.AuthenticationString(bytes(authkey))
    try:
        yield
    finally:
        config.clear()
        config.update(saved)


@contextlib.contextmanager
def _stop_signals_blocked():
    """A stop signal sent to the whole process group (Ctrl-C, a supervisor) must not kill a delivery half way: the
    parent decides when its pool stops (it drains first). A new pool process inherits this blocked mask through
    fork and exec, so it is covered from its first instruction until _orphan_guard ignores the signals; here the
    signals stay pending (none is lost) and arrive when the mask is restored."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _orphan_guard(parent_pid: int) -> None:
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked since the fork: see _stop_signals_blocked

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-guard", daemon=True).start()
