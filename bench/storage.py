"""Object storage cost: the same render end to end on local storage and on an S3-compatible server (moto's,
started here), in one invocation.

The render: product-showcase for one product with two photos, motion engine, every shot then the assembly (encode,
poster, preview, captions, C2PA signing), run in-process one task after another as a worker would, so only the
storage differs. On S3 the worker's scratch folder is emptied before the assembly, as on a fleet where the render
host has none of the shots the CPU host made: every photo, shot and rendition crosses the network. Each storage
runs in its own child process (the settings are read once at start) with its own SQLite copy of one migrated
database; the children render alternately (local, S3, local, S3, ...) after one untimed warm-up each, and the
median wall time of each is compared.

ratio = S3 wall / local wall (target at most 1.15). Bytes moved are counted by a TCP relay between the S3 child and
the server: everything sent and received, HTTP headers included, per rendition.

Usage: python bench/storage.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEMPLATE, SKU = "product-showcase", "MUG-1"
REQUEST_LINE = re.compile(rb"(GET|PUT|HEAD|POST|DELETE) \S+ HTTP/1\.1\r\n")


# --- the parent: server, relay, children ----------------------------------------------------------------------


class CountingRelay:
    """A TCP relay from 127.0.0.1:<port> to the S3 server that counts the bytes each way."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream, self.sent, self.received, self.requests = upstream, 0, 0, 0
        self.methods: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def totals(self) -> tuple[int, int, int]:
        with self._lock:
            return self.sent, self.received, self.requests

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(client, server, "sent"), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, "received"), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, counter: str) -> None:
        try:
            while data := source.recv(1 << 16):
                target.sendall(data)
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(data))
                    if counter == "sent":  # request lines ("PUT /bucket/key HTTP/1.1"); a header line never matches
                        for method in REQUEST_LINE.findall(data):
                            self.requests += 1
                            self.methods[method.decode()] += 1
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._listener.close()


