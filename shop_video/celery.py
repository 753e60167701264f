"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery

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
