"""A feed's bytes and how to read them, the same for an import asked for over the API (import_requests.py) and
for `manage.py import_catalog`: fetched under the SSRF rules with one size cap and timeout, and read by the
saved mapping, the named format or the format detected from the content.
"""

from __future__ import annotations

from django.conf import settings

from catalog.importers import IMPORTERS, importer_detect, importer_get
from catalog.importers.base import FeedRejected, Importer, ImportOptions
from catalog.selectors import import_mapping_get, import_mapping_names
from shop_video.safe_http import FetchFailed, FetchRefused, fetch_url
from shop_video.tenancy.models import Merchant

FEED_FETCH_TIMEOUT = 60  # seconds: a whole catalog, not a photo


class MappingNotFound(FeedRejected):
    pass


def feed_fetch(*, url: str) -> bytes:
    """The feed at `url`, at most FEED_MAX_BYTES. FetchRefused (retrying will not help) or FetchFailed (it may),
    naming the URL."""
    try:
        return fetch_url(url, max_bytes=settings.FEED_MAX_BYTES, timeout=FEED_FETCH_TIMEOUT)
    except (FetchRefused, FetchFailed) as exc:
        raise type(exc)(f"Could not download the feed from {url}: {exc}") from None


def feed_reader_choose(
    *,
    merchant: Merchant,
    data: bytes,
    feed_format: str = "",
    mapping_name: str = "",
    currency: str = "",
    format_hint: str = "send `format`",
) -> tuple[Importer, ImportOptions]:
    """The importer and options for a feed: a saved mapping (read as generic, in the mapping's currency), else
    the named format, else the one detected from `data`. `currency` overrides the default currency.
    FeedRejected (MappingNotFound for a mapping the merchant has not saved) says what to change; `format_hint`
    says how the caller names a format."""
    mapping, default_currency = None, merchant.default_currency
    if mapping_name:
        saved = import_mapping_get(merchant=merchant, name=mapping_name)
        if saved is None:
            raise MappingNotFound(mapping_missing_message(merchant=merchant, mapping_name=mapping_name))
        mapping, default_currency, feed_format = saved.mapping, saved.default_currency, "generic"
    if feed_format:
        importer = importer_get(feed_format)
    else:
        try:
            importer = importer_detect(data)
        except FeedRejected:
            raise FeedRejected(format_undetected_message(format_hint=format_hint)) from None
    return importer, ImportOptions(default_currency=currency or default_currency, mapping=mapping)


def mapping_missing_message(*, merchant: Merchant, mapping_name: str) -> str:
    names = ", ".join(repr(name) for name in import_mapping_names(merchant=merchant)) or "none yet"
    return (
        f"There is no saved mapping named {mapping_name!r} (saved mappings: {names}); use one of those names "
        "or save the mapping first."
    )


def format_undetected_message(*, format_hint: str = "send `format`") -> str:
    return (
        f"The feed's format was not recognised. Export it again from your shop, or {format_hint} as one of: "
        + "; ".join(f"{name} ({importer_get(name).label})" for name in IMPORTERS)
        + "."
    )
