"""Previews of the built-in presets: `manage.py preset_previews` queues one small render per preset from the demo
shop, once; every merchant sees them in GET /api/v1/templates (preset_preview_url) and the template gallery; and
a rendition's quality report shows on its render page."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from generation.models import JobStatus, RenderJob, Rendition, VideoTemplate
from generation.presets import PRESETS_DIR
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db

PRESETS = sorted(path.stem for path in PRESETS_DIR.glob("*.json"))


@pytest.fixture
def demo(sent_tasks):
    from shop_video.tenancy.models import Merchant

    call_command("seed_demo", stdout=io.StringIO())
    return Merchant.objects.get(slug="demo")


def _previews(**options) -> str:
    out = io.StringIO()
    call_command("preset_previews", stdout=out, stderr=out, **options)
    return out.getvalue()


def _succeed(job) -> Rendition:
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100)
    name = f"renders/demo/{job.pk}/9x16"
    return Rendition.objects.create(
        job=job,
        aspect_ratio="9:16",
        file=f"{name}.mp4",
        poster=f"{name}-poster.jpg",
        preview=f"{name}-preview.webp",
        width=360,
        height=640,
        duration=15.0,
    )


def test_the_command_queues_one_small_9_16_render_per_preset_once(demo, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert "Queued 9 preset previews" in _previews()
    jobs = RenderJob.objects.filter(merchant=demo)
    assert sorted(job.metadata["preset_preview"] for job in jobs) == PRESETS
    assert {(tuple(job.aspect_ratios), job.short_side, job.variant.sku) for job in jobs} == {
        (("9:16",), 360, "DEMO-ESPRESSO-CUP")
    }
    assert all(
        template.preview_job.template == template
        for template in VideoTemplate.objects.filter(merchant=None).select_related("preview_job")
    )
    assert sent_tasks["shots"]  # the worker makes them; the command does not wait
    # `make run` again: nothing new, while the previews are on their way or made.
    assert "Every preset preview is up to date." in _previews()
    assert RenderJob.objects.count() == len(PRESETS)


def test_a_failed_or_outdated_preview_is_made_again_and_force_remakes_all(demo):
    _previews()
    bumper = VideoTemplate.objects.get(merchant=None, slug="quick-bumper")
    RenderJob.objects.filter(pk=bumper.preview_job_id).update(status=JobStatus.FAILED)
    showcase = VideoTemplate.objects.get(merchant=None, slug="product-showcase")
    VideoTemplate.objects.filter(pk=showcase.pk).update(spec={**showcase.spec, "fps": 24})  # a new version shipped
    assert "Queued 2 preset previews: product-showcase, quick-bumper." in _previews()
    assert "Queued 9 preset previews" in _previews(force=True)


def test_without_the_demo_shop_the_command_says_what_to_run(db):
    with pytest.raises(CommandError, match="No demo shop: run `python manage.py seed_demo` first."):
        _previews()


def test_the_api_and_the_gallery_show_a_builtins_preview_to_every_merchant(demo, api, merchant):
    _previews()
    showcase = VideoTemplate.objects.get(merchant=None, slug="product-showcase")
    rendition = _succeed(showcase.preview_job)
    url = f"http://testserver/media/renders/demo/{showcase.preview_job_id}/9x16-preview.webp"
    listed = {t["slug"]: t for t in api.get("/api/v1/templates").json()["results"]}
    assert listed["product-showcase"]["preset_preview_url"] == url
    assert listed["product-showcase"]["preview_url"] is None  # acme has not rendered with it
    assert listed["quick-bumper"]["preset_preview_url"] is None  # still rendering
    assert api.get("/api/v1/templates/product-showcase").json()["preset_preview_url"] == url
    gallery = client_for(merchant).get(reverse("dashboard:templates")).content.decode()
    assert f'src="/media/{rendition.file.name}"' in gallery and "Made from a demo product" in gallery
    # The preset changes: the old preview no longer shows what it makes.
    VideoTemplate.objects.filter(pk=showcase.pk).update(spec={**showcase.spec, "fps": 24})
    assert api.get("/api/v1/templates/product-showcase").json()["preset_preview_url"] is None


def test_a_merchants_own_copy_has_no_preset_preview(demo, api):
    _previews()
    _succeed(VideoTemplate.objects.get(merchant=None, slug="product-showcase").preview_job)
    api.post("/api/v1/templates/product-showcase/copy", format="json")
    assert api.get("/api/v1/templates/product-showcase").json()["preset_preview_url"] is None


def test_the_render_page_shows_each_renditions_quality_report(
    merchant, product_with_photos, builtin_templates, sent_tasks
):
    from generation.services.render_jobs import render_job_create

    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=180)
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100)
    checks = {
        "product_coverage": True,
        "product_uncropped": True,
        "cards_share": True,
        "time_to_first_product": True,
        "smallest_text_height": True,
        "cta_text_height": True,
        "texts_outside_safe_zone": True,
        "integrated_lufs": False,
        "true_peak_dbtp": False,
    }
    Rendition.objects.create(
        job=job,
        aspect_ratio="9:16",
        file="renders/acme/1/9x16.mp4",
        width=180,
        height=320,
        duration=15.0,
        quality={
            "product_coverage": {
                "shots": 3,
                "measured": 3,
                "height": 0.62,
                "width": 0.41,
                "large_enough": True,
                "uncropped": True,
            },
            "cards_share": 0.267,
            "time_to_first_product": 0.0,
            "smallest_text_height": 0.041,
            "cta_text_height": 0.062,
            "texts_outside_safe_zone": 0,
            "integrated_lufs": None,
            "true_peak_dbtp": None,
            "checks": checks,
        },
    )
    page = client_for(merchant).get(reverse("dashboard:job_detail", args=[job.pk])).content.decode()
    assert "<caption>Quality report, 9:16</caption>" in page
    assert (
        '<tr><th scope="row">Time on cards</th><td>27%</td><td>≤ 30 %</td><td class="status-succeeded">Pass</td></tr>'
    ) in page
    assert '<th scope="row">Product size in product shots</th><td>62% of the height, 41% of the width' in page
    assert (
        '<tr><th scope="row">Loudness</th><td>not measured</td><td>-14 ± 1 LUFS</td>'
        '<td class="status-failed">Fail</td></tr>'
    ) in page
