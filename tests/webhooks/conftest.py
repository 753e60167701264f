"""A real HTTP receiver on 127.0.0.1, the settings that let webhooks reach it, and a record of the delivery
tasks the services send (unit tests have no worker: the task body is run with .apply())."""

from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass, field

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Answers to give, in order (status, body, extra headers); after they run out every answer is 200 "ok".
    answers: list[tuple[int, bytes, dict]] = field(default_factory=list)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        receiver: Receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver.requests.append(Received(path=self.path, headers=dict(self.headers.items()), body=body))
        status, reply, extra = receiver.answers.pop(0) if receiver.answers else (200, b"ok", {})
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.receiver = Receiver(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.receiver
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allow_loopback(settings):
    """The same allowance the image-fetching tests use (shop_video/safe_http.py reads it; settings.py never sets
    it, so no environment variable can turn it on in production): the literal host 127.0.0.1 only."""
    settings.IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]


@pytest.fixture
def sent(monkeypatch):
    """Every webhook_deliver message the services send: (delivery_id, countdown, queue)."""
    from shop_video.webhooks.tasks import webhook_deliver

    messages = []

    def record(args=None, kwargs=None, **options):
        messages.append((args[0], options.get("countdown"), options.get("queue")))

    monkeypatch.setattr(webhook_deliver, "apply_async", record)
    return messages
