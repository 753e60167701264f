"""A live room's public playlist under polling: requests per second and p99 latency of /live/<key>/index.m3u8
served by gunicorn (3 sync workers, as deployed) and driven by wrk, against the same server answering a constant
playlist body through the same Django stack (the baseline), in the same run.

A third row, "before", is the playlist code as it was before reads stopped locking the room (services.py from git,
the commit before `playlist_advanced_at` appeared), loaded next to ours: every poll a transaction with the room
row locked. ratio = baseline rps / ours (lower is better; 1 would be as cheap as a constant answer). Runs in a
throwaway test database on DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/shop_video), dropped after.
Usage: python bench/live_playlist.py [--quick] [--connections N] [--conn-max-age S]

This file is also the benchmark's WSGI module: gunicorn imports it as `live_playlist:application`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/shop_video")
os.environ["CELERY_BROKER_URL"] = "filesystem://localhost/"  # nothing is sent, but nothing may reach a real queue
os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="bench-broker-"))

CONSTANT_PATH = "/bench/constant.m3u8"
BEFORE_PATH = "/bench/before/{key}/index.m3u8"
DURATIONS = (2.0, 2.0, 2.0)  # three 6 s products, 2 s chunks: a playlist of about 7 entries, as in production


# --- the server side (imported by gunicorn) ----------------------------------------------------------------------


def _before_services():
    """services.py as it was before this change, loaded as its own module (None without git or the history)."""
    path = os.environ.get("BENCH_BEFORE_SERVICES")
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("shop_video.live._services_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _server_urls():
    from django.http import Http404, HttpResponse
    from django.urls import include, path
    from django.views.decorators.http import require_safe

    from shop_video.live.models import LiveRoom
    from shop_video.live.views import PLAYLIST_TYPE

    constant = open(os.environ["BENCH_CONSTANT_BODY"]).read()
    before = _before_services()

    @require_safe
    def constant_playlist(request):
        response = HttpResponse(constant, content_type=PLAYLIST_TYPE)
        response["Cache-Control"] = "public, max-age=1"
        return response

    @require_safe
    def before_playlist(request, key):  # the view as it was: no cache, the old service
        try:
            text = before.live_playlist_advance(key=key)
        except LiveRoom.DoesNotExist:
            raise Http404("No live room has this address.") from None
        response = HttpResponse(text, content_type=PLAYLIST_TYPE)
        response["Cache-Control"] = "no-cache"
        return response

    extra = [path(CONSTANT_PATH.lstrip("/"), constant_playlist)]
    if before is not None:
        extra.append(path("bench/before/<str:key>/index.m3u8", before_playlist))
    return [*extra, path("", include("shop_video.urls"))]


if __name__ != "__main__":
    import django

    django.setup()
    from django.conf import settings as _settings
    from django.core.wsgi import get_wsgi_application

    _settings.ROOT_URLCONF = __name__  # the project's URLs plus the two above
    urlpatterns = _server_urls()
    application = get_wsgi_application()


# --- the driver ------------------------------------------------------------------------------------------------


def room_make():
    """A merchant, three products and a room whose three segments are ready (rows only: the playlist reads no
    chunk file)."""
    from decimal import Decimal

    from catalog.services import VariantFields, product_upsert
    from shop_video.live.models import LiveRoom, LiveRoomItem, LiveSegment
    from shop_video.tenancy.services import merchant_create

    merchant = merchant_create(slug="bench-live", name="Bench", owner_email="o@bench.test", owner_password="x" * 20)
    room = LiveRoom.objects.create(merchant=merchant, slug="bench", name="Bench live", template_slug="quick-bumper")
    for position in range(3):
        sku = f"SKU-{position}"
        product, _ = product_upsert(
            merchant=merchant,
            key=sku.lower(),
            title=f"Product {position}",
            variants=[VariantFields(sku=sku, price=Decimal("24.00"), currency="USD")],
        )
        item = LiveRoomItem.objects.create(room=room, position=position, product=product, sku=sku)
        LiveSegment.objects.create(
            item=item,
            status=LiveSegment.Status.READY,
            price="24.00",
            currency="USD",
            chunks=[[f"{n}.ts", seconds] for n, seconds in enumerate(DURATIONS)],
            media_dir=f"live/bench-live/{room.key}/{position}",
        )
    return room


def before_services_file(folder: Path) -> Path | None:
    """services.py from the commit before the one that added `playlist_advanced_at` to it."""
    try:
        added = subprocess.run(
            ["git", "log", "--format=%H", "-S", "playlist_advanced_at", "--", "shop_video/live/services.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        source = subprocess.run(
            ["git", "show", f"{added[-1]}^:shop_video/live/services.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError, IndexError):
        return None
    path = folder / "services_before.py"
    path.write_text(source)
    return path


def gunicorn_start(env: dict) -> tuple[subprocess.Popen, str]:
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "live_playlist:application"),
            *("--pythonpath", f"{ROOT / 'bench'},{ROOT}", "--bind", "127.0.0.1:0", "--workers", "3"),
            *("--access-logfile", "/dev/null", "--log-level", "info"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = Path(log.name).read_text()
        booted = len(re.findall(r"Booting worker", text))
        match = re.search(r"Listening at: http://(127\.0\.0\.1:\d+)", text)
        if match and booted >= 3:
            return server, f"http://{match.group(1)}"
        if server.poll() is not None:
            sys.exit(f"gunicorn exited:\n{text}")
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start in 60 s")


def wrk(url: str, *, seconds: int, connections: int) -> tuple[float, float]:
    """Requests per second and the 99th percentile latency (ms); exits on any error answer."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"wrk saw errors for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out).groups()
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per run instead of 10")
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections (default 16)")
    parser.add_argument(
        "--conn-max-age", default=os.environ.get("DB_CONN_MAX_AGE", "0"), help="DB_CONN_MAX_AGE of the server"
    )
    args = parser.parse_args()
    seconds = 3 if args.quick else 10

    import django

    django.setup()
    import urllib.request

    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/live_playlist.py measures PostgreSQL: set DATABASE_URL to a PostgreSQL server")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    folder = Path(tempfile.mkdtemp(prefix="bench-live-playlist-"))
    server = None
    try:
        room = room_make()
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "DB_CONN_MAX_AGE": str(args.conn_max_age),
            "BENCH_CONSTANT_BODY": str(folder / "constant.m3u8"),
            "PYTHONPATH": str(ROOT),
        }
        before_file = before_services_file(folder)
        if before_file:
            env["BENCH_BEFORE_SERVICES"] = str(before_file)
        from shop_video.live import services

        services.live_playlist_advance(key=room.key)  # the room starts playing
        (folder / "constant.m3u8").write_text(services.live_playlist_advance(key=room.key))
        server, base = gunicorn_start(env)
        paths = {"baseline (constant body)": CONSTANT_PATH, "ours": room.stream_path}
        if before_file:
            paths["before (locked)"] = BEFORE_PATH.format(key=room.key)
        for path in paths.values():  # every worker imported and answering
            for _ in range(6):
                assert urllib.request.urlopen(base + path).status == 200
        results = {
            name: wrk(base + path, seconds=seconds, connections=args.connections) for name, path in paths.items()
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)

    print(
        f"live playlist, gunicorn 3 sync workers, wrk 2 threads x {args.connections} connections, {seconds} s each, "
        f"DB_CONN_MAX_AGE={args.conn_max_age}, PostgreSQL"
    )
    print(f"{'server':<26}{'req/s':>10}{'p99 ms':>10}")
    for name, (rps, p99) in results.items():
        print(f"{name:<26}{rps:>10.0f}{p99:>10.1f}")
    baseline, ours = results["baseline (constant body)"], results["ours"]
    before = results.get("before (locked)")
    extra = f" before_rps={before[0]:.0f} before_p99_ms={before[1]:.1f}" if before else ""
    print(f"live_playlist ratio={baseline[0] / ours[0]:.2f} rps={ours[0]:.0f} p99_ms={ours[1]:.1f}{extra}")


if __name__ == "__main__":
    main()
