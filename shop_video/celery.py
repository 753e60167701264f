"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")

app = Celery("shop_video")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_local_folders(sender, **kwargs):
    # Neither the filesystem transport nor beat creates its folders; on a fresh machine they do not exist.
    folders = [Path(sender.conf.beat_schedule_filename).parent]
    if str(sender.conf.broker_url).startswith("filesystem://"):
        options = sender.conf.broker_transport_options or {}
        folders += [Path(options[key]) for key in ("data_folder_in", "data_folder_out", "control_folder",
                                                   "processed_folder") if options.get(key)]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)


@worker_process_init.connect
def _dit_preload(**kwargs):
    # In each pool process after the fork, never in the parent: CUDA cannot survive a fork, and a parent that
    # held the weights would copy them into every child.
    from django.conf import settings

    if settings.DIT_PRELOAD:
        from generation.engines.dit.loading import models_preload

        models_preload(settings.DIT_PRELOAD)
