"""Engines by name, chosen by settings.SHOT_ENGINES and loaded once per process.

Importing this module loads no engine: the DiT engine pulls in torch, which the web process must never do.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from generation.engines.base import Engine, EngineError


def engine_names() -> list[str]:
    return sorted(settings.SHOT_ENGINES)


def engine_queue(name: str) -> str:
    return _engine_config(name)["queue"]


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
