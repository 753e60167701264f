"""The `make run` stack on the embedded defaults survives a burst and a corrupt message (issue 17.4).

The Procfile's two processes (runserver and a worker with --beat, deploy/Procfile.dev and the Makefile's `worker`
line) run on a fresh VAR_DIR with nothing configured: SQLite and the filesystem broker. 500 catalog imports are
posted as fast as the loopback allows; each must be processed exactly once (the database: every import succeeded
with its one product; the worker's log: every task id received once) and neither process may exit. A message
file that is not JSON must be moved to quarantine/ and logged, and the worker must go on.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shop_video import queues
from tests.e2e.worker import wait_for

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
BURST = 500
_SETUP = """
import django
django.setup()
from django.core.management import call_command, get_commands
call_command("migrate", verbosity=0)
if "c2pa_dev_certificate" in get_commands():  # as `make run` does before starting the Procfile
    call_command("c2pa_dev_certificate")
from shop_video.api.services import api_key_create
from tests.factories import merchant_make
print(api_key_create(merchant=merchant_make(slug="burst"), name="burst")[1])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CELERY_"))}
    env.pop("MEDIA_ROOT", None)
    return {**env, "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "shop_video.settings"}


class Stack:
    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.env = _embedded_env(var_dir)
        self.port = _free_port()
        self.web_log, self.worker_log = var_dir / "web.log", var_dir / "worker.log"
        self.processes: dict[str, subprocess.Popen] = {}
        self.key = ""

    def start(self) -> None:
        setup = subprocess.run(
            [sys.executable, "-c", _SETUP], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert setup.returncode == 0, setup.stderr[-3000:]
        self.key = setup.stdout.split()[-1]
        # deploy/Procfile.dev's web line, on a free port; its worker line is the Makefile's `worker` target.
        self._spawn("web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"])
        self._spawn(
            "worker",
            [sys.executable, "-m", "celery", "-A", "shop_video", "worker", "--queues", ",".join(queues.names())]
            + ["--concurrency", "2", "--beat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        )
        wait_for(self._ready, timeout=60, what="web and worker to start", log_path=self.worker_log)

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.var_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _ready(self) -> bool:
        self.assert_alive()
        if " ready." not in self.worker_log.read_text(errors="replace"):
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def assert_alive(self) -> None:
        for name, process in self.processes.items():
            log = self.var_dir / f"{name}.log"
            assert process.poll() is None, f"{name} exited ({process.returncode}):\n{log.read_text()[-3000:]}"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in self.processes.values():
            try:
                process.wait(timeout=5)  # the verdict is in; no need to wait out a warm shutdown
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)

    def import_post(self, number: int) -> int:
        boundary = uuid.uuid4().hex
        feed = f"sku,title,price,currency\nBURST-{number},Burst {number},9.99,EUR\n"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="burst-{number}.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n{feed}\r\n--{boundary}--\r\n"
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/catalog/imports",
            data=body,
            headers={
                "Authorization": f"Api-Key {self.key}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Idempotency-Key": f"burst-{number}",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 202
            return json.loads(response.read())["id"]

    def imports(self) -> list[tuple[int, str, int, str]]:
        with sqlite3.connect(self.var_dir / "db.sqlite3", timeout=30) as db:
            return db.execute("select id, status, created_count, error from catalog_catalogimport").fetchall()

    @property
    def queue_folder(self) -> Path:
        return self.var_dir / "celery" / "queue"

    @property
    def quarantine_folder(self) -> Path:
        return self.var_dir / "celery" / "quarantine"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("embedded-stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_a_message_file_that_is_not_json_is_moved_aside_and_the_worker_goes_on(stack):
    # Named to sort first, as kombu's own writer names a file before it has written it.
    (stack.queue_folder / f"{0:020d}_{uuid.uuid4()}.{queues.DEFAULT}.msg").write_bytes(b'{"body": "eyJ')
    import_id = stack.import_post(0)
    wait_for(
        lambda: any(row[0] == import_id and row[1] == "succeeded" for row in stack.imports()),
        timeout=30,
        what="the import sent after the corrupt message",
        log_path=stack.worker_log,
    )
    assert [path.suffix for path in stack.quarantine_folder.iterdir()] == [".msg"]
    assert "Skipped an unreadable broker message (JSONDecodeError" in stack.worker_log.read_text()
    stack.assert_alive()


def test_a_burst_of_imports_is_processed_exactly_once_and_nothing_exits(stack):
    before = len(stack.imports())
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(stack.import_post, range(1, BURST + 1)))
    assert len(set(ids)) == BURST

    def all_finished():
        stack.assert_alive()
        rows = [row for row in stack.imports() if row[0] in set(ids)]
        return rows if all(status in ("succeeded", "failed") for _, status, _, _ in rows) else None

    rows = wait_for(all_finished, timeout=150, what=f"{BURST} imports to finish", log_path=stack.worker_log)
    assert len(stack.imports()) == before + BURST
    assert [(status, created, error) for _, status, created, error in rows] == [("succeeded", 1, "")] * BURST
    received = Counter(
        re.findall(
            r"Task catalog\.tasks\.catalog_import_process\[([0-9a-f-]+)\] received", stack.worker_log.read_text()
        )
    )
    assert len(received) == before + BURST and set(received.values()) == {1}  # + the imports of the test above
    # Nothing left behind, half-written or claimed. Beat keeps sending its periodic tasks (the live-push
    # supervisor every 5 s) into the same folder, so wait for a moment it is drained, which a message left
    # behind would never allow.
    wait_for(
        lambda: not any(stack.queue_folder.iterdir()),
        timeout=30,
        what="the queue folder to drain",
        log_path=stack.worker_log,
    )
    stack.assert_alive()
