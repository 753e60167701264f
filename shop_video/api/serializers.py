"""What every API serializer and view shares, written once:

- `StrictSerializer`: a request body with a field the serializer does not take is refused (400), in one shape:
  {"fields": {"<name>": ["<name> is not a <noun> field; send any of <the accepted ones>."]}}. A typo must not
  be silently ignored ("titel" would otherwise leave the title unchanged and answer 200).
- `FileUrlField` / `file_url`: a stored file as an absolute URL (null when there is none).
- `IdsInRange` / `id_path_parameter`: integer ids in the path beyond the database's bigint are 404s like any
  unknown id, not an overflow.
- `BoundedIntegerField` / `BoundedFloatField` / `BoundedDecimalField`: every number a request can set has a
  range, and every refusal (too big, too small, negative, NaN, Infinity, 1e400, a 5,000-digit string, not a
  number at all) names it. `model_field_bounds` reads the range from a model field, so the database never sees
  a number it cannot store. tests/security/test_input_bounds.py fails on a writable numeric field without one.

The one rule for responses: payloads are built by services (a dict, the same for the API and webhooks);
serializers describe them for the schema, or describe a model's fields directly.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

MAX_ID = 2**63 - 1  # the database's bigint: a larger id cannot exist, and would overflow the query


# Comments, not docstrings, on these two classes: drf-spectacular shows an inherited docstring as the
# description of every serializer and view that has none of its own.


class StrictSerializer(serializers.Serializer):
    # Refuses fields it does not take, naming each one and the accepted fields. Subclasses set `noun`
    # ("brand kit", "presenter") for the message.
    noun = "request"

    def accepted_fields(self) -> list[str]:
        return [name for name, field in self.fields.items() if not field.read_only]

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if hasattr(data, "keys") else []
        if unknown:
            accepted = ", ".join(self.accepted_fields())
            raise serializers.ValidationError(
                {name: [f"{name} is not a {self.noun} field; send any of {accepted}."] for name in unknown}
            )
        return super().to_internal_value(data)


def file_url(file, *, request=None) -> str | None:
    """A stored file's URL, absolute when there is a request; None when there is no file."""
    if not file:
        return None
    return request.build_absolute_uri(file.url) if request is not None else file.url


@extend_schema_field({"type": "string", "nullable": True})
class FileUrlField(serializers.Field):
    """A file field of the model, shown as the file's absolute URL (the request comes from the context)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, file) -> str | None:
        return file_url(file, request=self.context.get("request"))


def id_path_parameter(name: str, description: str = "") -> OpenApiParameter:
    """An integer id in the path, documented with the range IdsInRange lets through."""
    return OpenApiParameter(
        name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH, description=description
    )


class IdsInRange:
    # View mixin: integer path parameters outside 1..MAX_ID answer 404 like any other unknown id.
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if any(isinstance(value, int) and not 1 <= value <= MAX_ID for value in kwargs.values()):
            raise NotFound("Not found: no such object for this merchant. Check the id.")


# --- Bounded numbers ------------------------------------------------------------------------------------------

_RANGE_ERROR_KEYS = ("invalid", "max_value", "min_value", "max_string_length", "overflow", "max_digits")


def _range_errors(kind: str, low, high, given: dict | None) -> dict:
    message = f"Must be {kind} from {low} to {high}."
    return {**dict.fromkeys(_RANGE_ERROR_KEYS, message), "max_whole_digits": message, **(given or {})}


def model_field_bounds(field: models.Field) -> tuple[int | Decimal, int | Decimal]:
    """The smallest and largest value a model's integer or decimal field stores, the same on SQLite (which
    enforces neither) and PostgreSQL: the integer ranges Django documents, or max_digits/decimal_places."""
    if isinstance(field, models.DecimalField):
        largest = Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places
        return -largest, largest
    low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
    return low, high


class BoundedIntegerField(serializers.IntegerField):
    # An integer in [min_value, max_value] (both required); any refusal names the range.
    def __init__(self, *, min_value: int, max_value: int, **kwargs):
        errors = _range_errors("a whole number", min_value, max_value, kwargs.pop("error_messages", None))
        super().__init__(min_value=min_value, max_value=max_value, error_messages=errors, **kwargs)


class BoundedFloatField(serializers.FloatField):
    # A finite number in [min_value, max_value] (both required); any refusal names the range.
    def __init__(self, *, min_value: float, max_value: float, **kwargs):
        errors = _range_errors("a number", min_value, max_value, kwargs.pop("error_messages", None))
        super().__init__(min_value=min_value, max_value=max_value, error_messages=errors, **kwargs)


class BoundedDecimalField(serializers.DecimalField):
    # An exact amount within a model DecimalField's digits (or a narrower range); any refusal names the range.
    def __init__(self, *, max_digits: int, decimal_places: int, min_value=None, max_value=None, **kwargs):
        largest = Decimal(10) ** (max_digits - decimal_places) - Decimal(10) ** -decimal_places
        low = -largest if min_value is None else Decimal(min_value)
        high = largest if max_value is None else Decimal(max_value)
        errors = _range_errors("an amount", low, high, kwargs.pop("error_messages", None))
        errors.setdefault(
            "max_decimal_places", f"Must have at most {decimal_places} digits after the point (from {low} to {high})."
        )
        super().__init__(
            max_digits=max_digits,
            decimal_places=decimal_places,
            min_value=low,
            max_value=high,
            error_messages=errors,
            **kwargs,
        )

    @classmethod
    def for_model_field(cls, field: models.DecimalField, **kwargs) -> BoundedDecimalField:
        return cls(max_digits=field.max_digits, decimal_places=field.decimal_places, **kwargs)
