"""Webhooks: endpoints (where a merchant wants events), events (one message to each destination) and delivery
attempts (one signed POST each, retried with backoff). See README.md in this folder.

Other apps call only `webhook_event_emit`. Delivery state lives in the database: the task is a trigger, the
claim is a conditional UPDATE, and a beat sweep re-sends any pending delivery whose message was lost.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shop_video.tenancy.models import Merchant
from shop_video.webhooks import dispatch
from shop_video.webhooks.models import MerchantWebhookSecret, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from shop_video.webhooks.signing import webhook_secret_generate, webhook_sign
from shop_video.webhooks.transport import FetchFailed, FetchRefused, destination_check, webhook_post

logger = logging.getLogger(__name__)

EVENTS = (
    "render.succeeded",
    "render.failed",
    "catalog_import.finished",
    "live.product_on_air",
    "campaign.progress",  # generation/campaigns: counts by state, at most every CAMPAIGN_PROGRESS_WEBHOOK_SECONDS
    "campaign.finished",
)
URL_MAX_CHARS = 2000
ENDPOINTS_MAX = 20  # per merchant: every event fans out to each of them
DESCRIPTION_MAX_CHARS = 200
# Waits after the 1st, 2nd, ... failed attempt of a cycle; later ones reuse the last. Each gets +/- 10 % jitter.
BACKOFF_SECONDS = (5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600)
# A retry message may arrive this long before next_attempt_at (clock differences between machines).
CLAIM_EARLY_SECONDS = 2
# The sweep re-sends pending deliveries this long past due: their message was lost, or their worker died.
SWEEP_OVERDUE_SECONDS = 60
USER_AGENT = "shop_video-webhooks/1.0 (+https://www.standardwebhooks.com/)"

Status = WebhookDelivery.Status


class DeliveryInProgress(Exception):
    """A re-send was asked for a delivery that is still being attempted."""


# --- Endpoints ----------------------------------------------------------------------------------------------


def _url_clean(url: str | None) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError(
            {"url": ["Give the URL that should receive webhooks, e.g. https://shop.example.com/hooks/shop-video."]}
        )
    if len(url) > URL_MAX_CHARS:
        raise ValidationError({"url": [f"The URL is {len(url)} characters; keep it to {URL_MAX_CHARS}."]})
    try:
        destination_check(url)
    except FetchRefused as exc:
        raise ValidationError(
            {"url": [f"Webhooks cannot be sent to this URL: {exc}. Use a public http(s) address."]}
        ) from None
    except FetchFailed as exc:
        raise ValidationError({"url": [f"Webhooks cannot be sent to this URL: {exc}. Check the host name."]}) from None
    return url


def _events_clean(events: Iterable[str] | None) -> list[str]:
    if events is None:
        return []
    if isinstance(events, str) or not isinstance(events, Iterable):
        raise ValidationError(
            {"events": [f"Give a list of event types from {', '.join(EVENTS)}; an empty list means all of them."]}
        )
    events = list(events)
    unknown = [event for event in events if event not in EVENTS]
    if unknown:
        raise ValidationError(
            {
                "events": [
                    f"Unknown event type {unknown[0]!r}: use {', '.join(EVENTS)} (or an empty list for all of them)."
                ]
            }
        )
    return [event for event in EVENTS if event in events]


def _description_clean(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_CHARS:
        raise ValidationError(
            {"description": [f"The description is {len(description)} characters; keep it to {DESCRIPTION_MAX_CHARS}."]}
        )
    return description


def webhook_endpoint_create(
    *, merchant: Merchant, url: str, events: Iterable[str] | None = None, description: str = ""
) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret. The URL must pass the SSRF rules now (and is checked again
    on every attempt, so a host that later resolves somewhere private is refused then)."""
    if WebhookEndpoint.objects.filter(merchant=merchant).count() >= ENDPOINTS_MAX:
        raise ValidationError(
            f"A merchant can have {ENDPOINTS_MAX} webhook endpoints; delete one you no longer use, "
            f"or subscribe an existing one to more events."
        )
    return WebhookEndpoint.objects.create(
        merchant=merchant,
        url=_url_clean(url),
        events=_events_clean(events),
        description=_description_clean(description),
        secret=webhook_secret_generate(),
    )


