"""Teaches drf-spectacular our authentication: `Authorization: Api-Key <key>`."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "shop_video.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <prefix>.<secret>`, from manage.py create_api_key or the dashboard."}


API_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["type", "message"],
        "properties": {
            "type": {"type": "string", "description": "validation_error, not_found, rate_limited, ..."},
            "message": {"type": "string", "description": "What went wrong and what to change."},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": "Per-field messages when the request was invalid."},
        },
    }},
}


def error_responses_hook(result, generator, request, public):
    """Every operation documents the errors every operation can give, in the one error shape: 401 and 429
    always, 400 when it takes query parameters or a body, 404 when it has path parameters, 415 with a body."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("ApiError", API_ERROR)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            where = {parameter.get("in") for parameter in operation.get("parameters", [])}
            needed = {"401": "No credentials, or a key that is not valid.",
                      "429": "Too many requests for this key; wait Retry-After seconds."}
            if where & {"query", "header"} or "requestBody" in operation:
                needed["400"] = "The request is invalid; the message says what to change."
            if "path" in where:
                needed["404"] = "No such object for this merchant."
            if "requestBody" in operation:
                needed["415"] = "The body's content type is not one this operation takes."
            for code, description in needed.items():
                operation["responses"].setdefault(code, {"description": description, "content": error})
    return result
