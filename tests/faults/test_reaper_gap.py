"""The reaper gap: a message lost between the broker and the claim, while its shot is still queued.

The filesystem broker deletes a message when a worker reads it, and Redis keeps an unacknowledged one hidden for
its visibility timeout (over an hour); a worker killed after the read and before the claim leaves a queued shot
that nothing will ever run. The reaper now sends such a shot again once its message is a lease old and its queue
shows no life. The last test reproduces the gap with a real worker that dies right before its first claim.

The last test's worker runs with `-A tests.faults.die_before_claim`, which kills it once, right before the claim.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from generation.models import JobStatus, RenderJob, Shot
from generation.services.job_states import render_jobs_reap_stale
from tests.e2e.worker import celery_worker, queues_purge, wait_for
from tests.faults.jobs import jobs_assert_exactly_once, jobs_drive, jobs_submit, worker_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _message_sent_ago(shot_ids, seconds: float) -> None:
    """As if the shots' messages were sent `seconds` ago and nothing has claimed them since."""
    Shot.objects.filter(pk__in=shot_ids).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_a_queued_shot_whose_message_was_lost_is_sent_again_once_per_lease(tiny_shop, sent_tasks):
    [job_id] = jobs_submit(tiny_shop, 1)
    shot, sent_at_creation = Shot.objects.get(job_id=job_id), len(sent_tasks["shots"])
    assert render_jobs_reap_stale() == {"requeued": 0, "failed": 0}  # a fresh message: waiting its turn
    _message_sent_ago([shot.pk], 60)
    assert render_jobs_reap_stale() == {"requeued": 1, "failed": 0}
    assert sent_tasks["shots"][sent_at_creation:] == [([shot.pk], "cpu")]
    shot.refresh_from_db()
    assert shot.status == JobStatus.QUEUED and shot.attempts == 0
    assert render_jobs_reap_stale() == {"requeued": 0, "failed": 0}  # its lease starts again with the resend


def test_a_first_message_counts_from_the_jobs_creation(tiny_shop, sent_tasks):
    [job_id] = jobs_submit(tiny_shop, 1)
    RenderJob.objects.filter(pk=job_id).update(created_at=timezone.now() - timedelta(minutes=5))
    assert render_jobs_reap_stale() == {"requeued": 1, "failed": 0}


def test_queued_shots_of_a_busy_queue_are_waiting_their_turn_not_lost(tiny_shop, sent_tasks):
    waiting, running = jobs_submit(tiny_shop, 2)
    sent_at_creation = len(sent_tasks["shots"])
    _message_sent_ago(Shot.objects.filter(job_id=waiting).values_list("pk", flat=True), 60)
    Shot.objects.filter(job_id=running).update(
        status=JobStatus.RUNNING, attempts=1, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert render_jobs_reap_stale() == {"requeued": 0, "failed": 0}
    assert len(sent_tasks["shots"]) == sent_at_creation


def test_a_resend_that_cannot_reach_the_broker_leaves_the_shot_queued_for_the_next_round(tiny_shop, monkeypatch):
    from generation import tasks

    def unreachable(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    [job_id] = jobs_submit(tiny_shop, 1)
    shot = Shot.objects.get(job_id=job_id)
    _message_sent_ago([shot.pk], 60)
    monkeypatch.setattr(tasks.shot_render, "apply_async", unreachable)
    render_jobs_reap_stale()
    job = RenderJob.objects.get(pk=job_id)
    assert job.status == JobStatus.QUEUED and not job.error  # a broker restart never fails a job
    assert Shot.objects.get(pk=shot.pk).status == JobStatus.QUEUED


def test_a_worker_killed_between_the_broker_read_and_the_claim_loses_nothing(tiny_shop, configured_broker, tmp_path):
    queues_purge()
    log_path = tmp_path / "worker.log"
    marker = tmp_path / "died-before-claim"
    with celery_worker(
        log_path, env=worker_env(FAULTS_DIE_BEFORE_CLAIM=str(marker)), app="tests.faults.die_before_claim"
    ) as doomed:
        [job_id] = jobs_submit(tiny_shop, 1)
        wait_for(lambda: doomed.poll() is not None, timeout=60, what="the worker to die", log_path=log_path)
    assert marker.exists()
    shot = Shot.objects.get(job_id=job_id)
    assert (shot.status, shot.attempts) == (JobStatus.QUEUED, 0)  # taken off the broker, never claimed
    with celery_worker(log_path, env=worker_env()):
        jobs_drive([job_id], timeout=60, log_path=log_path)
    jobs_assert_exactly_once([job_id])
    assert Shot.objects.get(job_id=job_id).attempts == 1
