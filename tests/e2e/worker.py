"""Starting a real Celery worker process for a test, on the test database and the configured broker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from shop_video import queues

ROOT = Path(__file__).resolve().parents[2]
QUEUES = queues.names()


def test_database_url() -> str:
    """The test database (pytest-django's test_ copy) as a URL the worker can open."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgresql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def queues_purge() -> None:
    """Drop messages left by an earlier run so this test's worker sees only this test's work."""
    from shop_video.celery import app

    with app.connection_for_write() as conn:
        for queue in QUEUES:
            with contextlib.suppress(Exception):
                conn.default_channel.queue_purge(queue)


@contextlib.contextmanager
def celery_worker(
    log_path: Path, *, env: dict[str, str] | None = None, app: str = "shop_video"
) -> Iterator[subprocess.Popen]:
    """A real worker on every queue (`app`: the -A target, e.g. a test module that adds signal handlers)."""
    worker_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),  # feeds, photos, shots: the test's private files
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = celery_worker_command(QUEUES, app=app)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_ready(process, log_path)
        yield process
    finally:
        worker_kill(process, sig=signal.SIGTERM)


def celery_worker_command(queue_names, *, app: str = "shop_video", name: str = "e2e") -> list[str]:
    """A one-process worker on `queue_names`, with a host name of its own so several can run side by side."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "--queues",
        ",".join(queue_names),
        "--concurrency",
        "1",
        "--without-mingle",
        "--without-gossip",
        "--loglevel",
        "INFO",
        "--hostname",
        f"{name}-{uuid.uuid4().hex[:8]}@%h",
    ]


def worker_kill(process: subprocess.Popen, *, sig: int = signal.SIGKILL) -> None:
    """Signal the worker's whole process group (main process and pool children)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_ready(process: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        if " ready." in log_path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the worker was not ready after {timeout:g} s:\n{log_path.read_text()[-3000:]}")


def wait_for(predicate, *, timeout: float, what: str, log_path: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{tail}")
