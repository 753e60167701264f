"""Fixtures of the fault tests: private services a test may break, the worker's settings, the tiny shop."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

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


def _service(factory, name, *, prepare=()):
    """Start a private instance (after `prepare`, e.g. initdb), yield it, and always stop it. Its folder is made
    under /tmp, not pytest's private one: PostgreSQL and RabbitMQ run as their own users and must reach it."""
    folder = Path(tempfile.mkdtemp(prefix=f"faults-{name}-"))
    try:
        service = factory(folder)
    except ServiceMissing as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _missing(str(exc))
    try:
        for step in (*prepare, "start"):
            getattr(service, step)()
        yield service
    finally:
        service.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_redis():
    yield from _service(PrivateRedis, "redis")


@pytest.fixture
def private_rabbitmq():
    yield from _service(PrivateRabbitMQ, "rabbitmq")


@pytest.fixture
def private_postgres():
    yield from _service(PrivatePostgres, "postgres", prepare=("init",))


@contextlib.contextmanager
def broker_switched(url: str):
    """This process's Celery app sends to `url` (the reaper, job creation), as the worker it talks to does.
    Celery prefers the CELERY_BROKER_URL environment variable (CI sets it) to its configuration, so both change.
    The suite's own pool is left open for afterwards (kombu keeps pools per broker, process-wide); the private
    broker's is closed on the way out."""
    from shop_video.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options, os.environ.get("CELERY_BROKER_URL")

    def pools_forget():
        app._pool = None
        app.amqp._producer_pool = None

    pools_forget()
    app.conf.broker_url, app.conf.broker_transport_options = url, {}
    os.environ["CELERY_BROKER_URL"] = url
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            app.pool.force_close_all()
        pools_forget()
        app.conf.broker_url, app.conf.broker_transport_options = saved[:2]
        if saved[2] is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved[2]


@contextlib.contextmanager
def database_switched(url: str):
    """This process's default database is `url`, migrated first; the worker follows it (tests/e2e/worker.py reads
    the test database's address from this connection). The suite's own test database is put back afterwards."""
    import dj_database_url
    from django.core.management import call_command
    from django.db import connections
    from django.db.utils import load_backend

    saved = connections["default"]
    settings_dict = {**saved.settings_dict, **dj_database_url.parse(url), "OPTIONS": {}}
    switched = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    connections["default"] = switched
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        switched.close()
        connections["default"] = saved
