"""Sending generation work: every shot on its engine's queue, the assembly on the render queue, and a broker that
cannot be reached fails a new job with the reason (shop_video/queues.py) instead of leaving it queued for ever, or
leaves work its rows already record as due (an assembly) to the reaper."""

import pytest
from kombu.exceptions import OperationalError

from generation import tasks

# The real functions: the sent_tasks fixture replaces the module's attributes, not these names.
from generation.dispatch import assembly_send, shots_send
from generation.models import JobStatus
from generation.services.render_jobs import render_job_create

pytestmark = pytest.mark.django_db

UNREACHABLE = "the task queue could not be reached ([Errno 111] Connection refused); check CELERY_BROKER_URL"


@pytest.fixture
def job(merchant, product_with_photos, builtin_templates, sent_tasks):
    return render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=180)


def _broker_down(*args, **kwargs):
    raise OperationalError("[Errno 111] Connection refused")


def _recorder(monkeypatch, task):
    calls = []
    monkeypatch.setattr(task, "apply_async", lambda args, queue, countdown=None: calls.append((args, queue)))
    return calls


def test_each_shot_goes_to_the_queue_it_is_given_and_the_assembly_to_render(job, monkeypatch):
    shots, assembly = _recorder(monkeypatch, tasks.shot_render), _recorder(monkeypatch, tasks.render_job_assemble)
    shot_ids = list(job.shots.values_list("pk", flat=True))
    shots_send(shot_ids=shot_ids, queue="gpu.wan")
    assembly_send(job_id=job.pk)
    assert shots == [((shot_id,), "gpu.wan") for shot_id in shot_ids] and assembly == [((job.pk,), "render")]


def test_shots_that_cannot_be_sent_fail_their_job_with_the_reason(job, monkeypatch):
    monkeypatch.setattr(tasks.shot_render, "apply_async", _broker_down)
    shots_send(shot_ids=list(job.shots.values_list("pk", flat=True)), queue="cpu")
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, UNREACHABLE)
    assert set(job.shots.values_list("status", flat=True)) == {JobStatus.CANCELLED}


def test_an_assembly_that_cannot_be_sent_stays_due_for_the_reaper(job, monkeypatch):
    # The job records its assembly as due (assembly_queued_at), so a broker restart must not fail it: the reaper
    # sends the assembly again a lease later (tests/faults/test_service_restarts.py restarts the brokers).
    monkeypatch.setattr(tasks.render_job_assemble, "apply_async", _broker_down)
    assembly_send(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.QUEUED, "")
