"""A process that cannot use its media bucket stops at start with a message naming the variable to fix: the web
app through its system check (runserver, migrate, check) and wsgi, a worker before it takes any task."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shop_video.storage_checks import storage_system_check
from tests.s3_server import free_port


def test_a_reachable_bucket_passes_the_check(s3_media):
    assert storage_system_check() == []


def test_an_unreachable_endpoint_names_aws_s3_endpoint_url(s3_media, settings):
    closed = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "endpoint_url": closed},
        },
    }
    (error,) = storage_system_check()
    assert "cannot be reached" in error.msg and "AWS_S3_ENDPOINT_URL" in error.msg


def test_a_missing_bucket_names_media_storage(s3_media, settings):
    for alias in ("default", "private"):
        options = {**settings.STORAGES[alias]["OPTIONS"], "bucket_name": "no-such-bucket-here"}
        settings.STORAGES = {**settings.STORAGES, alias: {**settings.STORAGES[alias], "OPTIONS": options}}
    (error,) = storage_system_check()
    assert "'no-such-bucket-here' does not exist" in error.msg and "MEDIA_STORAGE" in error.msg


def test_wrong_credentials_name_the_aws_key_variables(s3_media, monkeypatch):
    from moto import settings as moto_settings

    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # the server checks keys from now on
    (error,) = storage_system_check()
    assert "refused the credentials" in error.msg
    assert "AWS_ACCESS_KEY_ID" in error.msg and "AWS_SECRET_ACCESS_KEY" in error.msg


def _env(s3_media, **overrides) -> dict[str, str]:
    return {**os.environ, **s3_media.environment, "DJANGO_SETTINGS_MODULE": "shop_video.settings", **overrides}


def test_the_web_app_and_a_worker_refuse_to_start(s3_media):
    env = _env(s3_media, AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    web = subprocess.run(
        [sys.executable, "-c", "import shop_video.wsgi"], env=env, capture_output=True, text=True, timeout=60
    )
    assert web.returncode != 0 and "AWS_S3_ENDPOINT_URL" in web.stderr, web.stderr[-1500:]
    worker = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "shop_video", "worker", "--pool", "solo", "--queues", "cpu"],
        env={**env, "CELERY_BROKER_URL": "memory://"},
        capture_output=True,
        text=True,
        timeout=90,
    )
    output = worker.stdout + worker.stderr
    assert worker.returncode != 0 and "worker not started" in output and "AWS_S3_ENDPOINT_URL" in output, output[-2000:]


def test_pages_may_load_media_from_the_bucket_and_the_cdn():
    from shop_video.storage_settings import media_storage_settings

    origins = media_storage_settings(
        {
            "MEDIA_STORAGE": "s3://videos/prod",
            "AWS_S3_ENDPOINT_URL": "https://minio.example.com:9000",
            "MEDIA_PUBLIC_BASE_URL": "https://cdn.example.com/media",
        }
    )["MEDIA_ORIGINS"]
    assert origins == ["https://cdn.example.com", "https://minio.example.com:9000", "https://*.minio.example.com:9000"]
    assert media_storage_settings({"MEDIA_STORAGE": "s3://videos"})["MEDIA_ORIGINS"] == ["https://*.amazonaws.com"]


@pytest.mark.parametrize("value", ["s3://", "s3://Bad_Bucket/x", "gs://bucket"])
def test_a_malformed_media_storage_stops_the_settings(value):
    from django.core.exceptions import ImproperlyConfigured

    from shop_video.storage_settings import media_storage_settings

    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE="):
        media_storage_settings({"MEDIA_STORAGE": value})
