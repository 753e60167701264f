"""Standard Webhooks signatures (https://www.standardwebhooks.com/, spec/standard-webhooks.md).

Headers: `webhook-id` (the message id, the same on every retry), `webhook-timestamp` (integer Unix seconds of
this attempt), `webhook-signature` (`v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}`; several signatures
may be sent separated by spaces, e.g. while a secret is rotated). The HMAC key is the base64-decoded part of the
secret after `whsec_`.

Receivers in Python can copy `webhook_verify`; it needs only the standard library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import datetime

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
SIGNATURE_VERSION = "v1"


class WebhookVerificationError(ValueError):
    """The message cannot be trusted: a header is missing, the timestamp is out of tolerance, or no signature
    matches."""


def webhook_secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _secret_key(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    encoded = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not 'whsec_' followed by base64") from None


def webhook_sign(*, secret: str | bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of msg_id.timestamp.body>`."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(_secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def webhook_verify(
    *,
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes | str,
    tolerance_seconds: int = 300,
    now: float | datetime | None = None,
):
    """Check a received message and return its parsed JSON payload; raise WebhookVerificationError saying why
    it is refused. `headers` may be any mapping (names are matched case-insensitively); `body` must be the raw
    request body exactly as received, not re-serialised JSON."""
    lowered = {str(name).lower(): value for name, value in headers.items()}
    values = {}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        value = lowered.get(name)
        if value is None:
            value = lowered.get("http_" + name.replace("-", "_"))  # Django's request.META spelling
        if not value:
            raise WebhookVerificationError(f"the {name} header is missing")
        values[name] = str(value).strip()
    try:
        timestamp = int(values["webhook-timestamp"])
    except ValueError:
        raise WebhookVerificationError(
            f"the webhook-timestamp header is not whole Unix seconds: {values['webhook-timestamp'][:40]!r}"
        ) from None
    if now is None:
        now_seconds = time.time()
    elif isinstance(now, datetime):
        now_seconds = now.timestamp()
    else:
        now_seconds = float(now)
    if timestamp < now_seconds - tolerance_seconds:
        raise WebhookVerificationError(
            f"the message timestamp is {int(now_seconds - timestamp)} s old, beyond the "
            f"tolerance of {tolerance_seconds} s (a replay, or a clock that is wrong)"
        )
    if timestamp > now_seconds + tolerance_seconds:
        raise WebhookVerificationError(
            f"the message timestamp is {int(timestamp - now_seconds)} s in the future, "
            f"beyond the tolerance of {tolerance_seconds} s (check the clocks)"
        )
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    expected = webhook_sign(secret=secret, msg_id=values["webhook-id"], timestamp=timestamp, body=raw)
    expected_signature = expected.partition(",")[2].encode()
    matched = False
    for candidate in values["webhook-signature"].split():
        version, _, signature = candidate.partition(",")
        if version != SIGNATURE_VERSION:
            continue  # other schemes (v1a, asymmetric) are not ours
        # Compare every candidate in constant time; do not stop early on a match.
        matched |= hmac.compare_digest(signature.encode(), expected_signature)
    if not matched:
        raise WebhookVerificationError("no signature in webhook-signature matches this body and secret")
    try:
        return json.loads(raw)
    except ValueError:
        raise WebhookVerificationError("the body is not JSON") from None
