"""The services a render depends on restart in the middle of a batch: nothing is lost and nothing is done twice.

Each test runs its own instance (tests/faults/services.py) on a free port, never the machine's shared one. The
worker and this process (which creates the jobs and runs the reaper, as beat would) both use it.
"""

import contextlib
import time

import pytest

from generation.models import JobStatus, RenderJob
from tests.e2e.worker import celery_worker, queues_purge, wait_for
from tests.faults import jobs
from tests.faults.conftest import broker_switched, database_switched
from tests.faults.jobs import db_retrying, jobs_assert_exactly_once, jobs_drive, jobs_submit, worker_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

BATCH = 50


def _succeeded(job_ids) -> int:
    return RenderJob.objects.filter(pk__in=job_ids, status=JobStatus.SUCCEEDED).count()


def _batch_with_a_restart(shop, restart, *, log_path, broker_url: str | None = None, batch: int = BATCH) -> list[int]:
    """`batch` renders; `restart()` once a fifth of them are done; then every job driven to its end, and one more
    job afterwards to show the worker still serves. On the suite's broker unless `broker_url` names another."""
    env = worker_env(CELERY_BROKER_URL=broker_url) if broker_url else worker_env()
    with broker_switched(broker_url) if broker_url else contextlib.nullcontext(), celery_worker(log_path, env=env):
        if not broker_url:
            queues_purge()
        job_ids = jobs_submit(shop, batch)
        wait_for(lambda: _succeeded(job_ids) >= batch // 5, timeout=120, what="a fifth of the batch", log_path=log_path)
        restart()
        jobs_drive(job_ids, timeout=240, log_path=log_path)
        after = db_retrying(lambda: jobs_submit(shop, 1))
        jobs_drive(after, timeout=60, log_path=log_path)
    return job_ids + after


def test_redis_restarted_mid_batch(tiny_shop, private_redis, tmp_path):
    def restart():
        # Without persistence: every message Redis held (queued shots, the worker's unacked one) is gone.
        private_redis.stop()
        time.sleep(1)
        private_redis.start()

    job_ids = _batch_with_a_restart(tiny_shop, restart, log_path=tmp_path / "worker.log", broker_url=private_redis.url)
    jobs_assert_exactly_once(job_ids)


def test_postgres_restarted_mid_batch(configured_broker, fault_settings, private_postgres, tmp_path):
    """An immediate stop (every connection cut, as in a crash) and a start, while shots and assemblies write. Work
    caught by it stops without failing its job, and the reaper sends it again."""
    private_postgres.create_database("shop_video_faults")
    with database_switched(private_postgres.url("shop_video_faults")):
        shop = jobs.tiny_shop()
        job_ids = _batch_with_a_restart(
            shop, private_postgres.restart, log_path=tmp_path / "worker.log", batch=BATCH // 2
        )
        jobs_assert_exactly_once(job_ids)


def test_rabbitmq_restarted_mid_batch(tiny_shop, private_rabbitmq, tmp_path):
    """The broker stopped and started: durable queues and persistent messages come back; the worker and this
    process reconnect; a message in flight when it stopped is redelivered or found by the reaper."""
    job_ids = _batch_with_a_restart(
        tiny_shop, private_rabbitmq.restart, log_path=tmp_path / "worker.log", broker_url=private_rabbitmq.url
    )
    jobs_assert_exactly_once(job_ids)
