"""The project's metrics: names and labels as docs/operations.md and deploy/monitoring use them, moved by the real
services (a render's end, a webhook attempt, a finished shot or import task), queue depth from the real broker."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from generation.models import JobStatus, Shot
from generation.services.job_states import render_job_fail
from generation.services.render_jobs import render_job_create
from shop_video.ops import domain_metrics, gpu
from shop_video.ops.metrics import web_exposition

EXACT_NAMES = {
    "shop_video_queue_depth": ("gauge", {"queue"}),
    "shop_video_shots": ("gauge", {"state"}),
    "shop_video_shot_seconds": ("histogram", {"engine", "family"}),
    "shop_video_renders": ("counter", {"outcome"}),
    "shop_video_import_rows": ("counter", {"outcome"}),
    "shop_video_webhook_deliveries": ("counter", {"outcome"}),
    "shop_video_gpu_memory_bytes": ("gauge", {"device"}),
    "shop_video_gpu_utilization_ratio": ("gauge", {"device"}),
}
WORKER_ONLY = "shop_video_worker_last_task_timestamp_seconds"  # served by each worker (test_worker_shutdown.py)


def scrape() -> dict[str, float]:
    """Every sample of the web's /metrics as 'name{label="value",...}' -> value."""
    samples = {}
    for family in text_string_to_metric_families(web_exposition()[0].decode()):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_the_metric_names_types_and_labels_are_the_documented_ones(db):
    families = {family.name: family for family in text_string_to_metric_families(web_exposition()[0].decode())}
    for name, (kind, labels) in EXACT_NAMES.items():
        assert families[name].type == kind, name
        for sample in families[name].samples:
            assert set(sample.labels) - {"le"} == labels, (name, sample)
    assert {"shop_video_queue_depth", "shop_video_shots"} <= set(families)
    assert WORKER_ONLY not in families  # a web process runs no task: its 0 would read as a stalled worker


@pytest.mark.django_db
def test_renders_are_counted_by_outcome_when_the_job_s_state_commits(
    merchant, product_with_photos, builtin_templates, sent_tasks, django_capture_on_commit_callbacks
):
    before = scrape().get('shop_video_renders_total{outcome="failed"}', 0)
    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64)
    with django_capture_on_commit_callbacks(execute=False) as uncommitted:
        assert render_job_fail(job_id=job.pk, reason="test")
    assert scrape().get('shop_video_renders_total{outcome="failed"}', 0) == before  # not before it commits
    with django_capture_on_commit_callbacks(execute=True):
        for callback in uncommitted:
            callback()
        assert not render_job_fail(job_id=job.pk, reason="again")  # a job ends once, and is counted once
    assert scrape()['shop_video_renders_total{outcome="failed"}'] == before + 1


@pytest.mark.django_db
def test_shots_by_state_come_from_the_database_at_scrape_time(
    merchant, product_with_photos, builtin_templates, sent_tasks
):
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    total = job.shots.count()
    Shot.objects.filter(pk=job.shots.first().pk).update(status=JobStatus.RUNNING)
    samples = scrape()
    assert samples['shop_video_shots{state="queued"}'] == total - 1
    assert samples['shop_video_shots{state="running"}'] == 1
    assert samples['shop_video_shots{state="failed"}'] == 0


@pytest.mark.django_db
def test_a_finished_shot_task_observes_its_seconds_by_engine_and_family(
    merchant, product_with_photos, builtin_templates, sent_tasks
):
    from datetime import timedelta

    from django.utils import timezone

    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64)
    shot = job.shots.first()
    task_started = timezone.now()
    Shot.objects.filter(pk=shot.pk).update(
        status=JobStatus.SUCCEEDED, started_at=task_started, finished_at=task_started + timedelta(seconds=4)
    )
    key = 'shop_video_shot_seconds_count{engine="motion",family="none"}'
    before = scrape().get(key, 0)
    domain_metrics.task_observe(task_name=domain_metrics.SHOT_TASK, args=(shot.pk,), started=task_started)
    # A duplicate delivery that began after the shot was claimed by someone else records nothing
    later = task_started + timedelta(seconds=1)
    domain_metrics.task_observe(task_name=domain_metrics.SHOT_TASK, args=(shot.pk,), started=later)
    samples = scrape()
    assert samples[key] == before + 1
    assert samples['shop_video_shot_seconds_bucket{engine="motion",family="none",le="5.0"}'] >= 1


