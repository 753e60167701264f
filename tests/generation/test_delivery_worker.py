"""A real Celery worker with a delivery pool: its pool starts inside the prefork child, takes each shot's delivery
while the worker takes the next shot, and a SIGTERM to the worker's whole process group drains the pool: every
handed-over shot is stored and marked before the worker exits."""

import os
import signal
import time

import pytest

from generation.engines import registry
from generation.models import JobStatus, Shot
from generation.services.render_jobs import render_job_create
from shop_video.media import private_storage
from tests.e2e.worker import celery_worker, queues_purge, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PLUGIN = "slow-planned=tests.generation.delivery_jobs.SlowPlannedEngine@cpu"


@pytest.fixture
def slow_planned_engine(settings):
    settings.SHOT_ENGINES = {
        **settings.SHOT_ENGINES,
        "slow-planned": {"class": "tests.generation.delivery_jobs.SlowPlannedEngine", "queue": "cpu"},
    }
    registry.engine_get.cache_clear()
    yield
    registry.engine_get.cache_clear()


def test_sigterm_drains_the_workers_delivery_pool_before_it_exits(
    merchant, product_with_photos, builtin_templates, slow_planned_engine, tmp_path
):
    queues_purge()
    log = tmp_path / "worker.log"
    env = {"SHOT_ENGINE_PLUGINS": PLUGIN, "SHOT_DELIVERY_WORKERS": "1", "SHOT_DELIVERY_DEVICE": "cpu"}
    with celery_worker(log, env=env) as worker:
        job = render_job_create(
            merchant=merchant, template_slug="product-showcase", sku="MUG-1", aspect_ratios=["1:1"], short_side=64,
            engine="slow-planned",
        )  # fmt: skip
        shots = Shot.objects.filter(job=job)
        # Every shot claimed: the worker has handed them over (or waits at the pool's bound with the last one).
        wait_for(lambda: not shots.filter(status=JobStatus.QUEUED).exists(), timeout=120, what="claims", log_path=log)
        assert shots.filter(status=JobStatus.RUNNING).exists()  # 2 s deliveries: not all finished yet
        os.killpg(worker.pid, signal.SIGTERM)  # the whole group, pool processes included, as a supervisor may
        started = time.monotonic()
        worker.wait(timeout=90)
    assert worker.returncode == 0, log.read_text()[-3000:]
    assert "finishing" in log.read_text() and "handed-over shot(s) first" in log.read_text()
    for shot in shots:
        assert shot.status == JobStatus.SUCCEEDED, shot.error
        assert private_storage.exists(shot.file.name) and shot.metadata["delivery_encoder"] == "libx264"
    assert time.monotonic() - started < 60
