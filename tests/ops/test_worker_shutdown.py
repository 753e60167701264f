"""Graceful shutdown through real workers: SIGTERM (what Kubernetes sends the worker's main process) mid-shot.
A shot that would not finish within WORKER_SHUTDOWN_GRACE_SECONDS is handed back and a second worker renders it;
a shot that will finish is finished. Either way the render succeeds, and nothing is left to the reaper."""

from __future__ import annotations

import json
import signal
import time

import pytest

from generation.models import JobStatus, RenderJob
from generation.services.render_jobs import render_job_create
from tests.e2e.worker import celery_worker, queues_purge, wait_for
from tests.media_probe import probe_video
from tests.ops.workers import ops_env, worker_metrics

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_log(tmp_path):
    queues_purge()
    return tmp_path / "worker.log"


@pytest.fixture
def slow_engine(settings):
    from generation.engines import registry

    settings.SHOT_ENGINES = {**settings.SHOT_ENGINES, "slow": {"class": "tests.ops.engines.SlowEngine", "queue": "cpu"}}
    registry.engine_get.cache_clear()
    yield
    registry.engine_get.cache_clear()


def _finished(job_id):
    job = RenderJob.objects.get(pk=job_id)
    return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED) else None


def _sigterm_mid_shot(worker, job, worker_log) -> float:
    """SIGTERM to the worker's main process once its shot is running; the seconds it took to exit."""
    wait_for(
        lambda: job.shots.filter(status=JobStatus.RUNNING, progress__gt=0).exists(),
        timeout=60,
        what="the shot to make progress",
        log_path=worker_log,
    )
    sent = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    return time.monotonic() - sent


@pytest.mark.e2e  # the hand-back goes through the broker: rerun on each
def test_sigterm_hands_a_long_shot_back_within_the_grace_and_another_worker_renders_it(
    merchant, product_with_photos, builtin_templates, worker_log, slow_engine, tmp_path
):
    first_env = ops_env(
        tmp_path, "first", SHOT_ENGINE_PLUGINS="slow=tests.ops.engines.SlowEngine@cpu", SLOW_SHOT_SECONDS="120"
    )
    first_env["WORKER_SHUTDOWN_GRACE_SECONDS"] = "3"
    # The second worker maps the slow engine's name to the real motion engine
    second_env = ops_env(tmp_path, "second", SHOT_ENGINE_PLUGINS="slow=generation.engines.motion.MotionEngine@cpu")
    second_log = worker_log.with_name("second.log")
    with celery_worker(worker_log, env=first_env) as first:
        job = render_job_create(
            merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64, engine="slow"
        )
        wait_for(
            lambda: job.shots.filter(status=JobStatus.RUNNING, progress__gt=0).exists(),
            timeout=60,
            what="the shot to make progress",
            log_path=worker_log,
        )
        sent = time.monotonic()
        first.send_signal(signal.SIGTERM)  # to the main process only, as Kubernetes does
        with celery_worker(second_log, env=second_env):  # starts while the first one stops
            first.wait(timeout=60)
            exit_seconds = time.monotonic() - sent
            job = wait_for(lambda: _finished(job.pk), timeout=120, what="the render", log_path=second_log)
            samples = worker_metrics(second_env)
    first_log = worker_log.read_text()
    assert exit_seconds < 3 + 5, first_log[-3000:]
    assert "handed back" in first_log
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.shots.get().attempts == 1  # the handed-back attempt is not counted; the reaper was not needed
    probe = probe_video(job.renditions.get().file.path)
    assert probe.video_codec == "h264" and abs(probe.duration - 6.0) <= 0.1

    # The second worker's own metrics moved: counted in its pool child, served by its main process
    assert samples['shop_video_renders_total{outcome="succeeded"}'] == 1
    assert samples['shop_video_shot_seconds_count{engine="slow",family="none"}'] == 1
    assert samples["shop_video_worker_last_task_timestamp_seconds{}"] > time.time() - 300
    # Its log is JSON, and the shot's lines carry the job and the merchant
    lines = [json.loads(line) for line in second_log.read_text().splitlines() if line.startswith("{")]
    in_tasks = [line for line in lines if line.get("task") == "generation.tasks.shot_render"]
    assert in_tasks and all(line["job_id"] == job.pk and line["merchant"] == "acme" for line in in_tasks)


# Not e2e: finishing involves no broker behaviour the reruns would vary (it runs once, in the main run)
def test_sigterm_lets_a_shot_that_will_finish_in_time_finish(
    merchant, product_with_photos, builtin_templates, worker_log, slow_engine, tmp_path
):
    env = ops_env(tmp_path, "first", SHOT_ENGINE_PLUGINS="slow=tests.ops.engines.SlowEngine@cpu", SLOW_SHOT_SECONDS="3")
    env["WORKER_SHUTDOWN_GRACE_SECONDS"] = "60"
    with celery_worker(worker_log, env=env) as worker:
        job = render_job_create(
            merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64, engine="slow"
        )
        exit_seconds = _sigterm_mid_shot(worker, job, worker_log)
    shot = job.shots.get()
    assert (shot.status, shot.attempts) == (JobStatus.SUCCEEDED, 1), worker_log.read_text()[-3000:]
    assert exit_seconds < 30  # it finished its shot and left, without waiting out the grace
    job.refresh_from_db()
    # The assembly was sent; it waits for a worker, or (the filesystem broker delivers it before the SIGTERM is
    # seen) this one ran it before leaving: either way nothing is left behind.
    assert job.assembly_queued_at is not None and job.status in (JobStatus.RUNNING, JobStatus.SUCCEEDED)
