"""Webhook events (being written): other apps call webhook_event_emit when something a storefront cares about happens."""

from __future__ import annotations

from collections.abc import Iterable

from shop_video.tenancy.models import Merchant

EVENTS = ("render.succeeded", "render.failed", "catalog_import.finished")


def webhook_event_emit(*, merchant: Merchant, event: str, data: dict, extra_urls: Iterable[str] = ()) -> None:
    """Queue `event` with `data` for every active endpoint of the merchant (and the one-off URLs in extra_urls,
    e.g. a render's own webhook_url), after the current transaction commits."""
