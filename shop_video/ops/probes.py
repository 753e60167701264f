"""/healthz, /readyz and /metrics: cheap, unauthenticated (metrics: by network or token), answered by
ProbeMiddleware before sessions, CSRF, CSP, the HTTPS redirect, the host check and the request metrics, because a
kubelet or Prometheus calls them by the pod's address over plain HTTP with no credentials.

Who may call them (every route declares its callers; tests/ops/test_probes.py holds them to it):"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import time
from functools import cache

from django.conf import settings
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

ANYONE = "anyone"  # no credential, no role: the answer reveals nothing about any merchant
SCRAPER = "scraper"  # a Prometheus server: from METRICS_ALLOWED_CIDRS, not through a proxy, or the bearer token

ROUTE_CALLERS = {"healthz": ANYONE, "readyz": ANYONE, "metrics": SCRAPER}


def healthz(request) -> HttpResponse:
    """Liveness: the process answers. No dependency is asked, so an outage of the database never restarts every
    web pod at once (readiness takes them out of the load balancer instead)."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> HttpResponse:
    """Readiness: database, broker and storage answer and every migration is applied; else 503 naming what
    failed (the reason goes to the log, not to an unauthenticated caller)."""
    checks, failed = {}, []
    for name, check in READINESS_CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:
            logger.warning("readiness: %s failed after %.2f s: %s", name, time.monotonic() - started, exc)
            checks[name] = f"failed: {type(exc).__name__}"
            failed.append(name)
        else:
            checks[name] = "ok"
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})


def _database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    from shop_video.celery import app

    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0)


class StorageUnreachable(Exception):
    pass


def _storage() -> None:
    """The public and the private storage answer a lookup (a HEAD on S3, a stat on a disk); a local folder that
    exists must also be writable (a missing one is made at the first save)."""
    import os

    from django.core.files.storage import FileSystemStorage, storages

    for alias in ("default", "private"):
        storage = storages[alias]
        storage.exists("readyz-probe")
        if isinstance(storage, FileSystemStorage):
            location = storage.location
            if os.path.exists(location) and not os.access(location, os.W_OK):
                raise StorageUnreachable(f"the {alias} storage's folder {location} is not writable")


class MigrationsPending(Exception):
    pass


_migrations_applied = False


def _migrations() -> None:
    """Every migration of this code is applied. Loading the migration graph costs a fraction of a second, so once
    it is complete it is not read again by this process (migrations are never unapplied under a running release)."""
    global _migrations_applied
    if _migrations_applied:
        return
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise MigrationsPending(f"{len(plan)} migration(s) not applied, e.g. {plan[0][0]}; run manage.py migrate")
    _migrations_applied = True


READINESS_CHECKS = {"database": _database, "migrations": _migrations, "broker": _broker, "storage": _storage}


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def metrics_caller_allowed(request) -> bool:
    """The bearer token (METRICS_BEARER_TOKEN), or a direct connection from METRICS_ALLOWED_CIDRS. A request that
    came through a proxy (X-Forwarded-For, Forwarded) is judged by the token only: behind an ingress every
    visitor's connection comes from the ingress's private address."""
    token = settings.METRICS_BEARER_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        if given.startswith("Bearer ") and secrets.compare_digest(given[7:].encode(), token.encode()):
            return True
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_CIDRS)))


def metrics(request) -> HttpResponse:
    if not metrics_caller_allowed(request):
        return HttpResponse(
            "metrics are for Prometheus: call from METRICS_ALLOWED_CIDRS or with METRICS_BEARER_TOKEN\n",
            status=403,
            content_type="text/plain",
        )
    from shop_video.ops.metrics import web_exposition

    body, content_type = web_exposition()
    return HttpResponse(body, content_type=content_type)


PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}
