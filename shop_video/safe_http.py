"""Fetching a URL that a merchant typed, without letting it reach our own network (SSRF).

http/https only; every resolved address must be global (no loopback, private, link-local, CGNAT, reserved),
and so must any IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4, Teredo: a gateway may forward
to it); we connect to the address we checked, not to a second lookup; each redirect hop is
checked again; timeouts and a byte cap bound the work.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import SplitResult, urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 3


class FetchRefused(ValueError):
    """A permanent refusal (bad scheme, private address, 4xx, too large): retrying will not help."""


class FetchFailed(OSError):
    """A transient failure (timeout, connection error, 5xx): worth retrying later."""


def fetch_url(url: str, *, max_bytes: int, timeout: float = 10.0) -> bytes:
    for _ in range(MAX_REDIRECTS + 1):
        status, location, body = _fetch_once(url, max_bytes=max_bytes, timeout=timeout)
        if status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        if 200 <= status < 300:
            return body
        if 400 <= status < 500:
            raise FetchRefused(f"the server answered HTTP {status}")
        raise FetchFailed(f"the server answered HTTP {status}")
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")


def _fetch_once(url: str, *, max_bytes: int, timeout: float) -> tuple[int, str | None, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"only http and https URLs are fetched, got {url[:100]!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection, path = pinned_connection(parts, port, address=checked_address(parts.hostname, port), timeout=timeout)
    try:
        connection.request("GET", path, headers={"User-Agent": "shop_video-image-fetcher/1.0", "Accept": "image/*"})
        response = connection.getresponse()
        declared = response.getheader("Content-Length")
        if declared and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
            raise FetchRefused(f"the image is {int(declared):,} bytes; the limit is {max_bytes:,}")
        body = response.read(max_bytes + 1) if response.status < 300 else b""
        if len(body) > max_bytes:
            raise FetchRefused(f"the image is larger than the limit of {max_bytes:,} bytes")
        return response.status, response.getheader("Location"), body
    except TimeoutError:
        raise FetchFailed(f"no answer from {parts.hostname} within {timeout:g} s") from None
    except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError) as exc:
        if isinstance(exc, (FetchRefused, FetchFailed)):
            raise
        raise FetchFailed(f"could not fetch from {parts.hostname}: {exc}") from None
    finally:
        connection.close()


def checked_address(host: str, port: int) -> str:
    """The address to connect to: the first one `host` resolves to, refused unless every one is public.
    Shared with webhook delivery (shop_video/webhooks/transport.py): one set of SSRF rules."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:  # UnicodeError: a label IDNA cannot encode
        raise FetchFailed(f"cannot resolve {host}: {exc}") from None
    allowed_hosts = set(getattr(settings, "IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS", []))
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if host not in allowed_hosts:
            address_check(host, address)
        addresses.append(str(address))
    if not addresses:
        raise FetchFailed(f"{host} has no addresses")
    return addresses[0]


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix: the IPv4 address is the last 32 bits


def embedded_ipv4s(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, which a gateway may forward to: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4
    (2002:AABB:CCDD::) and Teredo (2001:0::, its server and client)."""
    value = int(address)
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if value >> 32 in (0, 0xFFFF0000) or address in _NAT64:
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    return found


def address_check(host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    """FetchRefused unless `address` (and any IPv4 address it embeds) is a public one."""
    if not address.is_global:
        raise FetchRefused(f"{host} resolves to {address}, which is not a public address")
    if isinstance(address, ipaddress.IPv6Address):
        for inner in embedded_ipv4s(address):
            if not inner.is_global:
                raise FetchRefused(
                    f"{host} resolves to {address}, which carries the IPv4 address {inner}: not a public address"
                )


def pinned_connection(parts: SplitResult, port: int, *, address: str, timeout: float):
    """A connection to the checked `address` that still names the URL's host (Host header, TLS SNI and
    certificate check), and the request path. Connecting to the address that was checked defeats DNS rebinding."""
    connection_class = PinnedHTTPSConnection if parts.scheme == "https" else PinnedHTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection_class(parts.hostname, port, timeout=timeout, address=address), path


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, timeout, address):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, timeout, address):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
