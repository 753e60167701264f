"""One JSON shape for every API error, with a message that says what to change:

{"error": {"type": "validation_error", "message": "...", "fields": {"sku": ["..."]}}}
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from shop_video.api.parsers import PayloadTooLarge, body_too_large_message

_TYPES = {
    400: "validation_error",
    401: "authentication_failed",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
}


NOT_AUTHENTICATED = (
    "No credentials: send 'Authorization: Api-Key <your key>' (manage.py create_api_key makes "
    "one), or sign in to the dashboard."
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry in a moment."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


def upload_limit_error(exc: Exception) -> exceptions.APIException | None:
    """Django refuses an over-large or over-many-part body with a SuspiciousOperation, which would be an HTML
    400; the API answers it in its JSON shape, naming the limit."""
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ValidationError(
            {"files": [f"Send at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files per request; split the upload."]}
        )
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ValidationError(
            f"Send at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} form fields per request."
        )
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(body_too_large_message())
    return None


def api_exception_handler(exc, context):
    exc = upload_limit_error(exc) or exc
    # Services raise Django's errors; the API answers them like DRF's own.
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, (ObjectDoesNotExist, Http404)):
        exc = exceptions.NotFound("Not found: no such object for this merchant. Check the id or SKU.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.NotAuthenticated):
        exc.detail = exceptions.ErrorDetail(NOT_AUTHENTICATED, code="not_authenticated")  # keeps its auth header
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handling (logged) takes over
    response.data = {"error": _error_body(response.status_code, response.data)}
    return response


def _error_body(status_code: int, data) -> dict:
    body = {"type": _TYPES.get(status_code, "error")}
    if isinstance(data, dict) and set(data) == {"detail"}:
        body["message"] = str(data["detail"])
    elif isinstance(data, dict):
        fields = _flatten(data)
        general = fields.pop("non_field_errors", []) + fields.pop("detail", [])
        described = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        body["message"] = " ".join(general + ([described] if described else [])) or "The request is invalid."
        if fields:
            body["fields"] = fields
    elif isinstance(data, list):
        body["message"] = " ".join(str(item) for item in data)
    else:
        body["message"] = str(data)
    return body


def _flatten(value, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors for nested and list fields ({"skus": {1: ["..."]}}): one level, named like skus[1]."""
    if isinstance(value, dict):
        flat: dict[str, list[str]] = {}
        for key, inner in value.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            for inner_name, messages in _flatten(inner, name).items():
                flat.setdefault(inner_name, []).extend(messages)
        return flat
    if isinstance(value, list):
        flat = {}
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)):
                for inner_name, messages in _flatten(item, f"{prefix}[{index}]").items():
                    flat.setdefault(inner_name, []).extend(messages)
            else:
                flat.setdefault(prefix or "detail", []).append(str(item))
        return flat
    return {prefix or "detail": [str(value)]}


def error_response(status_code: int, message: str) -> Response:
    return Response({"error": {"type": _TYPES.get(status_code, "error"), "message": message}}, status=status_code)
