"""A worker's -A target for the reaper-gap test: the project's app, plus a receiver that SIGKILLs the whole worker
at the start of its first shot_render (after the message left the broker, before the claim), once: a marker file
(FAULTS_DIE_BEFORE_CLAIM) says it has happened. Imports nothing of Django's models: Celery loads it first."""

import os
import signal
from pathlib import Path

from celery.signals import task_prerun

from shop_video.celery import app  # noqa: F401  (the -A target's `app`)


@task_prerun.connect
def _die_before_the_claim(task=None, **kwargs):
    marker = os.environ.get("FAULTS_DIE_BEFORE_CLAIM")
    if marker and task is not None and task.name == "generation.tasks.shot_render" and not Path(marker).exists():
        Path(marker).touch()
        os.killpg(os.getpgid(0), signal.SIGKILL)
