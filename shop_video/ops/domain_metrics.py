"""The project's counters moved from what the apps already announce or record, so generation, catalog and the
webhooks never import the metrics: a render's end (generation.signals.render_job_finished), a webhook attempt
saved, and, after a shot or an import task, what its row says it did (task_observe, from the worker's task_postrun).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger(__name__)

SHOT_TASK = "generation.tasks.shot_render"
IMPORT_TASK = "catalog.tasks.catalog_import_process"
IMPORT_OUTCOMES = {"created": "created_count", "updated": "updated_count", "unchanged": "unchanged_count"}


def connect() -> None:
    from generation.signals import render_job_finished
    from shop_video.webhooks.models import WebhookAttempt

    render_job_finished.connect(_render_finished, dispatch_uid="ops_render_finished")
    post_save.connect(_webhook_attempt_saved, sender=WebhookAttempt, dispatch_uid="ops_webhook_attempt")


def _render_finished(sender, *, job_id: int, event: str, **kwargs) -> None:
    from shop_video.ops.metrics import RENDERS

    outcome = event.removeprefix("render.")  # render.succeeded / render.failed
    # Counted when the state it reports is committed (a failure is emitted inside the job's transaction).
    transaction.on_commit(lambda: RENDERS.labels(outcome=outcome).inc())


def _webhook_attempt_saved(sender, *, instance, created: bool, **kwargs) -> None:
    from shop_video.ops.metrics import WEBHOOK_DELIVERIES

    if created:
        outcome = "succeeded" if instance.succeeded else "failed"
        transaction.on_commit(lambda: WEBHOOK_DELIVERIES.labels(outcome=outcome).inc())


def task_observe(*, task_name: str, args: tuple, started: datetime) -> None:
    """After a task: record what it did, read from its row (one indexed query, only for the two tasks that
    matter). `started`: when the task began, so a duplicate delivery that did nothing records nothing."""
    if not args:
        return
    if task_name == SHOT_TASK:
        _shot_observe(shot_id=args[0], started=started)
    elif task_name == IMPORT_TASK:
        _import_observe(import_id=args[0], started=started)


def _shot_observe(*, shot_id: int, started: datetime) -> None:
    from generation.models import JobStatus, Shot
    from shop_video.ops.metrics import SHOT_SECONDS

    row = (
        Shot.objects.filter(pk=shot_id, status=JobStatus.SUCCEEDED, started_at__gte=started)
        .values_list("engine", "parameters", "started_at", "finished_at")
        .first()
    )
    if row is None or row[3] is None:
        return
    engine, parameters, began, finished = row
    family = (parameters or {}).get("family") or "none"
    SHOT_SECONDS.labels(engine=engine, family=family).observe((finished - began).total_seconds())


def _import_observe(*, import_id: int, started: datetime) -> None:
    from catalog.models import CatalogImport
    from shop_video.ops.metrics import IMPORT_ROWS

    record = (
        CatalogImport.objects.filter(pk=import_id, started_at__gte=started, finished_at__isnull=False)
        .only(*IMPORT_OUTCOMES.values(), "failed_count")
        .first()
    )
    if record is None:
        return
    for outcome, field in IMPORT_OUTCOMES.items():
        IMPORT_ROWS.labels(outcome=outcome).inc(getattr(record, field))
    IMPORT_ROWS.labels(outcome="failed").inc(record.failed_count)
