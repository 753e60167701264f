"""The production web server: `gunicorn -c deploy/gunicorn.conf.py shop_video.wsgi:application`.

Measured on the 2-core box (docs/benchmarks.md, "Storefront read path"): sync workers, one per core plus one,
serve the embed fastest; WEB_CONCURRENCY and GUNICORN_WORKER_CLASS override. Behind a reverse proxy that keeps
client connections open (nginx, a load balancer), sync workers are the usual choice: a slow client never holds a
worker, the proxy buffers it.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = 60
graceful_timeout = 30
keepalive = 5  # only used by gthread workers
# Settings and code are loaded once in the master, then forked: faster starts, shared memory pages.
preload_app = True
accesslog = None  # the proxy logs requests; a log line per request costs the workers a large share at this rate
loglevel = "warning"


def when_ready(server):
    """Import every view once in the master (preloaded), so forked workers answer their first request at full
    speed instead of each paying for the URLconf's imports."""
    from django.apps import apps
    from django.urls import get_resolver

    if not apps.ready:  # not a Django application (bench/embed_constant.py)
        return
    server.log.debug("%d URL patterns loaded before forking", len(get_resolver().url_patterns))
