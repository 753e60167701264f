"""Settings come from the environment through strict helpers; production refuses weak configuration."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from shop_video.env import env_bool, env_int, env_list, env_mapping

ROOT = Path(__file__).resolve().parents[1]
STRONG_KEY = "k3y-" + "x7Qp9" * 12


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_booleans_are_strict(monkeypatch):
    monkeypatch.setenv("FLAG", "flase")
    with pytest.raises(ImproperlyConfigured, match="FLAG='flase' is not a boolean: use one of 1/0"):
        env_bool("FLAG", False)
    for raw, expected in [("1", True), ("Yes", True), ("off", False), ("", True)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", True) is expected


def test_numbers_lists_and_mappings(monkeypatch):
    monkeypatch.setenv("N", "12x")
    with pytest.raises(ImproperlyConfigured, match="N='12x' is not a whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "3")
    with pytest.raises(ImproperlyConfigured, match="N=3 is below the minimum 5"):
        env_int("N", 10, minimum=5)
    monkeypatch.setenv("HOSTS", " a.example , b.example,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("MODELS", "ltx=/models/ltx,wan")
    with pytest.raises(ImproperlyConfigured, match="'wan' is not KEY=VALUE"):
        env_mapping("MODELS", {})


def test_production_refuses_to_start_without_a_real_secret_key():
    boot = "import django; django.setup()"
    for key in (None, "short", "django-insecure-" + "a" * 60):
        env = {"DEBUG": "false", "ALLOWED_HOSTS": "videos.example.com"}
        if key:
            env["SECRET_KEY"] = key
        result = _python(boot, DJANGO_SETTINGS_MODULE="shop_video.settings", **env)
        assert result.returncode != 0
        assert "SECRET_KEY is missing or weak: set SECRET_KEY to a random string" in result.stderr
    ok = _python(
        boot,
        DJANGO_SETTINGS_MODULE="shop_video.settings",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="videos.example.com",
    )
    assert ok.returncode == 0, ok.stderr


def test_production_needs_allowed_hosts():
    result = _python(
        "import django; django.setup()",
        DJANGO_SETTINGS_MODULE="shop_video.settings",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
    )
    assert "ALLOWED_HOSTS is empty: set ALLOWED_HOSTS=" in result.stderr


def test_check_deploy_reports_nothing_above_info(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "videos.example.com",
            "VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_web_process_never_imports_torch():
    code = (
        "import sys, django; django.setup(); import shop_video.urls, shop_video.celery, generation.admin, "
        "generation.tasks, catalog.tasks, generation.engines.dit.family, generation.services.render_jobs, "
        "generation.services.job_states, generation.services.video_templates; "
        "from django.test import Client; Client().get('/healthz'); "
        "print('torch' in sys.modules, 'diffusers' in sys.modules)"
    )
    result = _python(code, DJANGO_SETTINGS_MODULE="shop_video.settings")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DIT_MODELS": "sora=/models/sora"}, "DIT_MODELS: unknown family 'sora'"),
        ({"DIT_MODELS": "ltx"}, "is not KEY=VALUE"),
        ({"DIT_DEFAULT_FAMILY": "kling"}, "DIT_DEFAULT_FAMILY='kling': use one of ltx, wan, cogvideox"),
        ({"DIT_CACHE_THRESHOLD": "fast"}, "DIT_CACHE_THRESHOLD='fast' is not a number"),
        ({"SHOT_DELIVERY_ENCODER": "x265"}, "SHOT_DELIVERY_ENCODER must be auto, libx264 or h264_nvenc, got 'x265'"),
    ],
)
def test_bad_dit_settings_stop_the_process_with_what_to_set(variables, message):
    result = _python("import django; django.setup()", DJANGO_SETTINGS_MODULE="shop_video.settings", **variables)
    assert result.returncode != 0 and message in result.stderr


def test_settings_import_nothing_from_generation():
    # Family names are checked when the apps load (generation/apps.py), not while settings are read.
    tree = ast.parse((ROOT / "shop_video" / "settings.py").read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name and name.split(".")[0] == "generation"]
    result = _python("import shop_video.settings", DIT_MODELS="sora=/models/sora")
    assert result.returncode == 0, result.stderr


def test_embedded_defaults_need_nothing_installed(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, settings.MEDIA_ROOT)"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "MEDIA_ROOT")}
    var_dir = tmp_path / "fresh-machine" / "var"  # does not exist yet: settings must make it
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, "DJANGO_SETTINGS_MODULE": "shop_video.settings", "VAR_DIR": str(var_dir)},
    )
    assert result.stdout.split() == [
        "django_prometheus.db.backends.sqlite3",
        "filesystem://localhost/",
        str(var_dir / "media"),
    ]
    assert var_dir.is_dir()
