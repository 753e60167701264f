"""A render's progress as a merchant follows it: stages in order through a real (tiny) render, an ETA from rates
measured on this install (none before anything was measured), a banner that matches the state, failures in
merchant's words with the technical reason under a disclosure, and no developer text on the render pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from generation.assembly import stage_report
from generation.assembly.assemble import render_job_assemble
from generation.models import JobStage, JobStatus, RenderJob, Rendition, Shot, VideoTemplate
from generation.render_progress import RenderProgress, render_job_progress
from generation.services.render_jobs import render_job_create
from generation.shot_runner import shot_run
from shop_video.dashboard.merchant_errors import merchant_error_describe
from tests import factories
from tests.dashboard.conftest import job_succeed

pytestmark = pytest.mark.django_db

TINY_SPEC = {
    "fps": 8,
    "scenes": [{"type": "product_shots", "duration": 1.0, "max_shots": 1}, {"type": "title", "duration": 1.0}],
}


def _job(merchant, *, ratios=("9:16",), slug="tiny", sku="MUG-1"):
    VideoTemplate.objects.update_or_create(merchant=merchant, slug=slug, defaults={"name": "Tiny", "spec": TINY_SPEC})
    return render_job_create(
        merchant=merchant, template_slug=slug, sku=sku, aspect_ratios=list(ratios), short_side=64, engine="motion"
    )


def test_a_real_render_reports_its_stages_in_order_then_measures_the_next_eta(merchant, sent_tasks, monkeypatch):
    factories.product_make(merchant=merchant, sku="ONE-1", photos=1)  # one photo: one shot per ratio, quick
    job = _job(merchant, ratios=("9:16", "1:1"), sku="ONE-1")
    assert (job.stage, render_job_progress(job=job).label) == (JobStage.QUEUED, "Waiting for a worker")
    assert render_job_progress(job=job).eta_seconds is None  # nothing measured on this install yet: no guess
    shots = list(Shot.objects.filter(job=job).order_by("position"))
    shot_run(shot_id=shots[0].pk)
    job.refresh_from_db()
    assert (job.stage, render_job_progress(job=job).label) == (JobStage.SHOTS, f"Shot 2 of {len(shots)}")
    for shot in shots[1:]:
        shot_run(shot_id=shot.pk)
    job.refresh_from_db()
    assert job.stage == JobStage.ASSEMBLING  # the last shot claimed the assembly

    seen: list[tuple[str, str]] = []
    write = stage_report.AssemblyStageReporter._write

    def recorded(self, stage, aspect_ratio, fraction):
        if not seen or seen[-1] != (stage, aspect_ratio):
            seen.append((stage, aspect_ratio))
        write(self, stage, aspect_ratio, fraction)
        percents.append(RenderJob.objects.get(pk=job.pk).progress)

    percents: list[int] = []
    monkeypatch.setattr(stage_report, "REPORT_EVERY_SECONDS", 0.0)  # every frame: the encode's steps are seen
    monkeypatch.setattr(stage_report.AssemblyStageReporter, "_write", recorded)
    render_job_assemble(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert seen == [
        ("assembling", "9:16"),
        ("encoding", "9:16"),
        ("finishing", "9:16"),
        ("assembling", "1:1"),
        ("encoding", "1:1"),
        ("finishing", "1:1"),
    ]
    assert percents == sorted(percents) and 90 <= percents[0] and percents[-1] <= 99 and len(set(percents)) > 4
    assert (job.stage, job.progress) == (JobStage.DONE, 100) and job.assembly_started_at is not None

    # This install has now measured a motion shot and an assembly: the next render gets an ETA from them.
    following = _job(merchant, sku="ONE-1")
    progress = render_job_progress(job=following)
    assert progress.eta_seconds is not None and progress.eta_seconds >= 0 and progress.eta_text.startswith("about ")


def _measured(merchant, *, shot_seconds: float, assembly_seconds: float, output_seconds: float):
    """A finished job on this install whose shot took `shot_seconds` and whose assembly took `assembly_seconds`
    for `output_seconds` of video."""
    job = _job(merchant, slug="measured")
    end = timezone.now() - timedelta(minutes=5)
    Shot.objects.filter(job=job).update(
        status=JobStatus.SUCCEEDED, started_at=end - timedelta(seconds=shot_seconds), finished_at=end
    )
    RenderJob.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, assembly_started_at=end, finished_at=end + timedelta(seconds=assembly_seconds)
    )
    Rendition.objects.create(
        job=job, aspect_ratio="1:1", file="renders/x/1x1.mp4", width=64, height=64, duration=output_seconds
    )


def test_the_eta_adds_the_measured_shot_time_and_the_assembly_rate(merchant, product_with_photos, sent_tasks):
    # 3 s of assembly per second of a 64x64 video (a frame of 4,096 pixels).
    _measured(merchant, shot_seconds=12, assembly_seconds=6, output_seconds=2)
    job = _job(merchant, ratios=("9:16", "1:1"))  # motion: one 1 s shot per ratio, plus a 1 s title
    now = timezone.now()
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, stage=JobStage.SHOTS, started_at=now)
    job.refresh_from_db()
    # The mug's 2 photos make 2 one-second shots per ratio, and the title 1 s more: a 3 s video. Four shots of 12 s
    # (none of this job done yet) + 3 s/s per 64x64 frame x 3 s of video x (9:16, 16/9 of that frame + 1:1).
    assert job.shots.count() == 4
    assembly = 3 * 3 * (16 / 9 + 1)  # 25 s
    assert render_job_progress(job=job, now=now).eta_seconds == round(4 * 12 + assembly)
    # Once a shot of this job is done, its own pace replaces the mean: one shot in 4 s leaves three more of 4 s.
    first = job.shots.order_by("position").first()
    Shot.objects.filter(pk=first.pk).update(status=JobStatus.SUCCEEDED, finished_at=now)
    later = now + timedelta(seconds=4)
    assert render_job_progress(job=job, now=later).eta_seconds == round(3 * 4 + assembly)
    # In the assembly: what is left of the measured assembly time.
    RenderJob.objects.filter(pk=job.pk).update(
        stage=JobStage.ENCODING, stage_aspect_ratio="9:16", stage_progress=40, assembly_started_at=later
    )
    job.refresh_from_db()
    progress = render_job_progress(job=job, now=later + timedelta(seconds=2))
    assert (progress.label, progress.eta_seconds, progress.eta_text) == ("Encoding 9:16 (40 %)", 23, "about 25 s left")
    # Past the estimate the ETA was wrong: none rather than "0 s" or a negative one.
    assert render_job_progress(job=job, now=later + timedelta(seconds=30)).eta_seconds is None


def test_eta_words():
    assert RenderProgress(label="", percent=0, eta_seconds=2).eta_text == "about 5 s left"
    assert RenderProgress(label="", percent=0, eta_seconds=41).eta_text == "about 40 s left"
    assert RenderProgress(label="", percent=0, eta_seconds=150).eta_text == "about 2 min left"
    assert RenderProgress(label="", percent=0, eta_seconds=None).eta_text == ""


def _banners(page: str) -> list[str]:
    return [state for state in ("queued", "succeeded", "failed", "cancelled") if f'data-banner="{state}"' in page]


def test_the_banner_matches_the_state_and_the_form_adds_no_stale_one(
    member, merchant, product_with_photos, builtin_templates, sent_tasks
):
    response = member.post(
        reverse("dashboard:render_new"),
        {
            "sku": "MUG-1",
            "template": "quick-bumper",
            "aspect_ratios": ["9:16"],
            "engine": "motion",
            "short_side": "180",
        },
        follow=True,
    )
    page = response.content.decode()
    assert _banners(page) == ["queued"] and 'class="message message-' not in page  # no flash message to go stale
    job = RenderJob.objects.get(merchant=merchant)
    url = reverse("dashboard:job_detail", args=[job.pk])
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, stage=JobStage.SHOTS)
    fragment = member.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert _banners(fragment) == [] and "data-job-stage>Shot 1 of" in fragment
    Shot.objects.filter(pk=job.shots.order_by("position").first().pk).update(status=JobStatus.RUNNING, progress=40)
    total = job.shots.count()
    assert f"data-job-stage>Shot 1 of {total} (40 %)<" in member.get(url, HTTP_HX_REQUEST="true").content.decode()
    RenderJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error="no weights for the ltx family on this worker: set DIT_MODELS=ltx=/path"
    )
    page = member.get(url).content.decode()
    assert _banners(page) == ["failed"]
    assert "The AI video model this render asked for is not installed on this server." in page
    job.refresh_from_db()
    job_succeed(job)
    assert _banners(member.get(url, HTTP_HX_REQUEST="true").content.decode()) == ["succeeded"]
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
    assert _banners(member.get(url).content.decode()) == ["cancelled"]


@pytest.mark.parametrize(
    ("technical", "summary"),
    [
        (
            "shot 2 lost its worker 3 times (no heartbeat since ...); the worker was stopped or ran out of memory",
            "The computer making this video stopped before it finished.",
        ),
        (
            "assembling the 9:16 rendition took longer than the time limit (ASSEMBLY_HARD_TIME_LIMIT); shorten",
            "This video took longer to make than this server allows.",
        ),
        (
            "shot 1 (scene 1, motion, push_in): the media storage failed (timeout); gave up after 3 attempts",
            "The finished files could not be saved.",
        ),
        (
            "the voice-over takes 9.2 s to say from 0 s, past the 6.0 s video; shorten its script",
            "The voice-over is longer than the video.",
        ),
        (
            "shot 1 (scene 2, dit ltx, orbit) failed: <_io.BytesIO object at 0x7f00> is odd",
            "This video could not be made.",
        ),
    ],
)
def test_technical_failures_read_as_what_happened_and_what_to_do(technical, summary):
    error = merchant_error_describe(technical=technical)
    assert (error.summary, error.technical) == (summary, technical) and error.advice
    assert "_LIMIT" not in error.summary + error.advice and "0x" not in error.summary + error.advice


def test_render_pages_carry_no_developer_text(member, merchant, product_with_photos, builtin_templates, sent_tasks):
    form = member.get(reverse("dashboard:render_new")).content.decode()
    # The DiT engine has no model on this install: not offered, and said why in plain words.
    assert 'value="dit"' not in form and 'value="motion"' in form
    assert "AI video is not available: its model is not installed on this server." in form
    job = _job(merchant)
    RenderJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        error="no weights for the ltx family on this worker: set DIT_MODELS=ltx=/path/to/model; "
        "try `python manage.py make_tiny_dit --family ltx --out DIR`",
    )
    page = member.get(reverse("dashboard:job_detail", args=[job.pk])).content.decode()
    visible = page.split("<details>")[0] + page.split("</details>")[1]  # what shows before opening the details
    for developer_text in ("manage.py", "DIT_MODELS", "0x"):
        assert developer_text not in visible
    assert "Render again with the Motion engine" in visible
    # A photo that is no image is refused in words, never with Python's "<_io.BytesIO object at 0x...>".
    upload = SimpleUploadedFile("photo.jpg", b"\x89PNG\r\n\x1a\n" + bytes(40))
    response = member.post(reverse("dashboard:product_detail", args=[product_with_photos.pk]), {"photos": [upload]})
    assert response.status_code == 400 and "0x" not in response.content.decode()
    assert "BytesIO" not in response.content.decode() and "photo.jpg" in response.content.decode()
