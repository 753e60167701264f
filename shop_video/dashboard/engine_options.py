"""Which shot engines the render form offers: only those that can run on this install, each named in plain words;
the others are explained instead of offered (an engine whose model is not installed could only fail)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from generation.models import JobStatus, Shot

# A model-backed engine counts as installed when this process is configured with its model, or when a worker
# (which may be another host with its own settings) made one of its shots recently.
RECENT_SUCCESS = timedelta(days=7)

_NAMES = {
    "motion": "Motion: camera moves over your product photos",
    "dit": "AI video: a video model animates your photos",
    "presenter-cpu": "Presenter: a talking presenter, animated on this server",
    "presenter": "Presenter (AI video model)",
}
# Engines that need a model's weights: the setting that names them.
_MODEL_SETTINGS = {"dit": "DIT_MODELS", "presenter": "PRESENTER_DIT_MODEL"}


def _installed(name: str) -> bool:
    setting = _MODEL_SETTINGS.get(name)
    if setting is None or getattr(settings, setting, None):
        return True
    return Shot.objects.filter(
        engine=name, status=JobStatus.SUCCEEDED, finished_at__gte=timezone.now() - RECENT_SUCCESS
    ).exists()


def engine_options() -> tuple[list[tuple[str, str]], list[str]]:
    """(choices for the form, sentences about the engines left out)."""
    choices, unavailable = [], []
    for name in sorted(settings.SHOT_ENGINES, key=lambda n: (n != settings.DEFAULT_SHOT_ENGINE, n)):
        label = _NAMES.get(name, name)
        if _installed(name):
            choices.append((name, label))
        else:
            unavailable.append(f"{label.split(':')[0]} is not available: its model is not installed on this server.")
    return choices, unavailable
