"""The storefront embed's cache versions: one random token per merchant in Redis (EMBED_CACHE_URL), replaced
whenever anything the embed shows for that merchant may have changed. A cached answer is served only while its
merchant's token is the one read before the answer was computed (shop_video/embed_fast_path.py), so a change is
visible on the next request once its token is replaced.

The token is replaced after the change commits (a reader between the two would otherwise store the old rows under
the new token), and before the webhook that announces a new render is queued: render_job_finished is sent inside
the success transaction, ahead of the webhook service's own on-commit hook, so ours runs first.
"""

from __future__ import annotations

import logging
import secrets
import time
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

VERSION_KEY = "embed:v:{merchant_id}"
RATE_KEY = "embed:rate:{prefix}:{window}"
KEY_MERCHANT_KEY = "embed:key:{digest}"  # an Authorization header's digest -> its merchant (never a secret)
ANSWER_KEY = "embed:answer:{digest}"  # one request's answer, shared by every process
# After a Redis error the cache stays off this long (every request goes to Django) instead of waiting on a
# timeout per request.
REDIS_BACKOFF_SECONDS = 5.0

_clients: dict[str, object] = {}


def embed_cache_enabled() -> bool:
    return bool(settings.EMBED_CACHE_URL)


def embed_redis():
    """The Redis client for EMBED_CACHE_URL (one pool per process), with short timeouts: a slow Redis must not
    hold a storefront request."""
    url = settings.EMBED_CACHE_URL
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
    return client


def embed_version_new_token() -> bytes:
    return secrets.token_hex(8).encode()


def embed_version_bump(*, merchant_id: int) -> None:
    """Replace the merchant's token now: every cached embed answer of the merchant stops being served."""
    if not embed_cache_enabled():
        return
    try:
        embed_redis().set(VERSION_KEY.format(merchant_id=merchant_id), embed_version_new_token())
    except Exception:  # the cache's TTL (EMBED_CACHE_SECONDS) bounds what is served stale meanwhile
        logger.exception("could not invalidate the embed cache of merchant %s", merchant_id)


def embed_version_bump_on_commit(*, merchant_id: int | None) -> None:
    if merchant_id is not None and embed_cache_enabled():
        transaction.on_commit(partial(embed_version_bump, merchant_id=merchant_id))


class EmbedStore:
    """What the fast path keeps in Redis, and its one round trip per request (EmbedStore.read). Any Redis error
    turns the cache off for REDIS_BACKOFF_SECONDS: requests then go to Django instead of waiting on timeouts."""

    def __init__(self):
        self._off_until = 0.0

    def _client(self):
        if time.monotonic() < self._off_until:
            return None
        return embed_redis()

    def _failed(self) -> None:
        logger.warning("the embed cache's Redis did not answer; serving without it for a few seconds")
        self._off_until = time.monotonic() + REDIS_BACKOFF_SECONDS

    def read(
        self, *, merchant_id: int, rate_prefix: str, window_seconds: int, shared_key: str | None
    ) -> tuple[bytes, int, bytes | None] | None:
        """(the merchant's token, the key's count in this window of API_RATE, the answer another process shared
        under `shared_key` if asked and there is one), or None when Redis cannot answer."""
        client = self._client()
        if client is None:
            return None
        version_key = VERSION_KEY.format(merchant_id=merchant_id)
        rate_key = RATE_KEY.format(prefix=rate_prefix, window=int(time.time() // window_seconds))
        try:
            pipe = client.pipeline(transaction=False)
            pipe.get(version_key)
            pipe.incr(rate_key)
            pipe.expire(rate_key, window_seconds * 2)
            if shared_key is not None:
                pipe.get(shared_key)
            replies = pipe.execute()
            token = replies[0]
            if token is None:  # never bumped, or Redis lost it: start a token no cached answer can carry
                client.set(version_key, embed_version_new_token(), nx=True)
                token = client.get(version_key)
        except Exception:
            self._failed()
            return None
        return token, replies[1], (replies[3] if shared_key is not None else None)

    def key_merchant(self, key_digest: bytes) -> int | None:
        """The merchant of an Authorization header Django accepted before (in any process)."""
        client = self._client()
        if client is None:
            return None
        try:
            merchant_id = client.get(KEY_MERCHANT_KEY.format(digest=key_digest.hex()))
        except Exception:
            self._failed()
            return None
        return int(merchant_id) if merchant_id else None

    def share(
        self, *, key_digest: bytes, merchant_id: int, shared_key: str | None = None, value: bytes = b"", ttl: int
    ) -> None:
        """Tell every process the key's merchant and, with `shared_key`, one answer (both expire after `ttl`)."""
        client = self._client()
        if client is None:
            return
        try:
            pipe = client.pipeline(transaction=False)
            pipe.set(KEY_MERCHANT_KEY.format(digest=key_digest.hex()), merchant_id, ex=ttl)
            if shared_key is not None:
                pipe.set(shared_key, value, ex=ttl)
            pipe.execute()
        except Exception:
            self._failed()


# --- What changes the embed's answer ---------------------------------------------------------------------------


def _render_job_finished(sender, *, job_id: int, **kwargs) -> None:
    from generation.models import RenderJob

    embed_version_bump_on_commit(
        merchant_id=RenderJob.objects.filter(pk=job_id).values_list("merchant_id", flat=True).first()
    )


def _merchant_row_changed(sender, instance, **kwargs) -> None:
    embed_version_bump_on_commit(merchant_id=instance.merchant_id)


def _rendition_changed(sender, instance, **kwargs) -> None:
    from generation.models import RenderJob

    embed_version_bump_on_commit(
        merchant_id=RenderJob.objects.filter(pk=instance.job_id).values_list("merchant_id", flat=True).first()
    )


def embed_cache_connect() -> None:
    """Called once from GenerationConfig.ready. Row saves and deletes (products, variants, renders, renditions,
    API keys) bump here; queryset updates that bypass signals bump where they are made (render success through
    render_job_finished, key revocation in api_key_revoke); anything else is bounded by EMBED_CACHE_SECONDS."""
    from catalog.models import Product, Variant
    from generation.models import RenderJob, Rendition
    from generation.signals import render_job_finished
    from shop_video.api.models import MerchantApiKey

    render_job_finished.connect(_render_job_finished, dispatch_uid="embed-cache-render-finished")
    for model in (Product, Variant, RenderJob, MerchantApiKey):
        for signal in (post_save, post_delete):
            signal.connect(_merchant_row_changed, sender=model, dispatch_uid=f"embed-cache-{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(_rendition_changed, sender=Rendition, dispatch_uid="embed-cache-Rendition")
