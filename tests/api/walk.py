"""Walk every operation of the API's drf-spectacular schema (the cross-tenant and role walks share it)."""

from __future__ import annotations

from collections.abc import Iterator

from drf_spectacular.generators import SchemaGenerator


def schema_operations() -> Iterator[tuple[str, str, set[str]]]:
    """(path, method, names of its path parameters) for every operation of the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict):
                yield path, method, {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
