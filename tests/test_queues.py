"""Queue names are declared once (shop_video/queues.py): settings, the registry, the Makefile and deploy/ take
them from there or are checked against it here, and send() applies the one policy for an unreachable broker."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from kombu.exceptions import OperationalError

from generation.engines.dit.family import FAMILY_NAMES
from generation.engines.registry import engine_queue
from shop_video import queues

ROOT = Path(__file__).resolve().parents[1]
GPU = {queues.gpu_queue(family) for family in queues.gpu_families()}


class FakeTask:
    name = "tests.fake"

    def __init__(self, error=None):
        self.error, self.sent = error, []

    def apply_async(self, args, *, queue, countdown=None):
        if self.error:
            raise self.error
        self.sent.append((args, queue, countdown))


def test_every_queue_once_and_one_gpu_queue_per_family():
    assert queues.names() == ("default", "cpu", "render", "live.push", *(f"gpu.{f}" for f in FAMILY_NAMES), "gpu.ltx2")
    assert len(set(queues.names())) == len(queues.names())
    with pytest.raises(ValueError, match="unknown GPU model family 'sdxl'; use one of ltx, wan"):
        queues.gpu_queue("sdxl")


def test_settings_read_the_names_without_loading_generation():
    code = "import sys, shop_video.settings; print(sorted(m for m in sys.modules if m.startswith('generation')))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_send_names_the_queue_and_reports_success():
    task, failed = FakeTask(), []
    assert queues.send(task, [7], queue="cpu", countdown=3, on_unreachable=failed.append) is True
    assert task.sent == [((7,), "cpu", 3)] and failed == []


@pytest.mark.parametrize(
    "error",
    [OperationalError("[Errno 111] Connection refused"), ConnectionRefusedError("[Errno 111] Connection refused")],
)
def test_an_unreachable_broker_fails_the_work_with_the_reason(error, caplog):
    failed = []
    assert queues.send(FakeTask(error), (7,), queue="cpu", on_unreachable=failed.append) is False
    assert failed == ["the task queue could not be reached ([Errno 111] Connection refused)"]
    assert "tests.fake(7,) not sent" in caplog.text and "CELERY_BROKER_URL" in caplog.text


def test_an_unreachable_broker_leaves_resent_work_to_its_sweep(caplog):
    error = OperationalError("down")
    assert queues.send(FakeTask(error), (7,), queue="default", on_unreachable=queues.Resend(by="the_sweep")) is False
    assert "the_sweep sends it later" in caplog.text


def test_other_errors_are_bugs_and_propagate():
    with pytest.raises(TypeError):
        queues.send(FakeTask(TypeError("not JSON serializable")), (7,), queue="cpu", on_unreachable=print)


def test_settings_and_the_registry_send_shots_only_to_known_queues(settings):
    for name, config in settings.SHOT_ENGINES.items():
        if config.get("queue_per_family"):
            assert {engine_queue(name, family=family) for family in FAMILY_NAMES} <= set(queues.names())
        else:
            assert engine_queue(name) in queues.names(), name
    assert settings.CELERY_TASK_DEFAULT_QUEUE == queues.DEFAULT


def test_the_command_line_prints_the_list_and_a_familys_queue():
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "shop_video.queues", *args], cwd=ROOT, capture_output=True, text=True
        )

    assert run().stdout.strip() == ",".join(queues.names())
    assert run("gpu", "wan").stdout.strip() == "gpu.wan"
    unknown = run("gpu", "sdxl")
    assert unknown.returncode == 2 and "unknown GPU model family 'sdxl'" in unknown.stderr


def test_the_makefile_takes_the_list_from_the_module():
    makefile = (ROOT / "Makefile").read_text()
    assert "WORKER_QUEUES = $(shell $(BIN)/python -m shop_video.queues)" in makefile
    assert "--queues $(WORKER_QUEUES)" in makefile


def test_gpu_workers_sh_takes_each_familys_queue_from_the_module(tmp_path):
    env = {**os.environ, "CELERY": "echo", "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", "deploy/gpu-workers.sh", "ltx:0", "ltx2:1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(re.findall(r"--queues (\S+)", done.stdout)) == ["gpu.ltx", "gpu.ltx2"]
    refused = subprocess.run(
        ["bash", "deploy/gpu-workers.sh", "ltx:0", "sdxl:1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and refused.stdout == "" and "unknown GPU model family 'sdxl'" in refused.stderr


def _queues_named_in(text: str) -> list[set[str]]:
    """Every worker command line's queues: `--queues a,b` and the Dockerfile's `"--queues", "a,b"`."""
    found = re.findall(r'--queues"?,? "?([\w.,<>-]+)', text)
    return [set(group.split(",")) for group in found]


def test_static_deploy_files_name_only_known_queues_and_leave_none_without_a_worker():
    """docker-compose.yml and the Dockerfiles cannot run Python to read the list: they are checked against it."""
    compose = _queues_named_in((ROOT / "deploy/docker-compose.yml").read_text())
    dockerfile_gpu = _queues_named_in((ROOT / "deploy/Dockerfile.gpu").read_text())
    assert compose and dockerfile_gpu
    for group in compose + dockerfile_gpu:
        assert group <= set(queues.names()), group
    # Every queue that is not a GPU family's has a worker in the stack; GPU queues are per deployment.
    assert set(queues.names()) - GPU <= set().union(*compose)
    assert dockerfile_gpu == [{queues.gpu_queue("ltx")}]


def test_the_docs_name_only_known_queues():
    for path in [ROOT / "deploy/README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for group in _queues_named_in(path.read_text()):
            assert group - {"gpu.<family>"} <= set(queues.names()), (path.name, group)
