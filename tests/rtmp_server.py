"""A real RTMP server on the loopback for the live push tests: nginx with its RTMP module (Debian's nginx and
libnginx-mod-rtmp), on a free port, in the foreground as a subprocess, recording every stream it receives to FLV
files in a temporary folder (one file per connection).

Missing nginx or the module: the tests skip with the reason on a developer's machine, and fail in CI (CI=true),
where .ci/run installs both.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

MODULE_PATHS = ("/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/lib64/nginx/modules/ngx_rtmp_module.so")
APPLICATION = "live"


def nginx_missing_reason() -> str | None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "nginx is not installed (apt-get install nginx libnginx-mod-rtmp)"
    if not any(Path(path).exists() for path in MODULE_PATHS):
        return "nginx's RTMP module is not installed (apt-get install libnginx-mod-rtmp)"
    return None


def require_nginx() -> None:
    reason = nginx_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: .ci/run installs it")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RtmpServer:
    """`rtmp://127.0.0.1:<port>/live/<key>`; what it received is in `recordings()` (after `stop()`)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.records = folder / "records"
        self.records.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        module = next(path for path in MODULE_PATHS if Path(path).exists())
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.command = [
            nginx,
            "-p",
            str(folder),
            "-e",
            str(folder / "logs/error.log"),
            "-c",
            str(folder / "nginx.conf"),
        ]
        (folder / "logs").mkdir(exist_ok=True)
        (folder / "nginx.conf").write_text(
            f"""load_module {module};
daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{self.port};
        chunk_size 4096;
        application {APPLICATION} {{
            live on;
            record all;
            record_path {self.records};
            record_unique on;
        }}
    }}
}}
"""
        )

    @property
    def url(self) -> str:
        return f"rtmp://127.0.0.1:{self.port}/{APPLICATION}"

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode(errors='replace')}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 10 s")

    def stop(self) -> None:
        """Stop at once (connections drop mid-stream, like an ingest going away); the recordings stay."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def recordings(self) -> list[Path]:
        """The FLV files received, oldest first."""
        return sorted(self.records.glob("*.flv"), key=lambda path: (path.stat().st_mtime, path.name))


@pytest.fixture(name="rtmp_server")
def rtmp_server_fixture(tmp_path):
    require_nginx()
    server = RtmpServer(tmp_path / "nginx")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class TlsFront:
    """An RTMPS ingest: TLS on a free loopback port (a self-signed certificate for localhost, in `cert_path`),
    each connection forwarded in the clear to `upstream_port` (nginx's RTMP module does not speak TLS itself)."""

    def __init__(self, folder: Path, upstream_port: int):
        folder.mkdir(parents=True, exist_ok=True)
        self.cert_path, key_path = folder / "cert.pem", folder / "key.pem"
        _self_signed(self.cert_path, key_path)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.cert_path, key_path)
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.handshake_errors: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                secure = self.context.wrap_socket(client, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.handshake_errors.append(str(exc))
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            for source, sink in ((secure, upstream), (upstream, secure)):
                threading.Thread(target=_copy, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        self.listener.close()


def _copy(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _self_signed(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
