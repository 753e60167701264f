"""A real S3-compatible server for the tests: moto's standalone server on 127.0.0.1 (a free port), speaking HTTP,
so the code under test and any worker process it starts talk to it exactly as they would to a bucket.

    server = S3Server.start()
    env = server.environment(bucket=server.bucket_create(), prefix="media")  # MEDIA_STORAGE, AWS_* ...
    subprocess.run([...], env={**os.environ, **env})
    server.stop()

tests/storage/conftest.py wraps it in pytest fixtures (a session-scoped server, a fresh bucket per test).
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass, field

# Any non-empty pair: moto accepts every key unless told to check them (INITIAL_NO_AUTH_ACTION_COUNT).
ACCESS_KEY_ID = "shop-video-tests"
SECRET_ACCESS_KEY = "shop-video-tests-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    endpoint_url: str
    _server: object = field(repr=False, default=None)

    @classmethod
    def start(cls) -> S3Server:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        return cls(endpoint_url=f"http://{host}:{port}", _server=server)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self):
        """A boto3 S3 client with the tests' credentials (for checks the code under test does not do)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def bucket_create(self, name: str = "") -> str:
        name = name or f"shop-video-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, *, bucket: str, prefix: str = "media") -> dict[str, str]:
        """The variables a process (web, worker, management command) needs to use `bucket` as its media storage;
        also what shop_video.storage_settings reads to build the in-process settings."""
        return {
            "MEDIA_STORAGE": f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}",
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ADDRESSING_STYLE": "path",  # 127.0.0.1 has no per-bucket host names
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": REGION,
        }

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