class Child:
    """A child process that sets up once, then renders each time it is asked."""

    def __init__(self, mode: str, env: dict[str, str], args: list[str], log: Path):
        self.mode, self.log = mode, log
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, __file__, "--child", mode, *args],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._expect("ready")

    def render(self) -> dict:
        self.process.stdin.write("render\n")
        self.process.stdin.flush()
        return self._expect("rendered")

    def _expect(self, what: str) -> dict:
        for line in self.process.stdout:
            if line.startswith("{"):
                message = json.loads(line)
                if message.get("event") == what:
                    return message
        tail = self.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the {self.mode} child exited with {self.process.wait()} before '{what}':\n{tail}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _base_env(work: Path, name: str, database: Path) -> dict[str, str]:
    home = work / name
    for folder in ("media", "private", "scratch", "var"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_STORAGE"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "shop_video.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": "filesystem://localhost/",  # nothing is sent: the bench runs the tasks itself
        "CELERY_BROKER_DIR": str(home / "broker"),
        "VAR_DIR": str(home / "var"),
        "MEDIA_ROOT": str(home / "media"),
        "PRIVATE_MEDIA_ROOT": str(home / "private"),
        "WORKER_SCRATCH_DIR": str(home / "scratch"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small rendition, one timed render each")
    parser.add_argument("--repeats", type=int, default=None, help="timed renders per storage (default 3, quick 1)")
    parser.add_argument("--child", choices=("local", "s3"), help=argparse.SUPPRESS)
    parser.add_argument("--short-side", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--aspects", default=None, help=argparse.SUPPRESS)
    options = parser.parse_args()
    short_side = options.short_side or (180 if options.quick else 360)
    aspects = options.aspects or ("9:16" if options.quick else "9:16,1:1")
    if options.child:
        return child_main(options.child, short_side=short_side, aspects=aspects.split(","))
    repeats = options.repeats or (1 if options.quick else 3)

    import logging

    from tests.s3_server import S3Server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server would log every request

    work = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    server = S3Server.start()
    relay = CountingRelay(("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1])))
    children: list[Child] = []
    try:
        template_db = work / "template.sqlite3"
        env = _base_env(work, "migrate", template_db)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        bucket = server.bucket_create()
        s3_env = server.environment(bucket=bucket, prefix="bench")
        s3_env["AWS_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{relay.port}"
        child_args = ["--short-side", str(short_side), "--aspects", aspects]
        for mode in ("local", "s3"):
            database = work / f"{mode}.sqlite3"
            shutil.copyfile(template_db, database)
            extra = s3_env if mode == "s3" else {}
            env = {**_base_env(work, mode, database), **extra}
            children.append(Child(mode, env, child_args, log=work / f"{mode}.log"))
        for child in children:
            child.render()  # warm-up: imports, fonts, the first encoder start
        walls: dict[str, list[float]] = {"local": [], "s3": []}
        moved: list[tuple[int, int, int, int]] = []  # (sent, received, requests, renditions) per S3 render
        for _ in range(repeats):
            for child in children:
                before = relay.totals()
                result = child.render()
                after = relay.totals()
                walls[child.mode].append(result["wall"])
                if child.mode == "s3":
                    moved.append((*(a - b for a, b in zip(after, before)), result["renditions"]))
    finally:
        for child in children:
            child.close()
        relay.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    local, s3 = statistics.median(walls["local"]), statistics.median(walls["s3"])
    sent, received, requests, renditions = (sum(column) for column in zip(*moved))
    per_rendition = (sent + received) / renditions
    print(f"render: {TEMPLATE}, {aspects} at short side {short_side}, {repeats} timed run(s) per storage")
    print(f"{'storage':<8} {'median s':>9} {'runs s':>28}")
    for mode in ("local", "s3"):
        print(f"{mode:<8} {statistics.median(walls[mode]):>9.2f} {' '.join(f'{w:.2f}' for w in walls[mode]):>28}")
    print(
        f"bytes per rendition on S3: {per_rendition:,.0f} (uploaded {sent / renditions:,.0f}, "
        f"downloaded {received / renditions:,.0f}) in {requests / renditions:.0f} requests"
    )
    print("requests by method, the whole S3 child (setup, warm-up, timed runs):", dict(sorted(relay.methods.items())))
    print(
        f"storage ratio={s3 / local:.3f} bytes_per_rendition={per_rendition:.0f} "
        f"uploaded_per_rendition={sent / renditions:.0f} downloaded_per_rendition={received / renditions:.0f} "
        f"requests_per_rendition={requests / renditions:.0f} local_s={local:.2f} s3_s={s3:.2f}"
    )
    return 0


# --- a child: one storage, renders on request --------------------------------------------------------------------


def child_main(mode: str, *, short_side: int, aspects: list[str]) -> int:
    import django

    django.setup()
    from collections import deque

    from django.conf import settings

    from generation import dispatch, tasks
    from generation.models import JobStatus, RenderJob
    from generation.presets import video_templates_sync_builtin
    from generation.provenance.dev_certificate import dev_certificate_write
    from generation.services.render_jobs import render_job_create
    from shop_video.scratch import scratch_release
    from tests import factories

    assert bool(settings.MEDIA_STORAGE_BUCKET) == (mode == "s3"), "the child's storage is not the one asked for"
    dev_certificate_write(cert_path=settings.C2PA_SIGN_CERT, key_path=settings.C2PA_SIGN_KEY)
    merchant = factories.merchant_make(slug="bench")
    factories.product_make(merchant=merchant, sku=SKU, photos=2)
    video_templates_sync_builtin()

    # The queues, in order: shots first, then the assembly their last one asks for.
    pending: deque[tuple[str, int]] = deque()
    dispatch.shots_send = lambda *, shot_ids, queue: pending.extend(("shot", i) for i in shot_ids)
    dispatch.shots_send_pending = dispatch.shots_send
    dispatch.assembly_send = lambda *, job_id: pending.append(("assembly", job_id))
    scratch = Path(settings.WORKER_SCRATCH_DIR)

    def run_task(kind: str, ident: int) -> None:
        if kind == "assembly":
            shutil.rmtree(scratch / "objects", ignore_errors=True)  # the render host has none of the shots
            tasks.render_job_assemble(ident)
        else:
            tasks.shot_render(ident)
        scratch_release()  # what Celery's task_postrun does on a worker

    _say(event="ready")
    for line in sys.stdin:
        if line.strip() != "render":
            continue
        shutil.rmtree(scratch / "objects", ignore_errors=True)  # a cold worker: photos come from storage too
        started = time.perf_counter()
        job = render_job_create(
            merchant=merchant, template_slug=TEMPLATE, sku=SKU, aspect_ratios=aspects, short_side=short_side
        )
        while pending:
            run_task(*pending.popleft())
        wall = time.perf_counter() - started
        job = RenderJob.objects.get(pk=job.pk)
        if job.status != JobStatus.SUCCEEDED:
            raise SystemExit(f"the {mode} render did not succeed: {job.status} {job.error}")
        _say(event="rendered", wall=wall, renditions=job.renditions.count())
    return 0


def _say(**message) -> None:
    print(json.dumps(message), flush=True)


if __name__ == "__main__":
    sys.exit(main())
