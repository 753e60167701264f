"""Template filters of the campaign pages: a duration and a moment in words, a dry run's reason kinds named."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()

SKIP_KINDS = {
    "no_photo": "No ready photo",
    "no_variant": "No variant (SKU and price)",
    "text_does_not_fit": "Text does not fit the template",
    "prompt_too_long": "Prompt too long for the model",
    "refused": "Cannot be rendered",
}


@register.filter
def seconds_in_words(seconds) -> str:
    """90 -> "1 min 30 s", 7500 -> "2 h 5 min", 200000 -> "2 d 7 h"."""
    try:
        total = max(0, round(float(seconds)))
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@register.filter
def as_datetime(value) -> datetime | None:
    """An ISO 8601 text (the estimate's finishes_at) as a datetime for the date filter."""
    if isinstance(value, datetime):
        return value
    return parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None


@register.filter
def skip_kind(kind: str) -> str:
    return SKIP_KINDS.get(kind, kind.replace("_", " ").capitalize())
