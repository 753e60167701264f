"""Real worker processes for the ops tests (tests/e2e/worker.py starts them), with the ops settings they need."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ops_env(tmp_path: Path, name: str, **extra: str) -> dict[str, str]:
    return {
        "WORKER_METRICS_PORT": str(free_port()),
        "WORKER_METRICS_ADDR": "127.0.0.1",
        "WORKER_HEARTBEAT_FILE": str(tmp_path / f"{name}.heartbeat"),
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "LOG_FORMAT": "json",
        **extra,
    }


def worker_metrics(env: dict[str, str]) -> dict[str, float]:
    """The worker's own /metrics, as 'name{label="value",...}' -> value."""
    url = f"http://127.0.0.1:{env['WORKER_METRICS_PORT']}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def liveness(env: dict[str, str], *, max_age: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shop_video.ops.worker_liveness", "--max-age", str(max_age)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
