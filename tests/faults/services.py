"""Private Redis, RabbitMQ and PostgreSQL instances that a test may stop and start, and a size-capped disk.

The machine's own services (5432, 6379, 5672) are shared with the rest of the suite and with other work on the
machine: a fault test never touches them. Each instance here runs on a free port with its data in a temporary
folder, in its own process group, and is always stopped by the fixture that started it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


class ServiceMissing(RuntimeError):
    """A binary a fault test needs is not installed (.ci/run installs them in CI)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name: str, *also: str) -> str:
    for candidate in (shutil.which(name), *also):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ServiceMissing(f"{name} is not installed")


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _wait(predicate, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not happen within {timeout:g} s\n{tail}")


def _as_user(user: str) -> list[str]:
    """Run as `user` when we are root (CI): PostgreSQL refuses root, RabbitMQ's files belong to its user."""
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


def _chown(path: Path, user: str) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        for root, dirs, files in os.walk(path):
            for name in [root, *(os.path.join(root, item) for item in dirs + files)]:
                os.chown(name, entry.pw_uid, entry.pw_gid)


def _group_stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class PrivateRedis:
    """redis-server without persistence: a restart loses every message it held, as a crashed cache would."""

    def __init__(self, folder: Path):
        self.binary = _binary("redis-server")
        self.folder, self.port = folder, free_port()
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.folder)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(lambda: _port_open(self.port), timeout=20, what="the private Redis to listen", log=self.log)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        _group_stop(self.process, sig)


class PrivateRabbitMQ:
    """A second RabbitMQ node (its own name, ports, config and data folder); durable queues and persistent
    messages survive its restart, as they do in production."""

    USER = "rabbitmq"

    def __init__(self, folder: Path):
        self.server = _binary("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server")
        self.ctl = _binary("rabbitmqctl", "/usr/lib/rabbitmq/bin/rabbitmqctl")
        # The /usr/sbin wrappers switch to the rabbitmq user through su (dropping our environment); call the real
        # scripts as that user ourselves.
        for wrapped in ("rabbitmq-server", "rabbitmqctl"):
            real = Path("/usr/lib/rabbitmq/bin") / wrapped
            if real.exists():
                setattr(self, "server" if wrapped == "rabbitmq-server" else "ctl", str(real))
        self.folder, self.port, self.dist_port = folder, free_port(), free_port()
        self.node = f"faults_{os.getpid()}@localhost"
        self.log = folder / "rabbitmq-console.log"
        self.process: subprocess.Popen | None = None
        config = folder / "rabbitmq.conf"
        config.write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n")
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq-env.conf").write_text("")
        home = Path(pwd.getpwnam(self.USER).pw_dir) if os.geteuid() == 0 else Path.home()
        self.env = {
            **os.environ,
            "HOME": str(home),  # the Erlang cookie rabbitmqctl shares with the node
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_PID_FILE": str(folder / "node.pid"),
        }
        for sub in ("mnesia", "log"):
            (folder / sub).mkdir(exist_ok=True)
        _chown(folder, self.USER)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*_as_user(self.USER), self.server],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.folder,
            )
        _wait(
            lambda: _port_open(self.port) or self.process.poll() is not None,
            timeout=90,
            what="the private RabbitMQ to listen",
            log=self.log,
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"the private RabbitMQ exited with {self.process.returncode}:\n{self.log.read_text()}")

    def _ctl(self, command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*_as_user(self.USER), self.ctl, "-n", self.node, command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def restart(self) -> None:
        """Stop and start the broker (the Erlang VM stays up, which saves a cold start): every connection is cut,
        and queues and persistent messages are recovered from disk."""
        for command in ("stop_app", "start_app"):
            result = self._ctl(command)
            if result.returncode:
                raise RuntimeError(f"rabbitmqctl {command} failed:\n{result.stdout}\n{result.stderr}")
        _wait(lambda: _port_open(self.port), timeout=60, what="the private RabbitMQ to listen again", log=self.log)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self._ctl("stop")
        _group_stop(self.process, timeout=30)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb, trust on 127.0.0.1), restarted with pg_ctl."""

    USER = "postgres"

    def __init__(self, folder: Path):
        bin_dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
        bin_dir = bin_dirs[-1] if bin_dirs else ""
        self.initdb = _binary("initdb", f"{bin_dir}/initdb")
        self.pg_ctl = _binary("pg_ctl", f"{bin_dir}/pg_ctl")
        self.folder, self.port = folder, free_port()
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        _chown(folder, self.USER)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*_as_user(self.USER), *args], capture_output=True, text=True, timeout=120, check=False, cwd=self.folder
        )
        if result.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")

    def init(self) -> None:
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def create_database(self, name: str) -> None:
        self._run(
            str(Path(self.pg_ctl).resolve().with_name("psql")),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-c",
            f"create database {name}",
        )

    def restart(self) -> None:
        """An immediate stop (every connection cut, as in a crash) and a start."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.start()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")


class SmallDisk:
    """A tmpfs of `size` bytes mounted on `path` (root only, as CI runs)."""

    def __init__(self, path: Path, *, size: int):
        self.path, self.size = path, size
        self.path.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise ServiceMissing(f"cannot mount a tmpfs (root is needed): {result.stderr.strip()}")

    def fill(self, *, leave: int) -> Path:
        """Take all but `leave` bytes of the disk with one file (removed to free the disk again)."""
        filler = self.path / "filler.bin"
        free = shutil.disk_usage(self.path).free
        with filler.open("ab") as handle:
            handle.write(b"\0" * max(0, free - leave))
        return filler

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True, check=False)
