"""A GPU worker's pool child that dies is replaced, and the replacement survives a preload longer than Celery's
4 s alive timeout, then renders a shot. Celery SIGKILLs a new child that has not reported within
worker_proc_alive_timeout, and worker_process_init (the DiT preload) runs before the child reports.

Runs on Redis (a spare database), like production, whatever broker the rest of the suite uses. The worker runs
with `-A tests.e2e.test_gpu_worker_child_preload`: the project's app plus a receiver that stretches the preload.
"""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from celery.signals import worker_process_init

from shop_video.celery import app  # noqa: F401  (the worker's -A target: this module's `app`)

REDIS_URL = "redis://127.0.0.1:6379/13"  # a spare database: the suite's broker (if Redis) uses 0
SLOW_PRELOAD_SECONDS = 6.0  # past Celery's 4 s worker_proc_alive_timeout default

pytestmark = [pytest.mark.e2e, pytest.mark.one_broker, pytest.mark.django_db(transaction=True)]


@worker_process_init.connect
def _slow_preload(**kwargs):
    # Only in the worker this test starts: a preload of real weights takes minutes; this one a few seconds.
    seconds = float(os.environ.get("E2E_SLOW_PRELOAD_SECONDS") or 0)
    if seconds:
        time.sleep(seconds)


def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure to connect means: not here
        return f"{REDIS_URL}: {exc}"
    return None


@pytest.fixture(autouse=True)
def _broker_available():
    """Replaces tests/e2e's check of the configured broker: this test brings its own Redis URL."""
    problem = _redis_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis and it is not reachable ({problem}); .ci/run starts it")
        pytest.skip(f"Redis is not reachable ({problem}); start redis-server on 127.0.0.1:6379 to run this test")


def _loads(log_path) -> list[int]:
    return [
        int(pid)
        for pid in re.findall(r"loaded the wan pipeline .* in process (\d+)", log_path.read_text(errors="replace"))
    ]


def test_a_replacement_gpu_child_survives_a_slow_preload_and_serves(
    merchant, product_with_photos, builtin_templates, tiny_dit_dirs, tmp_path
):
    import redis

    from tests.e2e.worker import ROOT, celery_worker, test_database_url, wait_for

    redis.Redis.from_url(REDIS_URL).flushdb()
    log = tmp_path / "worker.log"
    worker_env = {
        "CELERY_BROKER_URL": REDIS_URL,
        "DIT_MODELS": f"wan={tiny_dit_dirs['wan']}",
        "DIT_PRELOAD": "wan",
        "E2E_SLOW_PRELOAD_SECONDS": str(SLOW_PRELOAD_SECONDS),
    }
    # The render command below talks to the same broker and database as the worker.
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        **worker_env,
    }
    with celery_worker(log, env=worker_env, app="tests.e2e.test_gpu_worker_child_preload") as worker:
        first = wait_for(lambda: _loads(log), timeout=120, what="the first child's preload", log_path=log)[0]
        os.kill(first, signal.SIGKILL)  # the child dies (an OOM kill, a crash): the pool starts another
        second = wait_for(
            lambda: [pid for pid in _loads(log) if pid != first],
            timeout=120,
            what="the replacement child's preload",
            log_path=log,
        )[0]
        time.sleep(2)  # past the alive timeout counted from the replacement's start
        text = log.read_text(errors="replace")
        assert "Timed out waiting for UP message" not in text, text[-3000:]
        # It serves: a wan shot rendered through the queue by the replacement, with the model it preloaded.
        render = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "render",
                "--merchant",
                "acme",
                "--template",
                "quick-bumper",
                "--sku",
                "MUG-1",
                "--engine",
                "dit",
                "--family",
                "wan",
                "--aspect",
                "1:1",
                "--short-side",
                "128",
                "--wait",
                "--timeout",
                "300",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=360,
        )
        assert render.returncode == 0, f"{render.stdout}\n{render.stderr}\n{log.read_text()[-3000:]}"
        assert render.stdout.strip().endswith(".mp4")
        assert _loads(log) == [first, second]  # no third load: the replacement kept its model
        assert worker.poll() is None
