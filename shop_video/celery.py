"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")

app = Celery("shop_video")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_embedded_broker_folders(sender, **kwargs):
    # The filesystem transport does not create its folders; the web process and the worker both need them.
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        folder = (sender.conf.broker_transport_options or {}).get(key)
        if folder and str(sender.conf.broker_url).startswith("filesystem://"):
            Path(folder).mkdir(parents=True, exist_ok=True)
