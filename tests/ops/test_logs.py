"""Structured logs: every line logged while a task runs carries its render job and merchant (bound at task_prerun),
every line logged while a request is handled carries its request id and merchant; JSON or console."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from generation.models import JobStatus
from generation.services.render_jobs import render_job_create
from generation.tasks import shot_render
from shop_video.ops.log_config import formatter, logging_config
from shop_video.ops.middleware import ProbeMiddleware


@pytest.fixture
def json_lines():
    """Everything logged, rendered by the JSON formatter the deployments use."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(log_format="json"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level, root.level = root.level, logging.INFO
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.level = old_level


@pytest.mark.django_db
def test_every_line_a_task_logs_carries_its_job_and_merchant(
    merchant, product_with_photos, builtin_templates, settings, sent_tasks, json_lines
):
    settings.SHOT_ENGINES = {
        **settings.SHOT_ENGINES,
        "logging": {"class": "tests.ops.engines.LoggingEngine", "queue": "cpu"},
    }
    job = render_job_create(
        merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64, engine="logging"
    )
    shot = job.shots.get()
    logging.getLogger("before").info("not in a task")
    shot_render.apply(args=(shot.pk,))
    logging.getLogger("after").info("no longer in the task")
    shot.refresh_from_db()
    assert shot.status == JobStatus.SUCCEEDED

    lines = json_lines()
    during = [line for line in lines if line["logger"] not in ("before", "after")]
    assert any(line["event"] == "a warning from inside the engine" for line in during), lines
    for line in during:
        assert line["job_id"] == job.pk and line["merchant"] == "acme", line
        assert line["task"] == "generation.tasks.shot_render" and line["task_id"]
        assert line["level"] and line["timestamp"].endswith("Z")
    outside = [line for line in lines if line["logger"] in ("before", "after")]
    assert len(outside) == 2 and not any("job_id" in line or "merchant" in line for line in outside)


def test_a_request_s_lines_carry_its_request_id_and_merchant(json_lines):
    class Acme:
        slug = "acme"

    def view(request):
        request.merchant = Acme()  # what member_view and the API permissions do once the credential is checked
        logging.getLogger("view").warning("inside the view")
        return HttpResponse("ok")

    request = RequestFactory().get("/app/catalog", HTTP_X_REQUEST_ID="req-123")
    ProbeMiddleware(view)(request)
    logging.getLogger("view").warning("after the request")
    inside, after = json_lines()
    assert (inside["request_id"], inside["merchant"], inside["event"]) == ("req-123", "acme", "inside the view")
    assert "request_id" not in after and "merchant" not in after


def test_a_hostile_request_id_is_replaced(json_lines):
    def view(request):
        logging.getLogger("view").warning("inside")
        return HttpResponse("ok")

    ProbeMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID='x"\n{"merchant": "evil"}'))
    (line,) = json_lines()
    assert len(line["request_id"]) == 32 and "merchant" not in line


def test_console_lines_carry_the_context_too():
    import structlog

    record = logging.LogRecord("shop", logging.INFO, __file__, 1, "shot %s done", (3,), None)
    structlog.contextvars.bind_contextvars(job_id=7, merchant="acme")
    try:
        text = formatter(log_format="console").format(record)
    finally:
        structlog.contextvars.clear_contextvars()
    assert "shot 3 done" in text and "job_id=7" in text and "merchant=acme" in text


def test_log_format_is_checked():
    assert logging_config(log_format="json", level="INFO")["formatters"]["structured"]["log_format"] == "json"
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT='xml': use one of console, json"):
        logging_config(log_format="xml", level="INFO")
