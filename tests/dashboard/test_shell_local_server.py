"""`make run`'s web process (deploy/Procfile.dev's web line, run as honcho runs it: through the shell) starts from
nothing with DEBUG off: friendly error pages, static files served, plain HTTP; Django's debug view only when the
developer asks for it with DEBUG=true."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_LINE = next(
    line.split(":", 1)[1].strip()
    for line in (ROOT / "deploy" / "Procfile.dev").read_text().splitlines()
    if line.startswith("web:")
)


def _fresh_machine_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """This machine's environment less everything a fresh checkout would not have set."""
    dropped = (
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "MEDIA_ROOT",
        "LOCAL_SERVER",
    )
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    return {**env, "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", **extra}


def _get(url: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_make_run_web_serves_friendly_pages_with_debug_off(tmp_path):
    made = subprocess.run(
        [sys.executable, "-m", "shop_video.local_secret"], cwd=ROOT, env=_fresh_machine_env(tmp_path), timeout=30
    )
    assert made.returncode == 0 and (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # the owner's only
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = WEB_LINE.replace(".venv/bin/python", sys.executable).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    log = (tmp_path / "web.log").open("wb")
    web = subprocess.Popen(
        ["sh", "-c", command],  # as honcho runs a Procfile line
        cwd=ROOT,
        env=_fresh_machine_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert web.poll() is None, (tmp_path / "web.log").read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "runserver did not start in 30 s"
                time.sleep(0.1)
        status, headers, body = _get(f"http://127.0.0.1:{port}/app/no-such-page/")
        assert status == 404
        assert "Page not found" in body and "Back to the dashboard" in body and 'href="/app/"' in body
        assert "URLconf" not in body and "Traceback" not in body  # not Django's debug page
        assert "Content-Security-Policy" in headers
        status, _, css = _get(f"http://127.0.0.1:{port}/static/dashboard/dashboard.css")
        assert status == 200 and ".error-page" in css  # static files with DEBUG off (runserver --insecure)
        (tmp_path / "media" / "renders").mkdir(parents=True)
        (tmp_path / "media" / "renders" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
        status, headers, _ = _get(f"http://127.0.0.1:{port}/media/renders/clip.mp4")
        assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"  # public media, safe headers
        status, headers, _ = _get(f"http://127.0.0.1:{port}/")
        assert status == 302 and headers["Location"].startswith("/app/")  # plain HTTP: no redirect to https
    finally:
        if web.poll() is None:
            os.killpg(web.pid, 15)
            web.wait(timeout=10)
        log.close()


def test_debug_view_only_when_asked_for_and_every_local_process_shares_the_key(tmp_path):
    """The web line's variables as the shell expands them, with and without DEBUG=true from the developer; and a
    process without them (the worker, a manage.py command) signs with the same kept key."""
    prefix = WEB_LINE.split(".venv/bin/python")[0]
    for extra, debug in (({}, "DEBUG=false"), ({"DEBUG": "true"}, "DEBUG=true")):
        result = subprocess.run(
            ["sh", "-c", f"{prefix} env"], env=_fresh_machine_env(tmp_path, **extra), capture_output=True, text=True
        )
        assert {debug, "LOCAL_SERVER=true"} <= set(result.stdout.splitlines())
    subprocess.run([sys.executable, "-m", "shop_video.local_secret"], cwd=ROOT, env=_fresh_machine_env(tmp_path))
    worker = subprocess.run(
        [sys.executable, "-c", "import shop_video.settings as s; print(s.DEBUG, s.SECRET_KEY)"],
        cwd=ROOT,
        env=_fresh_machine_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.stdout.split() == ["True", (tmp_path / "secret_key").read_text().strip()], worker.stderr[-2000:]