@pytest.mark.django_db
def test_import_rows_are_counted_by_outcome_after_the_import_task(merchant):
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import CatalogImport

    started = timezone.now()
    record = CatalogImport.objects.create(
        merchant=merchant,
        status=CatalogImport.Status.SUCCEEDED,
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        created_count=5,
        updated_count=2,
        unchanged_count=9,
        failed_count=1,
    )
    before = scrape()
    domain_metrics.task_observe(task_name=domain_metrics.IMPORT_TASK, args=(record.pk,), started=started)
    after = scrape()
    for outcome, count in {"created": 5, "updated": 2, "unchanged": 9, "failed": 1}.items():
        key = f'shop_video_import_rows_total{{outcome="{outcome}"}}'
        assert after[key] == before.get(key, 0) + count


@pytest.mark.django_db
def test_webhook_attempts_are_counted_by_outcome(merchant, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from shop_video.webhooks.models import WebhookAttempt, WebhookDelivery

    delivery = WebhookDelivery.objects.create(
        merchant=merchant, url="https://hooks.example.com/x", event="render.succeeded", body="{}", message_id="msg_1"
    )
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        for number, code in enumerate((503, 200), start=1):
            WebhookAttempt.objects.create(
                delivery=delivery, number=number, url=delivery.url, at=timezone.now(), response_code=code
            )
    after = scrape()
    for outcome in ("failed", "succeeded"):
        key = f'shop_video_webhook_deliveries_total{{outcome="{outcome}"}}'
        assert after[key] == before.get(key, 0) + 1


def test_queue_depth_shows_tasks_waiting_in_the_real_broker(db):
    from tests.e2e.conftest import _broker_reachable
    from tests.e2e.worker import queues_purge

    if problem := _broker_reachable():
        pytest.skip(problem)
    from shop_video.celery import app

    queues_purge()
    try:
        for _ in range(3):
            app.send_task("tests.ops.nothing", queue="render")
        app.send_task("tests.ops.nothing", queue="gpu.wan")
        response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
        samples = {
            f"{s.name}{s.labels}": s.value
            for family in text_string_to_metric_families(response.content.decode())
            for s in family.samples
        }
    finally:
        queues_purge()
    assert samples["shop_video_queue_depth{'queue': 'render'}"] == 3
    assert samples["shop_video_queue_depth{'queue': 'gpu.wan'}"] == 1
    assert samples["shop_video_queue_depth{'queue': 'cpu'}"] == 0


def test_gpu_memory_and_utilisation_per_device():
    class FakeCuda:
        """What torch.cuda answers on a two-GPU machine (no GPU here; the lent GPU machine runs the real one)."""

        @staticmethod
        def device_count():
            return 2

        @staticmethod
        def mem_get_info(index):
            return (70 * 2**30, 80 * 2**30) if index == 0 else (80 * 2**30, 80 * 2**30)

        @staticmethod
        def utilization(index):
            return 87 if index == 0 else 0

    class FakeTorch:
        cuda = FakeCuda

    gpu.gpu_sample(FakeTorch)
    samples = scrape()
    assert samples['shop_video_gpu_memory_bytes{device="0"}'] == 10 * 2**30
    assert samples['shop_video_gpu_memory_bytes{device="1"}'] == 0
    assert samples['shop_video_gpu_utilization_ratio{device="0"}'] == pytest.approx(0.87)


def test_no_gpu_sampler_where_torch_was_never_loaded(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(gpu, "_started", False)
    assert gpu.sampler_start_if_gpu() is False
    assert "torch" not in sys.modules
