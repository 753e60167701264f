"""A render through the real pipeline (render service, shot tasks, assembly; run eagerly) with media in a bucket:
every output lands in the bucket, the URLs a client is given download probed H.264, nothing went through a
shared disk; and a bucket that fails during work sends the shot round again with the reason, never marks it done
without its file."""

from __future__ import annotations

import io
import urllib.request

import pytest
from django.core.management import call_command

from generation.models import JobStatus, RenderJob, Shot
from generation.services.render_jobs import render_job_create, shot_queue
from generation.shot_runner import shot_run
from tests.media_probe import probe_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    from shop_video.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def _download(url: str, path):
    with urllib.request.urlopen(url, timeout=30) as response:
        path.write_bytes(response.read())
    return path


@pytest.mark.django_db(transaction=True)  # committed at once, so the eager tasks run inside the command
def test_a_showcase_renders_into_the_bucket_and_its_urls_download(
    s3_media, eager_tasks, merchant, product_with_photos, builtin_templates, settings, tmp_path, api
):
    out = io.StringIO()
    call_command(
        "render",
        "--merchant",
        "acme",
        "--template",
        "product-showcase",
        "--sku",
        "MUG-1",
        "--aspect",
        "9:16",
        "--short-side",
        "64",
        "--wait",
        stdout=out,
    )
    job = RenderJob.objects.get(merchant=merchant)
    assert job.status == JobStatus.SUCCEEDED, job.error
    rendition = job.renditions.get()
    keys = s3_media.keys()
    for field in ("file", "poster", "preview", "captions_vtt"):
        assert f"media/public/{getattr(rendition, field).name}" in keys, field
    assert all(f"media/private/{shot.file.name}" in keys for shot in job.shots.all())
    # Nothing was written to the local media folders: the bucket is the only store.
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        assert not root.exists() or not any(path.is_file() for path in root.rglob("*")), root

    # `render --wait` prints one downloadable URL per rendition.
    (cli_url,) = out.getvalue().split()
    assert cli_url.startswith(s3_media.server.endpoint_url) and "X-Amz-Signature" in cli_url
    probe = probe_video(_download(cli_url, tmp_path / "cli.mp4"))
    assert (probe.video_codec, probe.width, probe.height) == ("h264", rendition.width, rendition.height)
    # So does every URL the API gives a client.
    output = api.get(f"/api/v1/renders/{job.pk}").json()["outputs"][0]
    assert probe_video(_download(output["url"], tmp_path / "api.mp4")).video_codec == "h264"
    for field in ("poster_url", "preview_url", "captions"):
        with urllib.request.urlopen(output[field], timeout=30) as response:
            assert response.status == 200 and response.read(), field


def test_a_storage_failure_sends_the_shot_again_with_the_reason_then_fails_it(
    s3_media,
    merchant,
    product_with_photos,
    builtin_templates,
    settings,
    sent_tasks,
    django_capture_on_commit_callbacks,
):
    job = render_job_create(
        merchant=merchant, template_slug="product-showcase", sku="MUG-1", aspect_ratios=["9:16"], short_side=64
    )
    shot = job.shots.order_by("position").first()
    # The bucket goes away (nothing listens there any more).
    for alias in ("default", "private"):
        settings.STORAGES = {
            **settings.STORAGES,
            alias: {
                **settings.STORAGES[alias],
                "OPTIONS": {**settings.STORAGES[alias]["OPTIONS"], "endpoint_url": "http://127.0.0.1:9"},
            },
        }
    sent_tasks["shots"].clear()
    shot_run(shot_id=shot.pk)
    shot.refresh_from_db()
    assert shot.status == JobStatus.QUEUED and not shot.file and sent_tasks["shots"] == [([shot.pk], shot_queue(shot))]
    assert "the media storage failed" in shot.error and "retrying" in shot.error
    settings.SHOT_MAX_ATTEMPTS = 2
    shot_run(shot_id=shot.pk)
    shot.refresh_from_db()
    job.refresh_from_db()
    assert shot.status == JobStatus.FAILED and not shot.file
    assert job.status == JobStatus.FAILED and "the media storage failed" in job.error
    assert Shot.objects.filter(job=job, status=JobStatus.SUCCEEDED).count() == 0


def test_a_shot_whose_inputs_do_not_fit_the_scratch_fails_scratch_full(
    s3_media, merchant, product_with_photos, builtin_templates, settings, sent_tasks
):
    job = render_job_create(
        merchant=merchant, template_slug="product-showcase", sku="MUG-1", aspect_ratios=["9:16"], short_side=64
    )
    shot = job.shots.filter(source_image__isnull=False).order_by("position").first()
    settings.WORKER_SCRATCH_MAX_GB = 1024 / 1024**3  # 1 KiB: no photo fits, even after evicting everything
    shot_run(shot_id=shot.pk)
    shot.refresh_from_db()
    job.refresh_from_db()
    assert shot.status == JobStatus.FAILED and not shot.file
    assert "scratch full" in shot.error and "WORKER_SCRATCH_MAX_GB" in job.error
