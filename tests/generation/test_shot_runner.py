import re
from datetime import timedelta

import pytest
from django.utils import timezone

from generation.engines import registry
from generation.models import JobStatus, RenderJob, Shot
from generation.services.job_states import render_job_cancel, render_jobs_reap_stale
from generation.services.render_jobs import render_job_create
from generation.shot_runner import shot_run
from shop_video.media import private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_engines(settings):
    settings.SHOT_ENGINES = {
        **settings.SHOT_ENGINES,
        "failing": {"class": "tests.engines.FailingEngine", "queue": "cpu"},
        "hanging": {"class": "tests.engines.HangingEngine", "queue": "cpu"},
    }
    registry.engine_get.cache_clear()
    yield
    registry.engine_get.cache_clear()


def _job(merchant, engine="motion"):
    return render_job_create(
        merchant=merchant,
        template_slug="product-showcase",
        sku="MUG-1",
        aspect_ratios=["1:1"],
        short_side=64,
        engine=engine,
    )


def test_shots_render_clips_and_the_last_one_sends_the_assembly_once(
    merchant, product_with_photos, builtin_templates, sent_tasks, django_capture_on_commit_callbacks
):
    job = _job(merchant)
    first, *middle, second = job.shots.order_by("position")  # two photos, and a detail shot of the first
    shot_run(shot_id=first.pk)
    first.refresh_from_db()
    job.refresh_from_db()
    assert first.status == JobStatus.SUCCEEDED and first.progress == 100
    # a private clip under the merchant's random folder, at a name no one can count to from the job's id
    assert re.fullmatch(rf"{merchant.media_key}/shots/[0-9a-f]{{32}}\.mp4", first.file.name), first.file.name
    assert first.file.storage is private_storage and private_storage.exists(first.file.name)
    assert job.status == JobStatus.RUNNING and sent_tasks["assembly"] == []
    assert 0 < job.progress < 90
    for shot in middle:
        shot_run(shot_id=shot.pk)
    assert sent_tasks["assembly"] == []
    with django_capture_on_commit_callbacks(execute=True):
        shot_run(shot_id=second.pk)
    assert sent_tasks["assembly"] == [job.pk]
    with django_capture_on_commit_callbacks(execute=True):
        shot_run(shot_id=second.pk)  # a second delivery of the same message: claimed already, nothing happens
    assert sent_tasks["assembly"] == [job.pk]
    assert Shot.objects.get(pk=second.pk).attempts == 1


def test_a_failing_shot_fails_its_job_with_the_reason(
    merchant, product_with_photos, builtin_templates, sent_tasks, test_engines
):
    job = _job(merchant, engine="failing")
    first, second = job.shots.order_by("position")
    shot_run(shot_id=first.pk)
    job.refresh_from_db()
    first.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.error == "shot 1 (scene 1, failing, push_in) failed: the model ran out of memory at step 3 (test engine)"
    assert first.status == JobStatus.FAILED
    assert Shot.objects.get(pk=second.pk).status == JobStatus.CANCELLED
    shot_run(shot_id=second.pk)  # the other shot's message arrives later: it does not resurrect the job
    assert RenderJob.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_cancelling_stops_a_running_shot_at_its_next_heartbeat(
    merchant, product_with_photos, builtin_templates, sent_tasks, monkeypatch
):
    job = _job(merchant)
    shot = job.shots.order_by("position").first()
    from generation import shot_runner

    def cancel_midway(self, done, total):
        if done == 3:
            render_job_cancel(job=job)
        self._last = 0.0  # no throttling: check on every frame
        return original(self, done, total)

    original = shot_runner._Heartbeat.__call__
    monkeypatch.setattr(shot_runner._Heartbeat, "__call__", cancel_midway)
    shot_run(shot_id=shot.pk)
    shot.refresh_from_db()
    assert shot.status == JobStatus.CANCELLED and not shot.file
    assert RenderJob.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    assert sent_tasks["assembly"] == []


