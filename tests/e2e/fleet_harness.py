"""Fleet mode for the end-to-end tests: the web app, a CPU worker, a render worker and a DiT worker as separate
processes, as if each ran on its own host. They share only what hosts in a fleet share: the database, the broker,
the bucket (MEDIA_STORAGE on the tests' S3 server) and read-only configuration (model weights, the C2PA signing
chain). Each gets its own MEDIA_ROOT, PRIVATE_MEDIA_ROOT, WORKER_SCRATCH_DIR, VAR_DIR and TMPDIR, which no other
process is told about, so a file can only pass between them through the bucket.

`fleet_isolation_problems` is the check that this held: every process's MEDIA_ROOT and PRIVATE_MEDIA_ROOT are
still empty (nothing was stored on a local disk, so nothing could be read from one), and every file in a worker's
scratch directory is byte for byte an object of the bucket (the scratch held copies fetched from it, or files the
worker made and uploaded, never anything else).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from shop_video import queues
from tests.e2e.worker import ROOT, celery_worker_command, test_database_url, worker_kill
from tests.s3_server import S3Server, free_port

# What each worker consumes: the production split of deploy/README.md.
CPU_QUEUES = (queues.DEFAULT, queues.CPU)
RENDER_QUEUES = (queues.RENDER,)
SETTINGS_MODULE = "tests.e2e.fleet_settings"  # the project's settings, plus 127.0.0.1 allowed for photo fetches
SHORT_SIDE = 128  # RENDITION_SHORT_SIDE of every process: the largest rendition any job may ask for


@dataclass
class FleetProcess:
    name: str
    home: Path  # this process's own folders, told to it alone
    process: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.home / "process.log"

    @property
    def media_roots(self) -> tuple[Path, Path]:
        return self.home / "media", self.home / "private"

    @property
    def scratch(self) -> Path:
        return self.home / "scratch"

    def log_tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ---\n{self.log.read_text(errors='replace')[-chars:]}" if self.log.exists() else ""


@dataclass
class Fleet:
    server: S3Server
    bucket: str
    web_url: str
    processes: dict[str, FleetProcess]
    shared_env: dict[str, str]

    def logs(self) -> str:
        return "\n".join(process.log_tail() for process in self.processes.values())

    def manage(self, *args: str, timeout: float = 300) -> str:
        """A management command run as the operator would on the web host (its folders, its environment)."""
        web = self.processes["web"]
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=web.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stdout}\n{result.stderr}"
        return result.stdout


def _process_env(home: Path, shared: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    for folder in ("media", "private", "scratch", "var", "tmp"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        **shared,
        "MEDIA_ROOT": str(home / "media"),
        "PRIVATE_MEDIA_ROOT": str(home / "private"),
        "WORKER_SCRATCH_DIR": str(home / "scratch"),
        "VAR_DIR": str(home / "var"),
        "TMPDIR": str(home / "tmp"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def fleet_shared_env(*, server: S3Server, bucket: str) -> dict[str, str]:
    """What every host is given alike: database, broker, bucket, signing chain, the size limit."""
    env = {
        **server.environment(bucket=bucket, prefix="media"),
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # Configuration files, like model weights: each host has its own copy; here they are the tests' one.
        "C2PA_SIGN_CERT": str(settings.C2PA_SIGN_CERT),
        "C2PA_SIGN_KEY": str(settings.C2PA_SIGN_KEY),
        "RENDITION_SHORT_SIDE": str(SHORT_SIDE),
        "PYTHONPATH": str(ROOT),
    }
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        # The embedded broker is a folder: the one thing besides the database that the processes must share.
        env["CELERY_BROKER_DIR"] = str(settings.CELERY_BROKER_DIR)
    return env


def _start(process: FleetProcess, command: list[str]) -> None:
    with process.log.open("ab") as log:
        process.process = subprocess.Popen(
            command, cwd=ROOT, env=process.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _web_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_ready(fleet_processes: dict[str, FleetProcess], web_url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(fleet_processes)
    while waiting and time.monotonic() < deadline:
        for name in sorted(waiting):
            process = fleet_processes[name]
            if process.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.process.returncode}:\n{process.log_tail()}")
            ready = _web_ready(web_url) if name == "web" else " ready." in process.log.read_text(errors="replace")
            if ready:
                waiting.discard(name)
        time.sleep(0.3)
    if waiting:
        tails = "\n".join(fleet_processes[name].log_tail() for name in sorted(waiting))
        raise RuntimeError(f"not ready after {timeout:g} s: {', '.join(sorted(waiting))}\n{tails}")


@contextlib.contextmanager
def fleet_running(*, root: Path, server: S3Server, dit_models: dict[str, str]) -> Iterator[Fleet]:
    """Start the four processes, each on its own folders under `root`, wait until all are ready, and stop them
    (SIGTERM to each process group, SIGKILL after 30 s) on the way out."""
    bucket = server.bucket_create()
    shared = fleet_shared_env(server=server, bucket=bucket)
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    models = ",".join(f"{family}={path}" for family, path in dit_models.items())
    plan = {
        "web": ([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], {}),
        "cpu": (celery_worker_command(CPU_QUEUES, name="fleet-cpu"), {}),
        "render": (celery_worker_command(RENDER_QUEUES, name="fleet-render"), {}),
        # Weights on this host's local disk, as on a GPU box; the other hosts are not told where they are.
        "dit": (
            celery_worker_command([queues.gpu_queue(f) for f in dit_models], name="fleet-dit"),
            {"DIT_MODELS": models},
        ),
    }
    processes = {}
    try:
        for name, (command, extra) in plan.items():
            home = root / name
            processes[name] = FleetProcess(name=name, home=home, env=_process_env(home, shared, extra))
            _start(processes[name], command)
        _wait_ready(processes, web_url)
        yield Fleet(server=server, bucket=bucket, web_url=web_url, processes=processes, shared_env=shared)
    finally:
        for process in processes.values():
            if process.process is not None:
                worker_kill(process.process, sig=signal.SIGTERM)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bucket_digests(fleet: Fleet) -> dict[str, str]:
    """sha256 -> key of every object in the fleet's bucket."""
    client = fleet.server.client()
    return {
        _sha256(client.get_object(Bucket=fleet.bucket, Key=key)["Body"].read()): key
        for key in fleet.server.keys(fleet.bucket)
    }


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


SCRATCH_BOOKKEEPING = frozenset({".lock"})  # shop_video/scratch.py's lock file (empty): not media


def scratch_copies(process: FleetProcess) -> list[Path]:
    """The media files in a process's scratch folder (cached copies, and anything left in its work folders)."""
    return [path for path in _files(process.scratch) if path.name not in SCRATCH_BOOKKEEPING]


def fleet_isolation_problems(fleet: Fleet) -> list[str]:
    """What shows that a file went from one process to another other than through the bucket: a file stored
    under any process's MEDIA_ROOT or PRIVATE_MEDIA_ROOT, or a scratch file that is no object of the bucket."""
    problems = []
    digests = bucket_digests(fleet)
    for process in fleet.processes.values():
        for root in process.media_roots:
            problems += [f"{process.name} stored {path} on its local disk" for path in _files(root)]
        for path in scratch_copies(process):
            if _sha256(path.read_bytes()) not in digests:
                problems.append(
                    f"{process.name}'s scratch holds {path.relative_to(process.scratch)}, no object of the bucket"
                )
    return problems
