"""A worker that assembles (it consumes the render queue) signs every file it publishes, so it refuses to start
without a usable signing certificate: better than failing every job later. Connected in generation/apps.py."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured

from generation.provenance.certificates import signing_files_check
from shop_video import queues

logger = logging.getLogger(__name__)


def _consumes_render_queue(options: dict | None) -> bool:
    requested = (options or {}).get("queues")
    if not requested:
        return True  # no --queues: the worker takes every queue
    if isinstance(requested, str):
        requested = requested.split(",")
    return queues.RENDER in {name.strip() for name in requested}


def worker_signing_check(sender=None, conf=None, options=None, **kwargs) -> None:
    """celeryd_init receiver. Celery logs and swallows an Exception from a receiver; SystemExit stops the worker."""
    if not _consumes_render_queue(options):
        return
    try:
        signing_files_check()
    except ImproperlyConfigured as exc:
        logger.critical("worker not started: %s", exc)
        raise SystemExit(f"worker not started: {exc}") from None
