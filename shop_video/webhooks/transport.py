"""Posting a webhook to a merchant's URL under the same SSRF rules as fetching a product photo.

The rules live in shop_video/safe_http.py and are reused from there, not copied: http/https only, every resolved
address global (IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS, which only tests set, names hosts exempted), the connection
made to the address that was checked (and TLS verified against the host name), a timeout. Redirects are never
followed for a POST: a 3xx answer is a failed attempt that says where the endpoint moved.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from shop_video.safe_http import FetchFailed, FetchRefused, pinned_connection
from shop_video.safe_http import checked_address as safe_http_checked_address

RESPONSE_EXCERPT_BYTES = 1024

__all__ = ["FetchFailed", "FetchRefused", "PostResult", "destination_check", "webhook_post"]


@dataclass(frozen=True)
class PostResult:
    status: int
    body_excerpt: str
    location: str | None


def _parts(url: str):
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchRefused(f"{url[:100]!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"only http and https URLs can receive webhooks, got {url[:100]!r}")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("the URL must not contain a user name or password; put a token in the path or query")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused(f"the port in {url[:100]!r} is not a valid number") from None
    return parts, port


def _checked_address(host: str, port: int) -> str:
    try:
        return safe_http_checked_address(host, port)
    except FetchRefused:
        raise
    except (UnicodeError, ValueError):  # a host name that cannot even be looked up (bad IDNA label, NUL, ...)
        raise FetchRefused(f"{host[:100]!r} is not a valid host name") from None


def destination_check(url: str) -> str:
    """Refuse a URL that webhooks may not be sent to (FetchRefused), or whose host cannot be resolved
    (FetchFailed). Returns the checked address."""
    parts, port = _parts(url)
    return _checked_address(parts.hostname, port)


def webhook_post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """One POST. FetchRefused: the destination is not allowed (permanent). FetchFailed: no answer (transient).
    Any HTTP answer, 2xx or not, is returned with the first ~1 KB of its body."""
    parts, port = _parts(url)
    connection, path = pinned_connection(parts, port, address=_checked_address(parts.hostname, port), timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES)
        return PostResult(
            status=response.status,
            body_excerpt=excerpt.decode("utf-8", errors="replace"),
            location=response.getheader("Location"),
        )
    except TimeoutError:
        raise FetchFailed(f"no answer from {parts.hostname} within {timeout:g} s") from None
    except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError) as exc:
        raise FetchFailed(f"could not post to {parts.hostname}: {exc}") from None
    finally:
        connection.close()
