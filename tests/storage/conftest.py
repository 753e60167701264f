"""Media on a real S3-compatible server (moto's, tests/s3_server.py): one server per test session, a fresh bucket
per test, and settings plus environment pointing at it (so processes the test starts use the same bucket)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.s3_server import S3Server


@dataclass
class S3Media:
    server: S3Server
    bucket: str
    prefix: str
    environment: dict[str, str]

    def keys(self, under: str = "") -> list[str]:
        return self.server.keys(self.bucket, f"{self.prefix}/{under}" if under else self.prefix)

    def client(self):
        return self.server.client()


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_media(s3_server, settings, monkeypatch, tmp_path) -> S3Media:
    """This test's media storages are a new bucket on the session's S3 server (prefix `media`); the worker
    scratch cache is a fresh folder."""
    from shop_video.storage_settings import media_storage_settings

    bucket = s3_server.bucket_create()
    environment = s3_server.environment(bucket=bucket, prefix="media")
    environment["WORKER_SCRATCH_DIR"] = str(tmp_path / "scratch")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name, value in media_storage_settings(environment).items():
        if name == "STORAGES":
            value = {**value, "staticfiles": settings.STORAGES["staticfiles"]}
        setattr(settings, name, value)
    settings.WORKER_SCRATCH_DIR = tmp_path / "scratch"
    return S3Media(server=s3_server, bucket=bucket, prefix="media", environment=environment)