def _stale(shot, *, attempts):
    Shot.objects.filter(pk=shot.pk).update(
        status=JobStatus.RUNNING, attempts=attempts, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    RenderJob.objects.filter(pk=shot.job_id).update(status=JobStatus.RUNNING)


def test_reaper_sends_a_shot_again_when_its_worker_is_gone(
    merchant, product_with_photos, builtin_templates, sent_tasks, settings
):
    settings.SHOT_LEASE_SECONDS, settings.SHOT_MAX_ATTEMPTS = 60, 3
    job = _job(merchant)
    stale, fresh, *_ = job.shots.order_by("position")
    _stale(stale, attempts=1)
    Shot.objects.filter(pk=fresh.pk).update(status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    assert render_jobs_reap_stale() == {"requeued": 1, "failed": 0}
    assert sent_tasks["shots"][-1] == ([stale.pk], "cpu")
    assert Shot.objects.get(pk=stale.pk).status == JobStatus.QUEUED
    assert Shot.objects.get(pk=fresh.pk).status == JobStatus.RUNNING  # alive: left alone
    shot_run(shot_id=stale.pk)  # the new delivery can claim it
    assert Shot.objects.get(pk=stale.pk).attempts == 2


def test_reaper_fails_the_job_when_attempts_are_used_up(
    merchant, product_with_photos, builtin_templates, sent_tasks, settings
):
    settings.SHOT_LEASE_SECONDS, settings.SHOT_MAX_ATTEMPTS = 60, 2
    job = _job(merchant)
    shot = job.shots.order_by("position").first()
    _stale(shot, attempts=2)
    assert render_jobs_reap_stale() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("shot 1 lost its worker 2 times (no heartbeat since")
    assert not Shot.objects.filter(job=job, status=JobStatus.RUNNING).exists()


@pytest.fixture
def recording_engine(settings):
    from tests.engines import RecordingEngine

    settings.SHOT_ENGINES = {
        **settings.SHOT_ENGINES,
        "recording": {"class": "tests.engines.RecordingEngine", "queue": "gpu", "queue_per_family": True},
    }
    registry.engine_get.cache_clear()
    RecordingEngine.requests.clear()
    yield RecordingEngine.requests
    registry.engine_get.cache_clear()


def _end_frame_job(merchant):
    from generation.models import VideoTemplate

    VideoTemplate.objects.create(
        merchant=merchant,
        slug="keyframes",
        name="Keyframes",
        spec={
            "scenes": [
                {
                    "type": "product_shots",
                    "duration": 1.0,
                    "max_shots": 1,
                    "end_frame": True,
                    "negative_prompt": "blurry",
                }
            ]
        },
    )
    return render_job_create(
        merchant=merchant,
        template_slug="keyframes",
        sku="MUG-1",
        aspect_ratios=["1:1"],
        short_side=64,
        engine="recording",
        family="wan",
    )


def test_the_engine_gets_the_end_photo_family_and_negative_prompt(
    merchant, product_with_photos, sent_tasks, recording_engine
):
    from shop_video.media import media_local_path

    shot = _end_frame_job(merchant).shots.get()
    shot_run(shot_id=shot.pk)
    shot.refresh_from_db()
    assert shot.status == JobStatus.SUCCEEDED, shot.error
    (request,) = recording_engine
    end_photo = product_with_photos.images.order_by("position")[1]
    assert request.end_image_path == str(media_local_path(end_photo.file))
    assert request.parameters["family"] == "wan" and request.negative_prompt == "blurry"


def test_the_engine_gets_the_brand_kits_colours_for_its_backdrop(
    merchant, product_with_photos, sent_tasks, recording_engine
):
    from shop_video.tenancy.models import BrandKit

    BrandKit.objects.update_or_create(
        merchant=merchant,
        is_default=True,
        defaults={"primary_colour": "#1d3557", "secondary_colour": "#f1faee", "accent_colour": "#e63946"},
    )
    shot = _end_frame_job(merchant).shots.get()
    shot_run(shot_id=shot.pk)
    (request,) = recording_engine
    assert request.parameters["brand_colours"] == ["#1d3557", "#f1faee", "#e63946"]
    shot.refresh_from_db()
    assert "brand_colours" not in shot.parameters  # read from the kit at run time, not stored on the shot


def test_a_deleted_end_photo_fails_the_shot_with_the_reason(
    merchant, product_with_photos, sent_tasks, recording_engine
):
    job = _end_frame_job(merchant)
    product_with_photos.images.order_by("position")[1].delete()
    shot_run(shot_id=job.shots.get().pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert (
        "shot 1 (scene 1, recording wan, push_in) failed: the end-frame photo" in job.error
        and "was deleted" in job.error
    )
