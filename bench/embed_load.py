"""The storefront read path under load: GET /api/v1/products/{sku}/videos served by the production server
(gunicorn with deploy/gunicorn.conf.py, DEBUG off, the embed cache on Redis) and driven from the loopback by wrk,
against a baseline of the same server answering a constant JSON body (the same bytes as one embed answer) in the
same run. Without --quick, the embed is also measured with the cache off (every request through Django).

The database is a throwaway one: PostgreSQL on DATABASE_URL's server when DATABASE_URL is set (dropped
afterwards), else SQLite in a temporary folder. The cache uses EMBED_CACHE_URL (default
redis://127.0.0.1:6379/6). wrk must be installed (Debian: apt-get install wrk).
Usage: python bench/embed_load.py [--quick] [--connections 32] [--seconds 10]
ratio = baseline rps / embed rps (lower is better; the target is 2 or less, with p99 under 25 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WRK_SCRIPT = """
local skus = {%(skus)s}
local i = 0
request = function()
  i = i + 1
  local path = "/api/v1/products/" .. skus[(i %% #skus) + 1] .. "/videos"
  return wrk.format("GET", path, {["Authorization"] = "Api-Key %(key)s", ["X-Forwarded-Proto"] = "https"})
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, var_dir: str, cache_url: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "shop_video.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUST_X_FORWARDED_PROTO": "1",  # behind a TLS proxy: wrk sends X-Forwarded-Proto: https
        "API_RATE": "10000000/min",  # raised, still counted on every request
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "600",
        "VAR_DIR": var_dir,
        "CELERY_BROKER_URL": "filesystem://localhost/",
        "CELERY_BROKER_DIR": str(Path(var_dir) / "broker"),
        "EMBED_CACHE_URL": cache_url,
        "LOG_LEVEL": "WARNING",
    }


def database_prepare(env: dict) -> dict:
    """Migrate and seed; returns {"key", "skus"}."""
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [PYTHON, "-c", "import django, json; django.setup(); from bench.embed_seed import embed_seed; "
         "print(json.dumps(embed_seed()))"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


class Server:
    def __init__(self, app: str, env: dict):
        self.port = free_port()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{self.port}", app],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, path: str, headers: dict) -> bytes:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.read()
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(port: int, script: str, *, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name, f"http://127.0.0.1:{port}/"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    os.unlink(lua.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk got {errors.group(1)} error responses:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(app: str, env: dict, seed: dict, *, connections: int, seconds: int) -> tuple[dict, bytes]:
    server = Server(app, env)
    try:
        headers = {"Authorization": f"Api-Key {seed['key']}", "X-Forwarded-Proto": "https"}
        body = server.wait_ready(f"/api/v1/products/{seed['skus'][0]}/videos", headers)
        for sku in seed["skus"] * 2:  # each answer computed once (then shared through Redis), before the clock
            server.wait_ready(f"/api/v1/products/{sku}/videos", headers)
        script = WRK_SCRIPT % {"skus": ", ".join(f'"{sku}"' for sku in seed["skus"]), "key": seed["key"]}
        wrk(server.port, script, connections=connections, seconds=2)  # every worker: memory, connections
        return wrk(server.port, script, connections=connections, seconds=seconds), body
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=None)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian/Ubuntu), then run this again.")
    seconds = args.seconds or (3 if args.quick else 10)
    cache_url = os.environ.get("EMBED_CACHE_URL") or "redis://127.0.0.1:6379/6"
    var_dir = tempfile.mkdtemp(prefix="bench-embed-")
    server_database = os.environ.get("DATABASE_URL")
    database_name = f"bench_embed_{os.getpid()}"
    if server_database:
        database_url = server_database.rsplit("/", 1)[0] + f"/{database_name}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database_name], check=True)
    else:
        database_url = f"sqlite:///{var_dir}/db.sqlite3"
    env = server_env(database_url, var_dir, cache_url)
    try:
        seed = database_prepare(env)
        ours, body = measure("shop_video.wsgi:application", env, seed, connections=args.connections, seconds=seconds)
        baseline_env = {**env, "EMBED_CONSTANT_BODY": body.decode()}
        baseline, _ = measure(
            "bench.embed_constant:application", baseline_env, seed, connections=args.connections, seconds=seconds
        )
        rows = [("constant JSON (baseline)", baseline), ("embed, cache on (ours)", ours)]
        if not args.quick:
            uncached, _ = measure(
                "shop_video.wsgi:application", {**env, "EMBED_CACHE_URL": ""}, seed,
                connections=args.connections, seconds=seconds,
            )  # fmt: skip
            rows.append(("embed, cache off (Django)", uncached))
    finally:
        if server_database:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", database_name], check=False)
        shutil.rmtree(var_dir, ignore_errors=True)
    print(f"gunicorn (deploy/gunicorn.conf.py), wrk {args.connections} connections, {seconds} s each, "
          f"{'PostgreSQL' if server_database else 'SQLite'}, cache {cache_url}")  # fmt: skip
    print(f"{'server':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, row in rows:
        print(f"{name:<28}{row['rps']:>10.0f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}")
    print(
        f"embed_load ratio={baseline['rps'] / ours['rps']:.2f} rps={ours['rps']:.0f} p99_ms={ours['p99_ms']:.2f} "
        f"p50_ms={ours['p50_ms']:.2f} baseline_rps={baseline['rps']:.0f} baseline_p99_ms={baseline['p99_ms']:.2f}"
        + (f" uncached_rps={rows[2][1]['rps']:.0f} uncached_p99_ms={rows[2][1]['p99_ms']:.2f}" if len(rows) > 2 else "")
    )


if __name__ == "__main__":
    main()
