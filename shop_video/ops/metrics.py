"""The project's own Prometheus metrics. The names are a contract: deploy/monitoring's dashboard and alerts use
them (docs/operations.md lists them).

Counters and the histogram move where the work happens (a worker's pool child, or the web process); in a process
with PROMETHEUS_MULTIPROC_DIR set (every Celery worker, and gunicorn when configured) they are written to files
that the process serving the scrape reads back. Queue depth and shots by state are computed at scrape time by
collectors, on the web's /metrics only (one broker and one database answer for the whole fleet).
"""

from __future__ import annotations

import logging
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

disable_created_metrics()  # the *_created series double every counter and no dashboard or alert reads them

# A 5-second motion shot takes seconds; a DiT shot minutes; the hard limit is an hour.
SHOT_SECONDS_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)

SHOT_SECONDS = Histogram(
    "shop_video_shot_seconds",
    "Seconds from a shot's claim to its clip, per engine and model family (observed when a shot succeeds).",
    ["engine", "family"],
    buckets=SHOT_SECONDS_BUCKETS,
)
RENDERS = Counter("shop_video_renders", "Render jobs finished, by outcome (succeeded, failed).", ["outcome"])
IMPORT_ROWS = Counter(
    "shop_video_import_rows", "Catalog import products, by outcome (created, updated, unchanged, failed).", ["outcome"]
)
WEBHOOK_DELIVERIES = Counter(
    "shop_video_webhook_deliveries", "Webhook delivery attempts, by outcome (succeeded, failed).", ["outcome"]
)
GPU_MEMORY = Gauge(
    "shop_video_gpu_memory_bytes",
    "GPU memory in use on the device (all processes), sampled by a GPU worker.",
    ["device"],
    multiprocess_mode="livemax",
)
GPU_UTILIZATION = Gauge(
    "shop_video_gpu_utilization_ratio",
    "GPU busy fraction (0..1) over the driver's last sample period, sampled by a GPU worker.",
    ["device"],
    multiprocess_mode="livemax",
)
# Workers only (their multiprocess files; no registry): a web process runs no task, and a 0 from it would read as a
# worker stalled since 1970.
WORKER_LAST_TASK = Gauge(
    "shop_video_worker_last_task_timestamp_seconds",
    "Unix time at which this worker last finished a task (its start, before the first).",
    multiprocess_mode="max",
    registry=None,
)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def process_registry() -> CollectorRegistry:
    """What this process (or, in multiprocess mode, its whole family of processes) has counted."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


class QueueDepthCollector:
    """shop_video_queue_depth{queue}: messages waiting in each queue of shop_video/queues.py, asked of the broker
    at scrape time (Redis: the list lengths; the filesystem broker: its message files; RabbitMQ: a passive
    declare). A broker that cannot be reached gives no samples (and a warning), never a failed scrape."""

    def collect(self):
        family = GaugeMetricFamily("shop_video_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"])
        try:
            depths = queue_depths()
        except Exception as exc:  # the scrape must answer: the broker's own health is /readyz's business
            logger.warning("queue depth not measured: the broker did not answer (%s)", exc)
            depths = {}
        for queue, depth in depths.items():
            family.add_metric([queue], depth)
        yield family


def queue_depths() -> dict[str, int]:
    from shop_video import queues
    from shop_video.celery import app

    depths = {}
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0)
        for queue in queues.names():
            channel = connection.channel()
            try:
                depths[queue] = channel.queue_declare(queue=queue, passive=True).message_count
            except connection.channel_errors:
                depths[queue] = 0  # never declared, or empty (Redis drops an empty list): nothing waits
            finally:
                try:
                    channel.close()
                except Exception:  # a channel the broker already closed (AMQP's 404) needs no closing
                    pass
    return depths


class ShotStateCollector:
    """shop_video_shots{state}: shots in each state, one GROUP BY at scrape time (every state, zeros included)."""

    def collect(self):
        from django.db.models import Count

        from generation.models import JobStatus, Shot

        family = GaugeMetricFamily("shop_video_shots", "Shots in each state.", labels=["state"])
        counts = dict.fromkeys(JobStatus.values, 0)
        try:
            rows = Shot.objects.order_by().values_list("status").annotate(n=Count("pk"))
            counts.update(dict(rows))
        except Exception as exc:  # the database's health is /readyz's business; the scrape still answers
            logger.warning("shots by state not measured: the database did not answer (%s)", exc)
            return
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family


SCRAPE_TIME = CollectorRegistry(auto_describe=False)
SCRAPE_TIME.register(QueueDepthCollector())
SCRAPE_TIME.register(ShotStateCollector())


def web_exposition() -> tuple[bytes, str]:
    """The web's /metrics: requests and database (django-prometheus), what this process family counted, and the
    fleet-wide gauges computed now."""
    return generate_latest(process_registry()) + generate_latest(SCRAPE_TIME), CONTENT_TYPE_LATEST
