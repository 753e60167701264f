"""Logging for every process: the stdlib loggers (ours, Django's, Celery's) rendered by structlog, as JSON
(LOG_FORMAT=json, deployments: one object per line for the log pipeline) or as readable lines (console, the
default for `make run`). Every line logged while a task or a request is handled carries its context (log_context:
the task, the render job or import, the merchant, the request id), taken from contextvars.

settings.py only calls logging_config(); structlog is imported when Django configures logging."""

from __future__ import annotations

import logging

LOG_FORMATS = ("console", "json")


def logging_config(*, log_format: str, level: str) -> dict:
    if log_format not in LOG_FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT={log_format!r}: use one of {', '.join(LOG_FORMATS)}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "shop_video.ops.log_config.formatter", "log_format": log_format}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
    }


def formatter(*, log_format: str) -> logging.Formatter:
    import structlog

    from shop_video.ops.log_context import add_context

    shared = [
        structlog.contextvars.merge_contextvars,  # the task's job and merchant (log_context.task_bind)
        add_context,  # the request's id and merchant, read when a line is logged
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
    ]
    if log_format == "json":
        shared.append(structlog.processors.TimeStamper(fmt="iso", utc=True))
        renderer = [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    else:
        shared.append(structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False))
        renderer = [structlog.processors.format_exc_info, console_line]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )


def console_line(_logger, _method, event: dict) -> str:
    """The plain line the project always printed ("time LEVEL logger: message"), then the context as key=value,
    then any traceback."""
    event = dict(event)
    line = (
        f"{event.pop('timestamp', '')} {str(event.pop('level', '')).upper()} {event.pop('logger', '')}: "
        f"{event.pop('event', '')}"
    )
    exception = event.pop("exception", None)
    event.pop("stack", None)
    if event:
        line += " " + " ".join(f"{key}={value}" for key, value in event.items())
    return f"{line}\n{exception}" if exception else line