def webhook_endpoint_update(
    *,
    merchant: Merchant,
    endpoint_id: int,
    url: str | None = None,
    events: Iterable[str] | None = None,
    is_active: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change what is given (None leaves a field as it is; events=[] means all events)."""
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id, merchant=merchant)
    if url is not None:
        endpoint.url = _url_clean(url)
    if events is not None:
        endpoint.events = _events_clean(events)
    if is_active is not None:
        endpoint.is_active = bool(is_active)
    if description is not None:
        endpoint.description = _description_clean(description)
    endpoint.save()
    return endpoint


def webhook_endpoint_delete(*, merchant: Merchant, endpoint_id: int) -> None:
    """Delete the endpoint with its delivery log; pending deliveries to it are never attempted."""
    deleted, _ = WebhookEndpoint.objects.filter(pk=endpoint_id, merchant=merchant).delete()
    if not deleted:
        raise WebhookEndpoint.DoesNotExist(f"no webhook endpoint {endpoint_id} for this merchant")


def webhook_secret_default_get(*, merchant: Merchant) -> str:
    """The merchant's secret for one-off deliveries (URLs given with a single request), made on first use."""
    existing = MerchantWebhookSecret.objects.filter(merchant=merchant).values_list("secret", flat=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return MerchantWebhookSecret.objects.create(merchant=merchant, secret=webhook_secret_generate()).secret
    except IntegrityError:  # made by a concurrent call
        return MerchantWebhookSecret.objects.get(merchant=merchant).secret


# --- Events -------------------------------------------------------------------------------------------------


def _message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def webhook_payload_serialize(*, event: str, data: dict, at=None) -> str:
    """The body text: {"type", "timestamp", "data"} as compact JSON (Decimals and dates as strings)."""
    at = at or timezone.now()
    payload = {"type": event, "timestamp": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "data": data}
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def webhook_event_emit(
    *, merchant: Merchant, event: str, data: dict, extra_urls: Iterable[str] = ()
) -> list[WebhookDelivery]:
    """Queue `event` with `data` for every active endpoint of the merchant that listens to it, and for each of
    `extra_urls` (one-off URLs such as a render's own webhook_url, signed with the merchant's default secret
    and checked against the SSRF rules when they are attempted). One message id for all of them. The delivery
    tasks are sent after the current transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; known: {', '.join(EVENTS)}")
    now = timezone.now()
    body = webhook_payload_serialize(event=event, data=data, at=now)
    message_id = _message_id()
    common = {"merchant": merchant, "event": event, "message_id": message_id, "body": body}
    rows = []
    seen_urls = set()
    for endpoint in WebhookEndpoint.objects.filter(merchant=merchant, is_active=True).order_by("pk"):
        if endpoint.listens_to(event):
            rows.append({**common, "endpoint": endpoint, "url": endpoint.url, "next_attempt_at": now})
            seen_urls.add(endpoint.url)
    for url in extra_urls:
        url = (url or "").strip()
        if not url or url in seen_urls:
            continue  # the same URL already gets this message (same id) as a registered endpoint
        seen_urls.add(url)
        if len(url) > URL_MAX_CHARS:
            rows.append(
                {
                    **common,
                    "url": url[:URL_MAX_CHARS],
                    "status": Status.FAILED,
                    "last_error": f"the URL is {len(url)} characters; the limit is {URL_MAX_CHARS}",
                }
            )
        else:
            rows.append({**common, "url": url, "next_attempt_at": now})
    # One create() per row (not bulk_create) so every database returns the ids; a merchant has few endpoints.
    deliveries = [WebhookDelivery.objects.create(**row) for row in rows]
    pending_ids = [delivery.pk for delivery in deliveries if delivery.status == Status.PENDING]
    if pending_ids:
        transaction.on_commit(lambda: [dispatch.delivery_send(delivery_id=pk) for pk in pending_ids])
    return deliveries


# --- Attempts -----------------------------------------------------------------------------------------------


def _text(value: str, limit: int) -> str:
    # What a remote server sends is stored: no NUL (PostgreSQL text refuses it), bounded length.
    return value.replace("\x00", "\ufffd")[:limit]


def webhook_backoff_seconds(*, failed_attempts: int) -> float:
    """The wait after the n-th failed attempt of a cycle (n >= 1), with +/- 10 % jitter."""
    base = BACKOFF_SECONDS[min(failed_attempts, len(BACKOFF_SECONDS)) - 1]
    return round(base * random.uniform(0.9, 1.1), 1)


def _lease_seconds() -> int:
    # Longer than an attempt can take (resolve + connect + send + answer, each bounded by the timeout).
    return settings.WEBHOOK_TIMEOUT_SECONDS * 4 + 60


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookAttempt | None:
    """Make one attempt at a pending, due delivery; None when there is nothing to do (not pending, not due, or
    claimed by another worker). 2xx succeeds; a refused destination fails at once; anything else is retried
    with backoff until WEBHOOK_MAX_ATTEMPTS attempts in this cycle, then fails with the last reason."""
    now = timezone.now()
    # The claim: one conditional UPDATE. It pushes next_attempt_at out by a lease, so a duplicate message,
    # the sweep or a second worker matches zero rows while this attempt runs.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=Status.PENDING,
        next_attempt_at__lte=now + timedelta(seconds=CLAIM_EARLY_SECONDS),
    ).update(
        attempts=F("attempts") + 1,
        cycle_attempts=F("cycle_attempts") + 1,
        next_attempt_at=now + timedelta(seconds=_lease_seconds()),
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "merchant").filter(pk=delivery_id).first()
    if delivery is None:
        return None  # its endpoint was deleted (with its deliveries) just now
    number, endpoint = delivery.attempts, delivery.endpoint
    url = endpoint.url if endpoint is not None else delivery.url

    code, excerpt, error, permanent, location = None, "", "", False, None
    started = timezone.now()
    clock = time.monotonic()
    if endpoint is not None and not endpoint.is_active:
        error, permanent = "not sent: the endpoint is disabled; enable it, then re-send", True
    else:
        secret = endpoint.secret if endpoint is not None else webhook_secret_default_get(merchant=delivery.merchant)
        body = delivery.body.encode("utf-8")
        timestamp = int(started.timestamp())
        headers = {
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhook_sign(
                secret=secret, msg_id=delivery.message_id, timestamp=timestamp, body=body
            ),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        try:
            result = webhook_post(url=url, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
            code, excerpt, location = result.status, result.body_excerpt, result.location
        except FetchRefused as exc:
            error, permanent = f"refused: {exc}", True
        except FetchFailed as exc:
            error = str(exc)
        except Exception as exc:  # a bug must not leave the delivery claimed until the lease runs out
            logger.exception("webhook delivery %s attempt %s crashed", delivery_id, number)
            error = f"unexpected error: {exc!r}"
    duration_ms = int((time.monotonic() - clock) * 1000)
    succeeded = code is not None and 200 <= code < 300
    if code is not None and not succeeded:
        error = f"the endpoint answered HTTP {code}"
        if 300 <= code < 400:
            error += (f" (to {location[:300]})" if location else "") + (
                "; redirects are not followed for webhooks: set the endpoint's URL to the final address"
            )
    error = _text(error, 2000)
    try:
        with transaction.atomic():
            attempt = WebhookAttempt.objects.create(
                delivery=delivery,
                number=number,
                url=url,
                at=started,
                response_code=code,
                error=error,
                duration_ms=duration_ms,
                response_body=_text(excerpt, 1024),
            )
    except IntegrityError:
        return None  # the endpoint and its deliveries were deleted while this attempt ran

    finished = timezone.now()
    ours = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=number)
    if succeeded:
        ours.update(
            status=Status.SUCCEEDED,
            url=url,
            delivered_at=finished,
            last_response_code=code,
            last_error="",
            next_attempt_at=None,
        )
    elif permanent or delivery.cycle_attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        reason = error if permanent else f"gave up after {delivery.cycle_attempts} attempts; the last: {error}"
        ours.update(status=Status.FAILED, url=url, last_response_code=code, last_error=reason, next_attempt_at=None)
    else:
        delay = webhook_backoff_seconds(failed_attempts=delivery.cycle_attempts)
        if ours.update(
            url=url, last_response_code=code, last_error=error, next_attempt_at=finished + timedelta(seconds=delay)
        ):
            transaction.on_commit(lambda: dispatch.delivery_send(delivery_id=delivery.pk, countdown=delay))
    return attempt


def webhook_delivery_resend(*, merchant: Merchant, delivery_id: int) -> WebhookDelivery:
    """Start a new attempt cycle for a finished delivery: the same message id and body (receivers dedupe on
    webhook-id), a fresh timestamp and signature per attempt, up to WEBHOOK_MAX_ATTEMPTS attempts again."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id, merchant=merchant)
    if delivery.endpoint is not None and not delivery.endpoint.is_active:
        raise ValidationError(
            f"The endpoint {delivery.endpoint.url} is disabled; enable it (is_active: true) before re-sending."
        )
    now = timezone.now()
    restarted = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status__in=[Status.SUCCEEDED, Status.FAILED],
    ).update(status=Status.PENDING, cycle_attempts=0, next_attempt_at=now, last_error="", delivered_at=None)
    if not restarted:
        raise DeliveryInProgress(
            f"Delivery {delivery.pk} is still being attempted ({delivery.attempts} attempts so "
            f"far); wait until it succeeds or fails, then re-send."
        )
    transaction.on_commit(lambda: dispatch.delivery_send(delivery_id=delivery.pk))
    delivery.refresh_from_db()
    return delivery


def webhook_deliveries_send_overdue(*, overdue_seconds: int = SWEEP_OVERDUE_SECONDS, limit: int = 500) -> int:
    """Send again every pending delivery that is well past due (its message was lost or its worker died while
    holding the claim). The claim makes a duplicate message harmless."""
    cutoff = timezone.now() - timedelta(seconds=overdue_seconds)
    ids = list(
        WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in ids:
        dispatch.delivery_send(delivery_id=delivery_id)
    return len(ids)
