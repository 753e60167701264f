"""Per-request cost of the request metrics and the log context: the middleware this project runs
(shop_video.ops.middleware: ProbeMiddleware + RequestMetricsMiddleware) against django-prometheus's own
Before/After pair, each around the same trivial view, with no middleware as the baseline, in one process.

Prints microseconds per request added over the bare view. Ratio = ours / django-prometheus's added cost (lower
is better). Usage: python bench/request_metrics.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")

import django  # noqa: E402

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware  # noqa: E402

from shop_video.ops.middleware import ProbeMiddleware, RequestMetricsMiddleware  # noqa: E402


def view(request):
    request.resolver_match = MATCH  # what Django's handler sets before the view
    return HttpResponse(b'{"videos": []}', content_type="application/json")


MATCH = resolve("/accounts/login/")


def django_prometheus_chain(request):
    """Before -> After -> view, the way Django's handler calls old-style middleware hooks."""
    before.process_request(request)
    after.process_request(request)
    after.process_view(request, view)
    response = view(request)
    response = after.process_response(request, response)
    return before.process_response(request, response)


before = PrometheusBeforeMiddleware(view)
after = PrometheusAfterMiddleware(view)
ours = ProbeMiddleware(RequestMetricsMiddleware(view))


def per_request_us(handler, requests) -> float:
    start = time.perf_counter()
    for request in requests:
        handler(request)
    return (time.perf_counter() - start) / len(requests) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    n = 20_000 if parser.parse_args().quick else 200_000
    factory = RequestFactory()
    requests = [factory.get("/api/v1/products/MUG-1/videos") for _ in range(1000)]
    batch = requests * (n // len(requests))
    results = {}
    for name, handler in (("bare view", view), ("django-prometheus pair", django_prometheus_chain), ("ours", ours)):
        per_request_us(handler, requests)  # warm
        results[name] = min(per_request_us(handler, batch) for _ in range(3))
    base = results["bare view"]
    print(f"{'handler':<26} {'us/request':>11} {'added us':>9}")
    for name, value in results.items():
        print(f"{name:<26} {value:>11.2f} {value - base:>9.2f}")
    theirs, mine = results["django-prometheus pair"] - base, results["ours"] - base
    print(f"request_metrics ratio={mine / theirs:.2f} ours_added_us={mine:.2f} django_prometheus_added_us={theirs:.2f}")


if __name__ == "__main__":
    main()
