"""What every API serializer and view shares, written once:

- `StrictSerializer`: a request body with a field the serializer does not take is refused (400), in one shape:
  {"fields": {"<name>": ["<name> is not a <noun> field; send any of <the accepted ones>."]}}. A typo must not
  be silently ignored ("titel" would otherwise leave the title unchanged and answer 200).
- `FileUrlField` / `file_url`: a stored file as an absolute URL (null when there is none).
- `IdsInRange` / `id_path_parameter`: integer ids in the path beyond the database's bigint are 404s like any
  unknown id, not an overflow.

The one rule for responses: payloads are built by services (a dict, the same for the API and webhooks);
serializers describe them for the schema, or describe a model's fields directly.
"""

from __future__ import annotations

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
