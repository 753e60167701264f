"""Worker liveness through a real worker: `python -m shop_video.ops.worker_liveness` passes while the worker
consumes, idle or busy, and fails within the window once the worker is frozen (SIGSTOP: a hung process that
still holds its messages), then passes again when it runs again."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.e2e.worker import celery_worker, queues_purge, wait_for
from tests.ops.workers import liveness, ops_env

MAX_AGE = 2.0  # the heartbeat is touched every 0.5 s (ops_env)


# e2e: the heartbeat runs in the consumer's own loop, which differs by broker (an event loop for Redis and
# RabbitMQ, a polling loop for the filesystem broker). The worker writes nothing: no transaction needed.
@pytest.mark.e2e
@pytest.mark.django_db
def test_a_frozen_worker_fails_the_liveness_check_within_the_window_and_a_healthy_idle_one_passes(tmp_path):
    queues_purge()
    log = tmp_path / "worker.log"
    env = ops_env(tmp_path, "live")
    with celery_worker(log, env=env) as worker:
        time.sleep(MAX_AGE + 0.5)  # idle for longer than the window: still alive
        result = liveness(env, max_age=MAX_AGE)
        assert result.returncode == 0, (result.stdout, log.read_text()[-2000:])

        os.killpg(worker.pid, signal.SIGSTOP)
        try:
            frozen_at = time.monotonic()
            failed = wait_for(
                lambda: liveness(env, max_age=MAX_AGE).returncode == 1,
                timeout=MAX_AGE + 5,
                what="the liveness check to fail",
            )
            assert failed and time.monotonic() - frozen_at <= MAX_AGE + 5
            assert "not alive: its last heartbeat is" in liveness(env, max_age=MAX_AGE).stdout
        finally:
            os.killpg(worker.pid, signal.SIGCONT)
        wait_for(lambda: liveness(env, max_age=MAX_AGE).returncode == 0, timeout=10, what="the worker to recover")


def test_no_heartbeat_file_is_not_alive(tmp_path):
    result = liveness({"WORKER_HEARTBEAT_FILE": str(tmp_path / "never-started")}, max_age=60)
    assert result.returncode == 1 and "no heartbeat file" in result.stdout
