"""The storefront embed served from memory: a WSGI wrapper in front of Django (shop_video/wsgi.py) that replays
the exact answer Django gave to the same request, while the merchant's cache token (shop_video/embed_cache.py) is
unchanged, the entry is younger than EMBED_CACHE_SECONDS and the API key's window of API_RATE is not spent.

Only `GET /api/v1/products/<sku>/videos` with `Authorization: Api-Key ...` is considered; everything else, and
every miss, goes to Django untouched. An entry is keyed by everything of the request Django's answer depends on:
the Authorization header (as a digest: the key Django checked, so a cached answer never skips authentication for
a header Django has not accepted), path, query, host and forwarding headers, scheme, Accept and If-None-Match
(so a 304 is replayed as Django made it). Stored are status, headers and body exactly as Django sent them.

Race-free filling: the token is read before Django runs and handed to the view (EMBED_VERSION_ENVIRON), so an
answer computed from rows older than a change is stored under the token that change replaces. The first request
of a key in a process only learns the key's merchant (no token could be read before it): the next one is cached.

A revoked, deleted or changed key replaces its merchant's token (embed_cache); an expiring key's entries expire
with it. API_RATE is kept per key in a fixed window in Redis, shared by every process; a request over it goes to
Django with EMBED_RATE_WAIT_ENVIRON set, and Django's throttle answers the usual 429.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from shop_video.embed_cache import ANSWER_KEY, EmbedStore, embed_cache_enabled

EMBED_PATH = re.compile(r"/api/v1/products/.+/videos")
EMBED_VERSION_ENVIRON = "shop_video.embed_version"  # the token read before Django ran
EMBED_RATE_WAIT_ENVIRON = "shop_video.embed_rate_wait"  # seconds to the next window: Django answers 429
MAX_ENTRIES = 20_000
_KEYED_ENVIRON = (
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_ACCEPT",
    "HTTP_IF_NONE_MATCH",
)


@dataclass(frozen=True)
class EmbedOffer:
    """What the view tells the wrapper about its answer (set as `response.embed_offer`)."""

    merchant_id: int
    key_expiry: datetime | None
    version: bytes | None  # None: no token was read before this answer; it is not stored


@dataclass(frozen=True)
class _Entry:
    merchant_id: int
    version: bytes
    expires_at: float  # time.time()
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def embed_offer_attach(request, response, *, merchant_id: int) -> None:
    """Called by the embed view on an answer made for an API key: the wrapper may keep it."""
    api_key = request.auth
    response.embed_offer = EmbedOffer(
        merchant_id=merchant_id,
        key_expiry=api_key.expiry_date,
        version=request.META.get(EMBED_VERSION_ENVIRON),
    )


class EmbedFastPath:
    def __init__(self, app):
        self.app = app
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.key_merchants: dict[bytes, int] = {}  # Authorization digest -> merchant (a key's merchant never changes)
        self.store = EmbedStore()
        from shop_video.api.throttling import ApiKeyRateThrottle  # it imports this module

        throttle = ApiKeyRateThrottle()  # API_RATE, as Django's own throttle reads it
        self.limit, self.window = throttle.num_requests, throttle.duration

    def __call__(self, environ, start_response):
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or not authorization.startswith("Api-Key ")
            or not EMBED_PATH.fullmatch(environ.get("PATH_INFO", ""))
            or not embed_cache_enabled()
        ):
            return self.app(environ, start_response)
        digest = hashlib.sha256(authorization.encode("latin-1")).digest()
        key = (digest, *(environ.get(name) for name in _KEYED_ENVIRON))
        merchant_id = self.key_merchants.get(digest)
        if merchant_id is None:
            merchant_id = self.store.key_merchant(digest)
            if merchant_id is None:  # a header Django has not accepted yet: it decides
                return self._from_django(environ, start_response, key, digest)
            self._key_merchant_remember(digest, merchant_id)
        entry = self.entries.get(key)
        # The prefix is trusted: Django accepted this very header for this merchant.
        prefix = authorization[len("Api-Key ") :].strip().partition(".")[0]
        shared_key = None if entry else _shared_key(key)
        read = self.store.read(
            merchant_id=merchant_id, rate_prefix=prefix, window_seconds=self.window, shared_key=shared_key
        )
        if read is None:  # Redis is away: Django answers, nothing is stored
            return self.app(environ, start_response)
        version, count, shared = read
        if count > self.limit:  # hit or miss: Django's throttle answers 429 (it trusts this shared count)
            environ[EMBED_RATE_WAIT_ENVIRON] = self.window - time.time() % self.window
            return self.app(environ, start_response)
        if entry is None and shared is not None:
            entry = _entry_loads(shared)
            if entry is not None and entry.version == version:
                self._remember(key, entry)
        if entry is not None and entry.version == version and time.time() < entry.expires_at:
            start_response(entry.status, list(entry.headers))
            return [entry.body]
        environ[EMBED_VERSION_ENVIRON] = version
        return self._from_django(environ, start_response, key, digest)

    def _from_django(self, environ, start_response, key: tuple, digest: bytes):
        sent = {}

        def capture(status, headers, exc_info=None):
            sent.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        offer = getattr(result, "embed_offer", None)
        if offer is None:
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self._key_merchant_remember(digest, offer.merchant_id)
        cacheable = offer.version is not None and sent["status"][:3] in ("200", "304")
        if cacheable and not any(name.lower() == "set-cookie" for name, _ in sent["headers"]):
            expires_at = time.time() + settings.EMBED_CACHE_SECONDS
            if offer.key_expiry is not None:
                expires_at = min(expires_at, offer.key_expiry.timestamp())
            entry = _Entry(
                merchant_id=offer.merchant_id,
                version=offer.version,
                expires_at=expires_at,
                status=sent["status"],
                headers=tuple(map(tuple, sent["headers"])),
                body=body,
            )
            self._remember(key, entry)
            self.store.share(
                key_digest=digest,
                merchant_id=offer.merchant_id,
                shared_key=_shared_key(key),
                value=_entry_dumps(entry),
                ttl=settings.EMBED_CACHE_SECONDS,
            )
        elif offer.version is None:
            self.store.share(key_digest=digest, merchant_id=offer.merchant_id, ttl=settings.EMBED_CACHE_SECONDS)
        return [body]

    def _remember(self, key: tuple, entry: _Entry) -> None:
        self.entries[key] = entry
        while len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)

    def _key_merchant_remember(self, digest: bytes, merchant_id: int) -> None:
        if len(self.key_merchants) >= MAX_ENTRIES:
            self.key_merchants.clear()
        self.key_merchants[digest] = merchant_id


def _shared_key(key: tuple) -> str:
    return ANSWER_KEY.format(digest=hashlib.sha256(repr(key).encode()).hexdigest())


def _entry_dumps(entry: _Entry) -> bytes:
    return json.dumps(
        {
            "merchant": entry.merchant_id,
            "version": entry.version.decode(),
            "expires_at": entry.expires_at,
            "status": entry.status,
            "headers": entry.headers,
            "body": entry.body.decode(),
        }
    ).encode()


def _entry_loads(value: bytes) -> _Entry | None:
    try:
        data = json.loads(value)
        return _Entry(
            merchant_id=data["merchant"],
            version=data["version"].encode(),
            expires_at=data["expires_at"],
            status=data["status"],
            headers=tuple(tuple(header) for header in data["headers"]),
            body=data["body"].encode(),
        )
    except (ValueError, KeyError, TypeError):
        return None
