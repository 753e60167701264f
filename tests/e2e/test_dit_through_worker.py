"""The DiT engine end to end: a real worker on the gpu.<family> queues loads the tiny models from disk with
from_pretrained (the production path), renders a job per family, and the MP4s are probed."""

from io import StringIO

import pytest
from django.core.management import call_command

from generation.assembly.job_timeline import timeline_for_job
from generation.models import JobStatus, RenderJob
from generation.provenance.reading import manifest_summary
from generation.services.render_jobs import render_job_create
from tests.e2e.worker import celery_worker, queues_purge, wait_for
from tests.media_probe import probe_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _finished(job_id):
    job = RenderJob.objects.get(pk=job_id)
    return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED) else None


@pytest.mark.one_broker
def test_every_family_renders_through_its_gpu_queue_and_the_model_loads_once(
    merchant, product_with_photos, builtin_templates, tiny_dit_dirs, tmp_path
):
    queues_purge()
    log = tmp_path / "worker.log"
    models = ",".join(f"{family}={path}" for family, path in tiny_dit_dirs.items())
    with celery_worker(log, env={"DIT_MODELS": models}):
        ltx = render_job_create(
            merchant=merchant,
            template_slug="product-showcase",
            sku="MUG-1",
            engine="dit",
            family="ltx",
            aspect_ratios=["9:16", "16:9"],
            short_side=128,
        )
        cogvideox = render_job_create(
            merchant=merchant,
            template_slug="quick-bumper",
            sku="MUG-1",
            engine="dit",
            family="cogvideox",
            aspect_ratios=["1:1"],
            short_side=128,
        )
        # The command line, as an operator types it.
        out = StringIO()
        call_command(
            "render",
            "--merchant",
            "acme",
            "--template",
            "quick-bumper",
            "--sku",
            "MUG-1",
            "--engine",
            "dit",
            "--family",
            "wan",
            "--aspect",
            "4:5",
            "--short-side",
            "128",
            "--wait",
            "--timeout",
            "300",
            stdout=out,
        )
        jobs = {
            family: wait_for(lambda job=job: _finished(job.pk), timeout=300, what=f"the {family} job", log_path=log)
            for family, job in {"ltx": ltx, "cogvideox": cogvideox}.items()
        }
    jobs["wan"] = RenderJob.objects.get(family="wan")
    assert out.getvalue().split() == [r.file.path for r in jobs["wan"].renditions.all()]

    # Each rendition lasts what its timeline says: the template's scenes less the crossfades, with the cuts moved
    # onto the music's beats (so a few frames off the plain sum). The 16:9 rendition reframes the 9:16 master shots.
    expected = {
        "ltx": ({"9:16": (128, 228), "16:9": (228, 128)}, 2),
        "cogvideox": ({"1:1": (128, 128)}, 1),
        "wan": ({"4:5": (128, 160)}, 1),
    }
    for family, (sizes, shots) in expected.items():
        job = jobs[family]
        assert job.status == JobStatus.SUCCEEDED, f"{family}: {job.error}"
        assert [shot.parameters["family"] for shot in job.shots.all()] == [family] * shots
        for shot in job.shots.all():  # what the engine reported is kept on the shot
            assert shot.metadata["family"] == family and shot.metadata["motion"] > 0
            assert shot.metadata["retried_with_new_seed"] is False and shot.metadata["oom_recoveries"] == []
        renditions = {r.aspect_ratio: r for r in job.renditions.all()}
        assert set(renditions) == set(sizes)
        for aspect, size in sizes.items():
            probe = probe_video(renditions[aspect].file.path)
            duration = timeline_for_job(job, aspect).duration
            assert 5.0 < duration < 13.0  # the templates' scenes, not an empty or runaway timeline
            assert (probe.video_codec, probe.pix_fmt) == ("h264", "yuv420p")
            assert (probe.width, probe.height) == size
            assert abs(probe.duration - duration) <= 0.1 and probe.frames_decoded == round(duration * 30)
            summary = manifest_summary(renditions[aspect].file.path)  # signed on the worker, labelled AI
            assert summary["valid"] and summary["ai_generated"] and renditions[aspect].ai_generated, summary
    # Each family's weights were read from disk once by the worker process, not once per shot.
    text = log.read_text()
    for family in ("ltx", "wan", "cogvideox"):
        assert text.count(f"loaded the {family} pipeline") == 1, family


def test_a_gpu_worker_preloads_its_model_in_the_pool_process_not_the_parent(tiny_dit_dirs, tmp_path):
    log = tmp_path / "worker.log"
    env = {"DIT_MODELS": f"wan={tiny_dit_dirs['wan']}", "DIT_PRELOAD": "wan"}
    with celery_worker(log, env=env) as worker:
        line = wait_for(
            lambda: next((row for row in log.read_text().splitlines() if "loaded the wan pipeline" in row), None),
            timeout=120,
            what="the preload",
            log_path=log,
        )
    loader_pid = int(line.rsplit("in process ", 1)[1])
    assert loader_pid != worker.pid  # a forked pool child, so CUDA is never initialised in the parent
