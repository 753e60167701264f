"""bench/campaign.py's worker: the project's Celery app, with the assembly replaced by a fixed sleep (x264 would
swamp the platform overhead the benchmark measures). Everything else is the real task path."""

import django

from shop_video.celery import app

django.setup()

from bench.campaign import assemble_stub  # noqa: E402  (after setup: it touches the models when called)
from generation import tasks  # noqa: E402

tasks.assemble_service = assemble_stub
__all__ = ["app"]
