"""Start-up checks and per-task housekeeping for media storage, connected in generation/apps.py.

A process that cannot use its bucket stops at start with a message naming the variable to fix
(shop_video.object_storage.object_storage_check): the web app through a system check (runserver, migrate, check)
and wsgi/asgi (gunicorn), a worker through celeryd_init. After each task a worker lets go of the scratch copies
it used (shop_video/scratch.py), so they may be evicted; so does the web app after each request.
"""

from __future__ import annotations

import logging

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


def storage_system_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from shop_video.object_storage import object_storage_check

    try:
        object_storage_check()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="shop_video.E201")]
    return []


def worker_storage_check(sender=None, conf=None, options=None, **kwargs) -> None:
    """celeryd_init receiver: SystemExit stops the worker (Celery swallows other exceptions of a receiver)."""
    from shop_video.object_storage import object_storage_check
    from shop_video.scratch import scratch_stale_partials_remove

    try:
        object_storage_check()
    except ImproperlyConfigured as exc:
        logger.critical("worker not started: %s", exc)
        raise SystemExit(f"worker not started: {exc}") from None
    scratch_stale_partials_remove()


def scratch_release_after_task(**kwargs) -> None:
    from shop_video.scratch import scratch_release

    scratch_release()


def storage_checks_connect() -> None:
    from celery.signals import celeryd_init, task_postrun
    from django.core.signals import request_finished

    checks.register(storage_system_check)
    celeryd_init.connect(worker_storage_check, weak=False)
    task_postrun.connect(scratch_release_after_task, weak=False)
    # The web app reads a few files too (fonts and photos for the cards check when a job is created).
    request_finished.connect(scratch_release_after_task, weak=False)
