"""Middleware of the ops package; settings.py puts ProbeMiddleware first, RequestMetricsMiddleware second."""

from __future__ import annotations

from time import perf_counter

from shop_video.ops.log_context import current_request
from shop_video.ops.probes import PROBES

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ProbeMiddleware:
    """Answers the probes (shop_video/ops/probes.py) before any other middleware, and makes the request the log
    context of everything else (log_context.add_context reads it only when a line is logged)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


class RequestMetricsMiddleware:
    """django-prometheus's request metrics, only the two a dashboard reads: latency by view and method, responses by
    status, view and method (its own pair of middlewares makes about a dozen updates per request; the storefront
    read path is meant to serve thousands a second). Same metric names, so its dashboards work."""

    def __init__(self, get_response):
        from django_prometheus.middleware import Metrics

        self.get_response = get_response
        metrics = Metrics.get_instance()
        self.latency = metrics.requests_latency_by_view_method
        self.responses = metrics.responses_by_status_view_method

    def __call__(self, request):
        started = perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match is not None else None) or "<unnamed view>"
        method = request.method if request.method in _METHODS else "<invalid method>"
        self.latency.labels(view=view, method=method).observe(perf_counter() - started)
        self.responses.labels(status=str(response.status_code), view=view, method=method).inc()
        return response
