"""Request body parsers for every API view (settings.REST_FRAMEWORK's defaults, and the views that name theirs):
DRF's, with limits that answer in the API's one error shape and name the limit.

- A JSON body larger than DATA_UPLOAD_MAX_MEMORY_SIZE: 413, read no further than one byte past the limit.
- JSON nested deeper than MAX_JSON_DEPTH levels: 400 (deeper than Python's recursion limit would otherwise be a
  RecursionError, a 500; nothing we take nests more than a few levels).
- NaN, Infinity, a number that overflows a float (1e400) and an integer beyond a bigint: 400. The database
  could store none of them (PostgreSQL's jsonb refuses NaN; bigint columns overflow).

`json_loads_bounded` is the same reading for JSON typed into a dashboard form.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

MAX_JSON_DEPTH = 32
MAX_JSON_INTEGER = 2**63 - 1  # a bigint; no field takes more


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def body_too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return (
        f"The request body is larger than the limit of {limit:,} bytes; send less, or upload large content "
        "as a file (multipart)."
    )


def _bounded_int(text: str) -> int:
    # Checked on the digits, before int() would spend time on (or refuse) a huge digit string.
    digits = text.lstrip("-")
    if len(digits) > len(str(MAX_JSON_INTEGER)) or abs(int(text)) > MAX_JSON_INTEGER:
        shown = text if len(text) <= 30 else f"{text[:12]}...({len(digits)} digits)"
        raise ValueError(f"the number {shown} is out of range; integers must be within ±{MAX_JSON_INTEGER}")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 30 else f"{text[:12]}..."
        raise ValueError(f"the number {shown} is out of range; numbers must be finite (at most about 1.8e308)")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows; send a finite number")


def _nesting_exceeds(value, limit: int) -> bool:
    """Whether lists and objects nest deeper than `limit` (the top level is 1). Iterative: no recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def json_loads_bounded(text: str | bytes):
    """json.loads with the API's limits; ValueError with a message that names the limit."""
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError(f"the JSON is nested deeper than the limit of {MAX_JSON_DEPTH} levels") from None
    if isinstance(value, (dict, list)) and _nesting_exceeds(value, MAX_JSON_DEPTH):
        raise ValueError(f"the JSON is nested deeper than the limit of {MAX_JSON_DEPTH} levels")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the limits above."""

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(body_too_large_message())
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            return json_loads_bounded(raw.decode(encoding))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}.") from None
