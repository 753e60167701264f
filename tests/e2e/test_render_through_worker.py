"""The platform end to end: a real worker process on a real broker renders a product, and the MP4s are probed.

`make test` runs these on the configured database and broker (CI: PostgreSQL + Redis) and again on the
embedded defaults (SQLite + the filesystem broker).
"""

import time

import pytest

from generation.assembly.job_timeline import timeline_for_job
from generation.engines import registry
from generation.models import JobStatus, RenderJob
from generation.provenance.reading import manifest_summary
from generation.services.job_states import render_jobs_reap_stale
from generation.services.render_jobs import render_job_create
from tests.e2e.worker import celery_worker, queues_purge, wait_for, worker_kill
from tests.media_probe import probe_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_log(tmp_path):
    queues_purge()
    return tmp_path / "worker.log"


def _finished(job_id):
    job = RenderJob.objects.get(pk=job_id)
    return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED) else None


def test_a_product_renders_end_to_end_into_probed_h264_renditions(
    merchant, product_with_photos, builtin_templates, worker_log
):
    with celery_worker(worker_log):
        job = render_job_create(
            merchant=merchant,
            template_slug="product-showcase",
            sku="MUG-1",
            aspect_ratios=["9:16", "1:1"],
            short_side=180,
        )
        job = wait_for(lambda: _finished(job.pk), timeout=240, what="the render job", log_path=worker_log)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.progress == 100 and job.finished_at is not None
    renditions = {r.aspect_ratio: r for r in job.renditions.all()}
    assert set(renditions) == {"9:16", "1:1"}
    for aspect, (width, height) in {"9:16": (180, 320), "1:1": (180, 180)}.items():
        rendition = renditions[aspect]
        probe = probe_video(rendition.file.path)
        # Cuts land on the music's beats, so the length is the job's own timeline's: product-showcase is a
        # 15 s preset, and whatever the snapping does it stays near that.
        expected_duration = timeline_for_job(job, aspect).duration
        assert 13.0 < expected_duration < 17.0
        assert (probe.video_codec, probe.pix_fmt) == ("h264", "yuv420p")
        assert (probe.width, probe.height) == (width, height) == (rendition.width, rendition.height)
        assert abs(probe.duration - expected_duration) <= 0.1
        assert probe.frames_decoded == round(expected_duration * 30)
        assert probe.audio_codec == "aac" and probe.faststart
        assert (probe.color_primaries, probe.color_trc, probe.colorspace) == ("bt709", "bt709", "bt709")
        assert rendition.poster and rendition.preview and rendition.size_bytes > 0
        assert rendition.captions_vtt.open("rb").read().startswith(b"WEBVTT")
        # Signed on the worker at publish time, still faststart; the motion engine is no AI (docs/provenance.md).
        for path in (rendition.file.path, rendition.poster.path, rendition.preview.path):
            summary = manifest_summary(path)
            assert summary["valid"] and not summary["ai_generated"], (path, summary)


def test_a_shot_that_raises_fails_its_job_with_the_reason(
    merchant, product_with_photos, builtin_templates, worker_log, settings
):
    settings.SHOT_ENGINES = {
        **settings.SHOT_ENGINES,
        "failing": {"class": "tests.engines.FailingEngine", "queue": "cpu"},
    }
    with celery_worker(worker_log, env={"SHOT_ENGINE_PLUGINS": "failing=tests.engines.FailingEngine@cpu"}):
        job = render_job_create(
            merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64, engine="failing"
        )
        job = wait_for(lambda: _finished(job.pk), timeout=120, what="the job to fail", log_path=worker_log)
    assert job.status == JobStatus.FAILED
    assert "failed: the model ran out of memory at step 3 (test engine)" in job.error
    assert not job.renditions.exists()


def _job_whose_worker_died_mid_shot(merchant, worker_log, *, lease):
    """Start a shot on a worker stuck inside it, SIGKILL the worker (like the OOM killer: no chance to clean
    up), and wait out the lease."""
    with celery_worker(worker_log, env={"SHOT_ENGINE_PLUGINS": "hanging=tests.engines.HangingEngine@cpu"}) as worker:
        job = render_job_create(
            merchant=merchant, template_slug="quick-bumper", sku="MUG-1", short_side=64, engine="hanging"
        )
        wait_for(
            lambda: job.shots.filter(status=JobStatus.RUNNING, heartbeat_at__isnull=False).exists(),
            timeout=60,
            what="the shot to start",
            log_path=worker_log,
        )
        worker_kill(worker)
    time.sleep(lease + 1)
    return job


@pytest.fixture
def hanging_engine(settings):
    settings.SHOT_ENGINES = {
        **settings.SHOT_ENGINES,
        "hanging": {"class": "tests.engines.HangingEngine", "queue": "cpu"},
    }
    registry.engine_get.cache_clear()
    yield
    registry.engine_get.cache_clear()


def test_a_job_whose_worker_dies_is_failed_with_the_reason_not_left_running(
    merchant, product_with_photos, builtin_templates, worker_log, settings, hanging_engine
):
    settings.SHOT_LEASE_SECONDS, settings.SHOT_MAX_ATTEMPTS = 2, 1
    job = _job_whose_worker_died_mid_shot(merchant, worker_log, lease=settings.SHOT_LEASE_SECONDS)
    assert render_jobs_reap_stale() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "lost its worker 1 times" in job.error


def test_a_shot_whose_worker_dies_is_taken_over_by_another_worker(
    merchant, product_with_photos, builtin_templates, worker_log, settings, hanging_engine
):
    settings.SHOT_LEASE_SECONDS, settings.SHOT_MAX_ATTEMPTS = 2, 2
    job = _job_whose_worker_died_mid_shot(merchant, worker_log, lease=settings.SHOT_LEASE_SECONDS)
    # A healthy worker: here the engine name maps to the real motion engine.
    with celery_worker(worker_log, env={"SHOT_ENGINE_PLUGINS": "hanging=generation.engines.motion.MotionEngine@cpu"}):
        assert render_jobs_reap_stale() == {"requeued": 1, "failed": 0}
        job = wait_for(lambda: _finished(job.pk), timeout=120, what="the job to finish", log_path=worker_log)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.shots.get().attempts == 2
    probe = probe_video(job.renditions.get().file.path)
    assert (probe.width, probe.height) == (64, 114) and abs(probe.duration - 6.0) <= 0.1
