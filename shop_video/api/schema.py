"""What drf-spectacular needs to describe the API as it is: the `Api-Key` scheme and the one error body."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "shop_video.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix>.<secret>`, from manage.py create_api_key or the dashboard.",
        }


# The one error body (shop_video/api/exceptions.py), for views' extend_schema(responses=...).
ApiErrorSerializer = inline_serializer(
    "ApiError",
    {
        "error": inline_serializer(
            "ApiErrorBody",
            {
                "type": serializers.CharField(help_text="validation_error, not_found, conflict, rate_limited, ..."),
                "message": serializers.CharField(help_text="What went wrong and what to change."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    required=False,
                    help_text="Per-field messages when the request was invalid.",
                ),
            },
        )
    },
)
ERROR_DESCRIPTIONS = {
    400: "The request is invalid; the message says what to change.",
    401: "No credentials, or a key that is not valid.",
    404: "No such object for this merchant.",
    409: "Conflict: a request with this Idempotency-Key is still running, or the object's state forbids this.",
    413: "The body is larger than the limit the message names.",
    415: "The body's content type is not one this operation takes.",
    422: "The Idempotency-Key was already used with a different request.",
}


def api_error_responses(*codes: int, **described: str) -> dict:
    """extend_schema responses for these status codes in the one error shape; `e404="..."` words one code."""
    return {
        code: OpenApiResponse(ApiErrorSerializer, description=described.get(f"e{code}", ERROR_DESCRIPTIONS[code]))
        for code in codes
    }


# Fallback for operations whose views do not name their errors: the error_responses_hook below adds them.
API_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string", "description": "validation_error, not_found, rate_limited, ..."},
                "message": {"type": "string", "description": "What went wrong and what to change."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "Per-field messages when the request was invalid.",
                },
            },
        }
    },
}


def error_responses_hook(result, generator, request, public):
    """Every operation documents the errors every operation can give, in the one error shape: 401, 403 (a
    member's role) and 429 always, 400 when it takes query parameters or a body, 404 when it has path parameters, 413 and 415 with a body."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("ApiError", API_ERROR)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            where = {parameter.get("in") for parameter in operation.get("parameters", [])}
            needed = {
                "401": "No credentials, or a key that is not valid.",
                "403": "Signed in, but the member's role does not allow this (an API key may do "
                "everything for its merchant); the message names the role to ask for.",
                "429": "Too many requests for this key; wait Retry-After seconds.",
            }
            if where & {"query", "header"} or "requestBody" in operation:
                needed["400"] = "The request is invalid; the message says what to change."
            if "path" in where:
                needed["404"] = "No such object for this merchant."
            if "requestBody" in operation:
                needed["413"] = "The body is larger than the limit the message names."
                needed["415"] = "The body's content type is not one this operation takes."
            for code, description in needed.items():
                operation["responses"].setdefault(code, {"description": description, "content": error})
    return result
