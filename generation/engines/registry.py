"""Engines by name, chosen by settings.SHOT_ENGINES and loaded once per process.

Importing this module loads no engine: the DiT engine pulls in torch, which the web process must never do.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from generation.engines.base import Engine, EngineError
from shop_video import queues


def engine_names() -> list[str]:
    return sorted(settings.SHOT_ENGINES)


def engine_queue(name: str, *, family: str | None = None) -> str:
    """The Celery queue for a shot: engines with queue_per_family send each model family to its own
    (queues.gpu_queue: gpu.ltx, gpu.wan, ...) so a GPU worker only takes shots for the model it holds."""
    config = _engine_config(name)
    if config.get("queue_per_family"):
        return queues.gpu_queue(family or settings.DIT_DEFAULT_FAMILY)
    return config["queue"]


def engine_uses_families(name: str) -> bool:
    return bool(_engine_config(name).get("queue_per_family", False))


def engine_shots_per_aspect_ratio(name: str) -> bool:
    """Cheap engines render each aspect ratio's own shots; costly ones render once and are reframed."""
    return bool(_engine_config(name).get("shots_per_aspect_ratio", False))


@functools.cache
def engine_get(name: str) -> Engine:
    return import_string(_engine_config(name)["class"])()


def _engine_config(name: str) -> dict:
    try:
        return settings.SHOT_ENGINES[name]
    except KeyError:
        raise EngineError(f"Unknown engine {name!r}; use one of {', '.join(engine_names())}.") from None
