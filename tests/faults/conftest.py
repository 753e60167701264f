"""Fixtures of the fault tests: private services a test may break, the worker's settings, the tiny shop."""

import contextlib
import os

import pytest

from tests.faults import jobs
from tests.faults.services import PrivatePostgres, PrivateRabbitMQ, PrivateRedis, ServiceMissing


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the fault tests, but {reason}; .ci/run installs what they need")
    pytest.skip(reason)


@pytest.fixture
def configured_broker():
    """Tests that run on the suite's own broker (not a private one) need it up, as the e2e tests do."""
    from tests.e2e.conftest import _broker_reachable

    if problem := _broker_reachable():
        _missing(f"the configured broker is not reachable ({problem})")


@pytest.fixture
def fault_settings(settings):
    """The test process reaps with a short lease; the worker may claim a shot many times (every kill is one)."""
    settings.SHOT_LEASE_SECONDS = jobs.LEASE_SECONDS
    settings.SHOT_MAX_ATTEMPTS = int(jobs.WORKER_ENV["SHOT_MAX_ATTEMPTS"])
    return settings


@pytest.fixture
def tiny_shop(transactional_db, fault_settings):
    return jobs.tiny_shop()


def _service(factory, tmp_path_factory, name, *, prepare=()):
    """Start a private instance (after `prepare`, e.g. initdb), yield it, and always stop it."""
    try:
        service = factory(tmp_path_factory.mktemp(name))
    except ServiceMissing as exc:
        _missing(str(exc))
    try:
        for step in (*prepare, "start"):
            getattr(service, step)()
        yield service
    finally:
        service.stop()


@pytest.fixture
def private_redis(tmp_path_factory):
    yield from _service(PrivateRedis, tmp_path_factory, "redis")


@pytest.fixture
def private_rabbitmq(tmp_path_factory):
    yield from _service(PrivateRabbitMQ, tmp_path_factory, "rabbitmq")


@pytest.fixture
def private_postgres(tmp_path_factory):
    yield from _service(PrivatePostgres, tmp_path_factory, "postgres", prepare=("init",))


@contextlib.contextmanager
def broker_switched(url: str):
    """This process's Celery app sends to `url` (the reaper, job creation), as the worker it talks to does."""
    from shop_video.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options

    def pools_reset():
        with contextlib.suppress(Exception):
            app.pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    pools_reset()
    app.conf.broker_url, app.conf.broker_transport_options = url, {}
    try:
        yield
    finally:
        pools_reset()
        app.conf.broker_url, app.conf.broker_transport_options = saved
