"""Presenter scenes through a real worker: the presenter-spotlight preset with the CPU talking head (rendered with
the `render` command like any template), and a presenter scene on the tiny LTX-2 model through the gpu.ltx2
queue. Each finished MP4 is probed and measured: the voice where the script is, captions on the word timings,
the mouth moving with the speech and resting in the silences."""

import json
from io import StringIO

import pytest
import webvtt
from django.core.management import call_command

from generation.assembly.presenter_layout import host_box
from generation.models import JobStatus, RenderJob, VideoTemplate
from generation.presets import PRESETS_DIR
from generation.services.render_jobs import render_job_create
from tests import factories
from tests.e2e.worker import celery_worker, queues_purge, wait_for
from tests.media_probe import probe_video
from tests.presenter.mouth_metrics import box_grow, mouth_activity
from tests.presenter.test_presenter_render import _audio_levels, _seconds, _video_frames

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _finished(job_id):
    job = RenderJob.objects.get(pk=job_id)
    return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED) else None


def _voice_and_captions_check(rendition, host):
    """The voice is heard at every word and not before the lead-in; each caption starts on its first word."""
    speech = host.metadata["speech"]
    levels, window = _audio_levels(rendition.file.path)
    for text, start, end in speech["words"]:
        span = levels[int((speech["offset"] + start) / window) : int((speech["offset"] + end) / window) + 1]
        assert span.max() > 0.02, f"{text!r} is not heard at {speech['offset'] + start:.2f} s"
    assert levels[: int((speech["offset"] - 0.1) / window)].max() < 0.003
    words = [(text, speech["offset"] + start) for text, start, _ in speech["words"]]
    index = 0
    for cue in webvtt.read(rendition.captions_vtt.path):
        count = len(cue.text.split())
        assert abs(_seconds(cue.start) - words[index][1]) <= 0.1, cue.text
        index += count
    assert index == len(words)  # every spoken word is captioned once


@pytest.mark.one_broker
def test_the_spotlight_preset_speaks_through_the_worker_with_the_cpu_presenter(
    merchant, product_with_photos, builtin_templates, tmp_path
):
    factories.presenter_make(merchant=merchant)
    # The preset's built-in music plays under the lead-in; with it off (the spec's own switch) the track holds only
    # the voice, so silence before the lead-in and level at each word measure the speech itself.
    template = builtin_templates["presenter-spotlight"]
    template.spec = {**template.spec, "music": False}
    template.save(update_fields=["spec"])
    queues_purge()
    log = tmp_path / "worker.log"
    out = StringIO()
    with celery_worker(log):
        # 720 px: the preset's host sits in a pip window (202 x 270 px in 9:16), where the mouth still spans enough
        # pixels for mouth_activity's 3 px slack; at 360 px the window is 100 px wide and the metric saturates.
        call_command(
            "render",
            "--merchant",
            "acme",
            "--template",
            "presenter-spotlight",
            "--sku",
            "MUG-1",
            "--aspect",
            "9:16,16:9",
            "--short-side",
            "720",
            "--wait",
            "--timeout",
            "600",
            stdout=out,
        )
    job = RenderJob.objects.get()
    assert job.status == JobStatus.SUCCEEDED, job.error
    spec = json.loads((PRESETS_DIR / "presenter-spotlight.json").read_text())["spec"]
    expected = sum(scene["duration"] for scene in spec["scenes"]) - spec["transition"]["duration"]
    for rendition in job.renditions.all():
        probe = probe_video(rendition.file.path)
        assert (probe.video_codec, probe.pix_fmt, probe.audio_codec) == ("h264", "yuv420p", "aac")
        assert abs(probe.duration - expected) <= 0.1
        host = job.shots.get(scene=0, aspect_ratio=rendition.aspect_ratio)
        assert host.engine == "presenter-cpu" and host.metadata["speech"]["words"][0][0] == "Meet"
        _voice_and_captions_check(rendition, host)
    # The mouth, measured on the delivered 9:16 video: the host clip sits in the pip's window, so its mouth box
    # moves with the window.
    rendition = job.renditions.get(aspect_ratio="9:16")
    host = job.shots.get(scene=0, aspect_ratio="9:16")
    speech = host.metadata["speech"]
    frames = _video_frames(rendition.file.path, rendition.width, rendition.height)
    window = host_box(spec["scenes"][0]["layout"], rendition.width, rendition.height)
    x, y, width, height = host.metadata["mouth_box"]
    box = box_grow(
        [x + window.left, y + window.top, width, height], by=0.15, width=rendition.width, height=rendition.height
    )
    activity = mouth_activity(frames, box, rest=frames[2])
    fps = job.fps
    start, end = speech["offset"], speech["offset"] + speech["duration"]
    assert activity[round(start * fps) : round(end * fps)].max() > 0.1
    assert activity[: round((start - 0.05) * fps)].max() < 0.02
    scene_end = spec["scenes"][0]["duration"] - spec["transition"]["duration"]
    if end + 0.3 < scene_end:
        assert activity[round((end + 0.3) * fps) : round(scene_end * fps)].max() < 0.02


def test_a_presenter_scene_renders_on_the_tiny_ltx2_model_through_the_gpu_queue(
    merchant, product_with_photos, tiny_ltx2_dir, tmp_path
):
    factories.presenter_make(merchant=merchant)
    VideoTemplate.objects.create(
        merchant=merchant,
        slug="gpu-host",
        name="GPU host",
        spec={
            "fps": 24,
            "music": False,
            "scenes": [
                {"type": "presenter", "duration": 2.0, "script": "Hello there!", "layout": "split"},
                {"type": "price_card", "duration": 1.0},
            ],
        },
    )
    queues_purge()
    log = tmp_path / "worker.log"
    with celery_worker(log, env={"PRESENTER_DIT_MODEL": str(tiny_ltx2_dir)}):
        job = render_job_create(
            merchant=merchant,
            template_slug="gpu-host",
            sku="MUG-1",
            engine="dit",
            aspect_ratios=["9:16", "1:1"],
            short_side=128,
        )
        job = wait_for(lambda: _finished(job.pk), timeout=300, what="the LTX-2 presenter job", log_path=log)
    assert job.status == JobStatus.SUCCEEDED, job.error
    host = job.shots.get(scene=0)  # one shot on the GPU, reframed for the other aspect ratio
    assert (host.engine, host.metadata["engine"], host.metadata["audio"]) == ("presenter", "presenter", "tts")
    assert "gpu.ltx2" in log.read_text()
    for rendition in job.renditions.all():
        probe = probe_video(rendition.file.path)
        assert probe.video_codec == "h264" and probe.audio_codec == "aac" and abs(probe.duration - 3.0) <= 0.1
        _voice_and_captions_check(rendition, host)
