"""When a stopping worker keeps a shot and when it hands it back (shop_video/ops/shutdown.py), and what handing
back does to the row and the queue; the real SIGTERM is in test_worker_shutdown.py."""

from __future__ import annotations

import pytest

from generation.engines.base import ShotCancelled
from generation.models import JobStatus, Shot
from generation.services.render_jobs import render_job_create
from generation.shot_runner import shot_claim
from shop_video.ops import shutdown

GRACE = 60.0  # margin: 10 s


@pytest.fixture
def stopping(settings, monkeypatch):
    """A worker that received SIGTERM at t=1000 with a 60 s grace: deadline 1060, hand-back margin 10 s."""
    import multiprocessing

    settings.WORKER_SHUTDOWN_GRACE_SECONDS = GRACE
    monkeypatch.setattr(shutdown, "_deadline", multiprocessing.RawValue("d", 1000.0 + GRACE))


def test_a_running_worker_never_hands_back(monkeypatch):
    monkeypatch.setattr(shutdown, "_deadline", None)
    shutdown.prepare()
    assert shutdown.deadline() is None
    assert not shutdown.shot_should_hand_back(elapsed=500, done=1, total=100, now=1000.0)


@pytest.mark.parametrize(
    ("elapsed", "done", "total", "now", "hand_back"),
    [
        (40.0, 80, 100, 1005.0, False),  # 10 s more at its pace, 45 s left: finish it
        (40.0, 20, 100, 1005.0, True),  # 160 s more: will not make it
        (40.0, 0, 100, 1005.0, False),  # no pace yet: wait for one
        (40.0, 0, 100, 1050.0, True),  # the margin is reached: hand back whatever the pace
        (2.0, 1, 100, 1003.0, True),  # claimed after the stop began: pass it on at once
    ],
)
def test_a_stopping_worker_keeps_a_shot_only_if_its_pace_finishes_it_in_time(
    stopping, elapsed, done, total, now, hand_back
):
    assert shutdown.shot_should_hand_back(elapsed=elapsed, done=done, total=total, now=now) is hand_back


@pytest.mark.django_db
def test_handing_back_requeues_the_shot_without_counting_the_attempt_and_sends_it_again(
    merchant, product_with_photos, builtin_templates, sent_tasks, stopping, django_capture_on_commit_callbacks
):
    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64)
    shot = job.shots.first()
    assert shot_claim(shot_id=shot.pk)
    shot.refresh_from_db()
    sent_tasks["shots"].clear()
    shutdown._deadline.value = 1.0  # long past: hand back now
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ShotCancelled, match="handed back"):
        shutdown.on_shot_heartbeat(shot=shot, done=1, total=10)
    shot.refresh_from_db()
    assert (shot.status, shot.attempts, shot.progress) == (JobStatus.QUEUED, 0, 0)
    assert sent_tasks["shots"] == [([shot.pk], "cpu")]
    # A second hand-back of the same attempt (a stale worker) changes nothing
    assert not shutdown.shot_hand_back(shot=Shot(pk=shot.pk, attempts=1))


@pytest.mark.django_db
def test_a_stopping_worker_passes_a_new_shot_on_without_claiming_it(
    merchant, product_with_photos, builtin_templates, sent_tasks, stopping
):
    from generation.shot_runner import shot_run

    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64)
    shot = job.shots.first()
    sent_tasks["shots"].clear()
    shot_run(shot_id=shot.pk)
    shot.refresh_from_db()
    assert (shot.status, shot.attempts) == (JobStatus.QUEUED, 0)
    assert sent_tasks["shots"] == [([shot.pk], "cpu")]


@pytest.mark.django_db
def test_at_the_cut_off_the_main_process_hands_back_the_shots_its_children_still_run(
    merchant, product_with_photos, builtin_templates, sent_tasks, django_capture_on_commit_callbacks
):
    from types import SimpleNamespace

    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    running, waiting = job.shots.all()[:2]
    assert shot_claim(shot_id=running.pk)
    sent_tasks["shots"].clear()
    in_hand = [
        SimpleNamespace(task_name="generation.tasks.shot_render", args=[running.pk]),  # Celery's active requests
        SimpleNamespace(task_name="generation.tasks.shot_render", args=[waiting.pk]),  # not claimed: left alone
        SimpleNamespace(task_name="generation.tasks.render_job_assemble", args=[job.pk]),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert shutdown.shots_in_hand_back(requests=in_hand) == 1
    running.refresh_from_db()
    assert (running.status, running.attempts) == (JobStatus.QUEUED, 0)
    assert sent_tasks["shots"] == [([running.pk], "cpu")]
    # The child, still running, can no longer record anything: its heartbeat names the old attempt
    assert not Shot.objects.filter(pk=running.pk, status=JobStatus.RUNNING, attempts=1).update(progress=50)
