"""`Idempotency-Key` for any POST view (Stripe's rules), so a client can retry a create without making two.

    class RenderListCreateView(GenericAPIView):
        @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER], ...)
        @idempotent
        def post(self, request): ...

With the header (1 to 255 characters, unique per merchant):

- first request: an IdempotencyRecord(in_progress) is inserted and committed (the unique constraint decides
  who is first, so two concurrent requests cannot both run), then the view runs and its status and JSON body
  are stored (done). A 4xx answer is stored too and replayed: resending the same bad request gets the same
  error. A 5xx or an exception deletes the record, so the client can retry with the same key.
- same key, same request (sha256 of method, full path and body): the stored status and body again, with
  `Idempotent-Replayed: true`; nothing runs.
- same key, different request: 422, use a new key.
- same key while the first is still running: 409, retry in a moment.

The body counts as JSON with sorted keys (whitespace and key order do not matter); a form or multipart body
as its fields and each file's name, size and sha256 (the raw bytes of a multipart body carry a boundary that
changes with every send, so they cannot identify a retry); any other body as its raw bytes.

The view runs in a transaction with the record's update, so a process that dies mid-request leaves neither a
half-made result nor a done record. Such a request leaves an in_progress record; after IN_PROGRESS_TIMEOUT it
no longer blocks the key. Keys are remembered for RETENTION (24 h): an older record is replaced by the next
request that uses its key, and `idempotency_records_purge` deletes them (run it daily).

Requires the key to be committed before the view runs: do not enable ATOMIC_REQUESTS for these views.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from shop_video.api.exceptions import Conflict, Unprocessable
from shop_video.api.models import IdempotencyRecord
from shop_video.tenancy.models import Merchant

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_CHARS = 255
RETENTION = timedelta(hours=24)
IN_PROGRESS_TIMEOUT = timedelta(minutes=5)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string of 1 to 255 characters (a UUID is ideal) that makes this POST safe to retry. "
        "The same key with the same request replays the first response (status and body, with the header "
        "`Idempotent-Replayed: true`) and does nothing again; the same key with a different request is a 422; "
        "the same key while the first request is still running is a 409 (retry shortly). 4xx answers are "
        "remembered too; a 5xx is not, so a retry runs again. Keys are per merchant and kept for 24 hours."
    ),
)
REPLAYED_RESPONSE_HEADER = OpenApiParameter(
    name=REPLAYED_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    response=True,
    required=False,
    description="`true` when this response is the stored answer to an earlier request with the same Idempotency-Key.",
)


def idempotency_key_clean(key: str) -> str:
    if not 1 <= len(key) <= KEY_MAX_CHARS:
        raise exceptions.ValidationError(
            f"The {HEADER} header must be 1 to {KEY_MAX_CHARS} characters, got {len(key)}; send a UUID."
        )
    return key


def idempotency_request_hash(request) -> str:
    """sha256 of the method, the full path and the body (see the module docstring for how a body counts)."""
    digest = hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n".encode())
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields = sorted(
            (name, [_form_value_digest(value) for value in values]) for name, values in request.data.lists()
        )
        digest.update(json.dumps(fields, separators=(",", ":")).encode())
    elif not media_type or media_type == "application/json" or media_type.endswith("+json"):
        digest.update(
            json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        )
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _form_value_digest(value) -> str:
    if not isinstance(value, UploadedFile):
        return str(value)
    file_digest = hashlib.sha256()
    for chunk in value.chunks():
        file_digest.update(chunk)
    value.seek(0)
    return f"file:{value.name}:{value.size}:{file_digest.hexdigest()}"


def idempotency_record_begin(
    *, merchant: Merchant, key: str, method: str, path: str, request_hash: str
) -> tuple[IdempotencyRecord, bool]:
    """Claim `key` for this request: (the new in_progress record, True), or (the earlier record, False) when
    the key is taken. Race-safe: the unique (merchant, key) constraint picks one winner, in its own committed
    transaction so every other request sees the claim at once."""
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    merchant=merchant, key=key, method=method[:8], path=path[:500], request_hash=request_hash
                ), True
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(merchant=merchant, key=key).first()
        if existing is None:
            continue  # the first request failed with a 5xx and let the key go meanwhile: claim it
        now = timezone.now()
        abandoned = (
            existing.state == IdempotencyRecord.State.IN_PROGRESS and existing.created_at < now - IN_PROGRESS_TIMEOUT
        )
        if existing.created_at < now - RETENTION or abandoned:
            # Conditional on the row we saw, so of two requests replacing it only one deletes it.
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        return existing, False
    raise Conflict(f"The {HEADER} {key!r} is being claimed by another request right now; retry in a moment.")


def idempotency_record_finish(*, record: IdempotencyRecord, status: int, body) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE, response_status=status, response_body=body
    )


def idempotency_record_release(*, record: IdempotencyRecord) -> None:
    """Forget the key (the request failed on our side): a retry with it runs again."""
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def idempotency_records_purge(*, older_than: timedelta = RETENTION) -> int:
    """Delete records older than `older_than` (their keys may be reused anyway). Returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


def idempotent(view_method: Callable | None = None, *, replay_headers: Callable[[object, object], dict] | None = None):
    """Decorate a DRF view's `post` (after authentication: it needs request.merchant). `replay_headers(request,
    body)` gives headers a replay should carry beside the body, e.g. a Location built from the stored body."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(view, request, *args, **kwargs):
            key = request.headers.get(HEADER)
            merchant = getattr(request, "merchant", None)
            if key is None or merchant is None:
                return method(view, request, *args, **kwargs)
            key = idempotency_key_clean(key)
            request_hash = idempotency_request_hash(request)
            record, created = idempotency_record_begin(
                merchant=merchant,
                key=key,
                method=request.method,
                path=request.get_full_path(),
                request_hash=request_hash,
            )
            if not created:
                return _replay(record, request, request_hash, replay_headers)
            try:
                with transaction.atomic():
                    try:
                        with transaction.atomic():  # a view that raises leaves nothing behind
                            response = method(view, request, *args, **kwargs)
                    except Exception as exc:
                        response = view.handle_exception(exc)  # re-raises what is not an API error: a 500
                    if response.status_code >= 500:
                        raise _NotStored(response)
                    body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
                    idempotency_record_finish(record=record, status=response.status_code, body=body)
            except _NotStored as not_stored:
                idempotency_record_release(record=record)
                return not_stored.response
            except BaseException:
                idempotency_record_release(record=record)
                raise
            return response

        return wrapper

    return decorate(view_method) if view_method is not None else decorate


def _replay(record: IdempotencyRecord, request, request_hash: str, replay_headers) -> Response:
    if record.request_hash != request_hash:
        raise Unprocessable(
            f"The {HEADER} {record.key!r} was already used with a different request ({record.method} "
            f"{record.path}, another body); use a new key for a new request, or resend the first one unchanged."
        )
    if record.state != IdempotencyRecord.State.DONE:
        raise Conflict(
            f"A request with the {HEADER} {record.key!r} is still being processed; retry in a moment to get its result."
        )
    headers = {REPLAYED_HEADER: "true"}
    # A stored error has no resource to point at: only a success replays its headers (e.g. Location).
    if replay_headers is not None and record.response_body is not None and 200 <= record.response_status < 300:
        headers.update(replay_headers(request, record.response_body))
    return Response(record.response_body, status=record.response_status, headers=headers)
