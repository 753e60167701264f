"""GPU workers hand a shot's delivery to their pool and take the next shot: the shot is done only once its clip
is stored, its clip is the in-line one frame for frame, a failed delivery fails that shot alone, shutdown drains.

Transactional: the pool marks shots from its own thread, on its own database connection.
"""

import pytest
from celery.signals import worker_process_shutdown

from generation.engines import registry
from generation.models import JobStatus, RenderJob, Shot, VideoTemplate
from generation.services.render_jobs import render_job_create
from generation.shot_delivery import shot_delivery_close
from generation.shot_runner import shot_run
from shop_video.media import private_storage
from tests.generation.test_delivery_pool import decoded

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivery_pool_on(settings):
    settings.SHOT_DELIVERY_WORKERS = 1
    settings.SHOT_DELIVERY_ENCODER, settings.SHOT_DELIVERY_DEVICE = "libx264", "cpu"
    yield
    shot_delivery_close()


@pytest.fixture
def planned_engines(settings):
    settings.SHOT_ENGINES = {
        **settings.SHOT_ENGINES,
        "planned": {"class": "tests.generation.delivery_jobs.PlannedEngine", "queue": "cpu"},
        "broken-delivery": {"class": "tests.generation.delivery_jobs.BrokenDeliveryEngine", "queue": "cpu"},
    }
    registry.engine_get.cache_clear()
    yield
    registry.engine_get.cache_clear()


def _dit_shot(merchant) -> Shot:
    spec = {"fps": 12, "scenes": [{"type": "product_shots", "duration": 1.0, "max_shots": 1, "engine": "dit"}]}
    VideoTemplate.objects.update_or_create(merchant=merchant, slug="one-dit", defaults={"name": "dit", "spec": spec})
    job = render_job_create(
        merchant=merchant, template_slug="one-dit", sku="MUG-1", aspect_ratios=["9:16"], short_side=64
    )
    return job.shots.get()


def test_a_handed_over_dit_shot_is_done_once_stored_with_the_in_line_clips_frames(
    merchant, product_with_photos, dit_models, sent_tasks, settings, delivery_pool_on
):
    pooled, in_line = _dit_shot(merchant), _dit_shot(merchant)
    Shot.objects.filter(pk=in_line.pk).update(seed=pooled.seed)

    shot_run(shot_id=pooled.pk)  # the model ran; the delivery is in the pool, still being retimed and encoded
    pooled.refresh_from_db()
    assert pooled.status == JobStatus.RUNNING and not pooled.file and sent_tasks["assembly"] == []
    assert shot_delivery_close() is True  # drains
    pooled.refresh_from_db()
    assert pooled.status == JobStatus.SUCCEEDED, pooled.error
    assert private_storage.exists(pooled.file.name) and pooled.metadata["delivery_encoder"] == "libx264"
    assert pooled.metadata["family"] == "ltx"  # the engine's own metadata is kept
    assert sent_tasks["assembly"] == [pooled.job_id]  # handed to the job as the in-line path does

    settings.SHOT_DELIVERY_WORKERS = 0
    shot_run(shot_id=in_line.pk)
    in_line.refresh_from_db()
    assert in_line.status == JobStatus.SUCCEEDED, in_line.error
    size = (pooled.width, pooled.height)
    frames_pooled = decoded(private_storage.path(pooled.file.name), *size)
    frames_in_line = decoded(private_storage.path(in_line.file.name), *size)
    assert frames_pooled.shape == (pooled.num_frames, pooled.height, pooled.width, 3)
    assert (frames_pooled == frames_in_line).all()


def test_a_failed_delivery_fails_its_shot_with_the_reason_and_the_next_shot_still_succeeds(
    merchant, product_with_photos, builtin_templates, sent_tasks, planned_engines, delivery_pool_on
):
    def first_shot(engine):
        job = render_job_create(
            merchant=merchant, template_slug="product-showcase", sku="MUG-1", aspect_ratios=["1:1"], short_side=64,
            engine=engine,
        )  # fmt: skip
        return job.shots.order_by("position").first()

    broken, good = first_shot("broken-delivery"), first_shot("planned")
    shot_run(shot_id=broken.pk)
    shot_run(shot_id=good.pk)
    worker_process_shutdown.send(sender=None)  # what a stopping Celery worker process sends: the pool drains

    broken.refresh_from_db()
    reason = "failed: frames_retime works on uint8 frames, got float32"
    assert broken.status == JobStatus.FAILED and broken.error.endswith(reason), broken.error
    assert broken.error.startswith("shot 1 (scene 1, broken-delivery")
    assert RenderJob.objects.get(pk=broken.job_id).error == broken.error
    assert not broken.file
    good.refresh_from_db()
    assert good.status == JobStatus.SUCCEEDED, good.error
    frames = decoded(private_storage.path(good.file.name), good.width, good.height)
    assert frames.shape == (good.num_frames, good.height, good.width, 3)
    assert RenderJob.objects.get(pk=good.job_id).status == JobStatus.RUNNING  # its other shots still to come
