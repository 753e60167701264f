"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import celeryd_init, worker_process_init

from shop_video import embedded_broker
from shop_video.ops import worker as ops_worker  # first: a worker's metrics mode is set before Django loads

embedded_broker.register()  # filesystem:// means the safe embedded transport, in every process that loads the app
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")

app = Celery("shop_video")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
ops_worker.install(app)  # log context, metrics, liveness heartbeat, graceful shutdown (docs/operations.md)


@app.on_after_configure.connect
def _make_local_folders(sender, **kwargs):
    # Neither the filesystem transport nor beat creates its folders; on a fresh machine they do not exist.
    folders = [Path(sender.conf.beat_schedule_filename).parent]
    if str(sender.conf.broker_url).startswith("filesystem://"):
        options = sender.conf.broker_transport_options or {}
        folders += [
            Path(options[key])
            for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder", "quarantine_folder")
            if options.get(key)
        ]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)


# How long a new pool child may take to report that it is up when it preloads DiT weights. Celery's prefork pool
# SIGKILLs a replacement child that has not sent its WORKER_UP message within worker_proc_alive_timeout (4 s by
# default, celery/concurrency/asynpool.py verify_process_alive), and worker_process_init (the preload below) runs
# before that message: a 14B model takes minutes to read, so every replacement child would be killed forever.
PRELOAD_PROC_ALIVE_TIMEOUT = 1800.0


@celeryd_init.connect
def _preload_alive_timeout(sender=None, conf=None, **kwargs):
    # In the worker's main process, before the pool is created (prefork reads the timeout when it starts).
    from django.conf import settings

    if settings.DIT_PRELOAD and conf is not None:
        conf.worker_proc_alive_timeout = max(float(conf.worker_proc_alive_timeout or 0), PRELOAD_PROC_ALIVE_TIMEOUT)


@worker_process_init.connect
def _dit_preload(**kwargs):
    # In each pool process after the fork, never in the parent: CUDA cannot survive a fork, and a parent that
    # held the weights would copy them into every child.
    from django.conf import settings

    if settings.DIT_PRELOAD:
        from generation.engines.dit.loading import models_preload

        models_preload(settings.DIT_PRELOAD)
