"""The templates and renders API (/api/v1/): creating renders, reading them, cancelling, the storefront embed,
webhook events, and that another merchant's key sees none of it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from generation import api_serializers as generation_api
from generation.models import JobStatus, RenderJob, Rendition, Shot, VideoTemplate
from generation.services.job_states import render_job_fail
from tests.generation.render_api_helpers import QUALITY, job_make, job_succeed

pytestmark = pytest.mark.django_db

RENDERS = "/api/v1/renders"


# --- POST /renders ------------------------------------------------------------------------------------------


def test_one_sku_is_accepted_with_the_render_and_its_location(
    api, catalog, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            RENDERS,
            {
                "template": "product-showcase",
                "sku": "MUG-1",
                "aspect_ratios": ["9:16", "1:1"],
                "webhook_url": "https://hooks.example.com/renders",
                "metadata": {"campaign": "summer", "n": 3},
            },
            format="json",
        )
    assert response.status_code == 202, response.json()
    [render] = response.json()["renders"]
    job = RenderJob.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/renders/{job.pk}"
    assert render == {
        "id": job.pk,
        "status": "queued",
        "progress": 0,
        "stage": "queued",
        "error": None,
        "template": "product-showcase",
        "sku": "MUG-1",
        "engine": "motion",
        "family": None,
        "aspect_ratios": ["9:16", "1:1"],
        "webhook_url": "https://hooks.example.com/renders",
        "metadata": {"campaign": "summer", "n": 3},
        "campaign": None,
        "created_at": job.created_at.isoformat().replace("+00:00", "Z"),
        "finished_at": None,
        "stale": False,
        "stale_because": [],
        "outputs": [],
    }
    assert (job.merchant.slug, job.variant.sku, job.webhook_url, job.metadata) == (
        "acme",
        "MUG-1",
        "https://hooks.example.com/renders",
        {"campaign": "summer", "n": 3},
    )
    assert job.shots.count() == 6  # (2 photos + 1 detail shot for max_shots 3) x 2 aspect ratios (motion: each its own)
    assert sent_tasks["shots"] == [(list(job.shots.values_list("pk", flat=True)), "cpu")]


def test_many_skus_make_one_render_each_in_the_order_sent(api, catalog):
    response = api.post(RENDERS, {"template": "quick-bumper", "skus": ["CUP-2", "MUG-1"]}, format="json")
    assert response.status_code == 202, response.json()
    renders = response.json()["renders"]
    assert [(r["sku"], r["template"], r["aspect_ratios"]) for r in renders] == [
        ("CUP-2", "quick-bumper", ["9:16"]),
        ("MUG-1", "quick-bumper", ["9:16"]),
    ]
    assert response["Location"].endswith(f"/api/v1/renders/{renders[0]['id']}")
    assert RenderJob.objects.count() == 2


def test_a_bad_sku_among_many_creates_nothing_and_is_named(
    api, catalog, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            RENDERS, {"template": "product-showcase", "skus": ["MUG-1", "NOPE-9", "CUP-2"]}, format="json"
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert "No renders were created" in error["message"] and "SKU 'NOPE-9'" in error["message"]
    assert RenderJob.objects.count() == 0 and Shot.objects.count() == 0
    assert sent_tasks["shots"] == []  # the rolled-back jobs' tasks were never sent


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"sku": "MUG-1", "skus": ["MUG-1"]}, None, "either sku (one product) or skus"),
        ({}, None, "not neither"),
        ({"skus": []}, "skus", ""),
        ({"skus": [f"S-{n}" for n in range(51)]}, "skus", "no more than 50"),
        ({"skus": ["MUG-1", "MUG-1"]}, None, "'MUG-1' is listed more than once"),
        ({"sku": "MUG-1", "aspect_ratios": ["3:2"]}, "aspect_ratios", "use 9:16, 1:1, 16:9, 4:5"),
        (
            {"sku": "MUG-1", "aspect_ratio": ["9:16"]},
            "aspect_ratio",
            "aspect_ratio is not a render field; send any of template, sku, skus, aspect_ratios,",
        ),
        ({"sku": "MUG-1", "engine": "sora"}, None, "Unknown engine 'sora'"),
        ({"sku": "MUG-1", "family": "sd"}, "family", "use ltx, wan, cogvideox"),
        ({"sku": "MUG-1", "family": "ltx"}, None, "applies to the dit engine only"),
        (
            {"sku": "MUG-1", "merge_fields": {"title": "x", "colour": "red"}},
            None,
            "unknown field(s) 'colour'; the fields you can override are title, brand, description, product_type",
        ),
        ({"sku": "MUG-1", "webhook_url": "http://hooks.example.com/x"}, None, "webhook_url must be an https:// URL"),
        ({"sku": "MUG-1", "webhook_url": "not a url"}, "webhook_url", "valid URL"),
        ({"sku": "MUG-1", "metadata": {f"k{n}": n for n in range(21)}}, "metadata", "21 keys; keep it to 20"),
        ({"sku": "MUG-1", "metadata": {"blob": "x" * 9000}}, "metadata", "keep it to 8192"),
        ({"sku": "MUG-1", "metadata": "text"}, "metadata", ""),
    ],
)
def test_bad_requests_are_400_saying_what_to_change_and_create_nothing(api, catalog, body, field, message):
    response = api.post(RENDERS, {"template": "product-showcase", **body}, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert message in error["message"]
    if field:
        assert any(name == field or name.startswith(f"{field}[") for name in error["fields"]), error["fields"]
    assert RenderJob.objects.count() == 0


def test_an_unknown_template_is_named(api, catalog):
    response = api.post(RENDERS, {"template": "nope", "skus": ["MUG-1", "CUP-2"]}, format="json")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert (
        message.count("No template 'nope'") == 1
        and "available: beauty-glow, electronics-spec, fashion-lookbook, food-fresh, home-cosy, presenter-spotlight, product-showcase, product-story, quick-bumper"
        in message
    )


def test_a_non_json_body_is_refused(api, catalog):
    response = api.post(RENDERS, {"template": "product-showcase", "sku": "MUG-1"})  # multipart
    assert response.status_code == 415
    assert response.json()["error"]["type"] == "unsupported_media_type"


def test_merge_fields_override_the_shot_prompts(api, catalog):
    response = api.post(
        RENDERS,
        {"template": "product-showcase", "sku": "MUG-1", "merge_fields": {"title": "Summer  Sale Mug"}},
        format="json",
    )
    assert response.status_code == 202, response.json()
    prompts = set(Shot.objects.values_list("prompt", flat=True))
    assert prompts == {
        "Summer Sale Mug, premium product video, the product on display, soft studio light, sharp details"
    }


def test_the_dit_engine_records_its_family(api, catalog):
    response = api.post(
        RENDERS, {"template": "quick-bumper", "sku": "MUG-1", "engine": "dit", "family": "wan"}, format="json"
    )
    assert response.status_code == 202, response.json()
    [render] = response.json()["renders"]
    assert (render["engine"], render["family"]) == ("dit", "wan")
    assert Shot.objects.get().parameters["family"] == "wan"


def test_another_merchants_sku_cannot_be_rendered(other_api, catalog):
    response = other_api.post(RENDERS, {"template": "product-showcase", "sku": "MUG-1"}, format="json")
    assert response.status_code == 400 and "no product with SKU 'MUG-1'" in response.json()["error"]["message"]
    assert RenderJob.objects.count() == 0


def test_no_credentials_is_401(catalog):
    from rest_framework.test import APIClient

    response = APIClient().post(RENDERS, {"template": "product-showcase", "sku": "MUG-1"}, format="json")
    assert response.status_code == 401 and response.json()["error"]["type"] == "authentication_failed"


# --- GET /renders, /renders/{id}, cancel ---------------------------------------------------------------------


def test_a_render_shows_its_outputs_with_absolute_urls(api, catalog):
    job = job_succeed(job_make(catalog))
    response = api.get(f"{RENDERS}/{job.pk}")
    assert response.status_code == 200
    render = response.json()
    assert (render["status"], render["progress"], render["error"]) == ("succeeded", 100, None)
    assert render["finished_at"] == job.finished_at.isoformat().replace("+00:00", "Z")
    base = f"http://testserver/media/renders/acme/{job.pk}"
    assert render["outputs"] == [
        {
            "aspect_ratio": "9:16",
            "url": f"{base}/9x16.mp4",
            "width": 180,
            "height": 320,
            "duration": 7.5,
            "poster_url": f"{base}/9x16-poster.jpg",
            "preview_url": f"{base}/9x16-preview.webp",
            "captions": f"{base}/9x16.vtt",
            "captions_srt_url": f"{base}/9x16.srt",
            "quality": QUALITY,
            "ai_generated": False,
            "provenance": None,
        },
        {
            "aspect_ratio": "1:1",
            "url": f"{base}/1x1.mp4",
            "width": 180,
            "height": 180,
            "duration": 7.5,
            "poster_url": f"{base}/1x1-poster.jpg",
            "preview_url": f"{base}/1x1-preview.webp",
            "captions": f"{base}/1x1.vtt",
            "captions_srt_url": None,
            "quality": None,
            "ai_generated": False,
            "provenance": None,
        },  # made before reports (and before signing)
    ]


def test_the_payload_has_exactly_the_documented_fields(api, catalog):
    job = job_succeed(job_make(catalog))
    render = api.get(f"{RENDERS}/{job.pk}").json()
    assert set(render) == set(generation_api.RenderSerializer().fields)
    assert set(render["outputs"][0]) == set(generation_api.RenderOutputSerializer().fields)
    template = api.get("/api/v1/templates/product-showcase").json()
    assert set(template) == set(generation_api.TemplateSerializer().fields)


def test_a_failed_render_says_why(api, catalog):
    job = job_make(catalog)
    render_job_fail(job_id=job.pk, reason="shot 1 (motion, push_in) failed: out of memory")
    render = api.get(f"{RENDERS}/{job.pk}").json()
    assert (render["status"], render["error"]) == ("failed", "shot 1 (motion, push_in) failed: out of memory")


def test_renders_list_newest_first_in_cursor_pages_filtered_by_status_and_sku(api, catalog):
    first, second, third = job_make(catalog), job_make(catalog, sku="CUP-2"), job_make(catalog)
    job_succeed(first)
    page = api.get(RENDERS, {"limit": 2}).json()
    assert [r["id"] for r in page["results"]] == [third.pk, second.pk] and page["previous"] is None
    rest = api.get(page["next"]).json()
    assert [r["id"] for r in rest["results"]] == [first.pk] and rest["next"] is None
    assert rest["results"][0]["outputs"][0]["aspect_ratio"] == "9:16"
    assert [r["id"] for r in api.get(RENDERS, {"status": "succeeded"}).json()["results"]] == [first.pk]
    assert [r["id"] for r in api.get(RENDERS, {"sku": "CUP-2"}).json()["results"]] == [second.pk]
    bad = api.get(RENDERS, {"status": "done"})
    assert bad.status_code == 400
    assert "use one of queued, running, succeeded, failed, cancelled" in bad.json()["error"]["message"]


def test_renders_list_takes_a_fixed_number_of_queries(api, catalog, django_assert_max_num_queries):
    for _ in range(3):
        job_succeed(job_make(catalog))
    api.get(RENDERS)  # warm the throttle cache
    with CaptureQueriesContext(connection) as few:
        api.get(RENDERS, {"limit": 1})
    with django_assert_max_num_queries(len(few)):
        assert len(api.get(RENDERS).json()["results"]) == 3


def test_cancel_a_queued_render(api, catalog):
    job = job_make(catalog)
    response = api.post(f"{RENDERS}/{job.pk}/cancel")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["error"]) == ("cancelled", "cancelled on request")
    assert set(job.shots.values_list("status", flat=True)) == {"cancelled"}


def test_cancel_after_it_finished_is_409_saying_so(api, catalog):
    job = job_succeed(job_make(catalog))
    response = api.post(f"{RENDERS}/{job.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "type": "conflict",
        "message": f"Render {job.pk} already finished (succeeded); only queued or running renders can be cancelled.",
    }
    assert RenderJob.objects.get().status == "succeeded"


def test_a_missing_render_is_404(api, catalog):
    assert api.get(f"{RENDERS}/999999").status_code == 404
    assert api.post(f"{RENDERS}/999999/cancel").status_code == 404


# --- templates -------------------------------------------------------------------------------------------------


def test_templates_list_builtins_and_the_merchants_own_which_shadows_a_builtin(api, catalog, other_merchant):
    VideoTemplate.objects.create(
        merchant=catalog,
        slug="product-showcase",
        name="Ours",
        spec={"scenes": [{"type": "product_shots", "duration": 2.0, "max_shots": 2}]},
    )
    VideoTemplate.objects.create(merchant=catalog, slug="broken", name="Broken", spec={"scenes": []})
    VideoTemplate.objects.create(
        merchant=other_merchant,
        slug="theirs",
        name="Theirs",
        spec={"scenes": [{"type": "product_shots", "duration": 1.0}]},
    )
    response = api.get("/api/v1/templates")
    assert response.status_code == 200
    templates = {t["slug"]: t for t in response.json()["results"]}
    assert list(templates) == [
        "beauty-glow",
        "broken",
        "electronics-spec",
        "fashion-lookbook",
        "food-fresh",
        "home-cosy",
        "presenter-spotlight",
        "product-showcase",
        "product-story",
        "quick-bumper",
    ]
    assert templates["product-showcase"]["name"] == "Ours" and not templates["product-showcase"]["is_builtin"]
    assert templates["product-showcase"]["max_duration"] == 4.0
    assert templates["broken"]["scenes"] == [] and 'non-empty "scenes"' in templates["broken"]["spec_error"]
    bumper = templates["quick-bumper"]
    assert (bumper["is_builtin"], bumper["version"], bumper["preview_url"], bumper["spec_error"]) == (
        True,
        5,
        None,
        None,
    )
    assert bumper["scenes"] == [
        {
            "type": "product_shots",
            "duration": 4.7,
            "transition": "cut",
            "max_shots": 1,
            "cameras": ["push_in"],
            "source": "photo",
        },
        {
            "type": "price_card",
            "duration": 1.6,
            "transition": "crossfade",
            "max_shots": None,
            "cameras": None,
            "source": None,
        },
    ]
    assert bumper["max_duration"] == pytest.approx(6.0)  # 4.7 s + 1.6 s, less the 0.3 s crossfade


def test_a_template_by_slug(api, catalog):
    response = api.get("/api/v1/templates/product-showcase")
    assert response.status_code == 200
    template = response.json()
    assert (template["slug"], template["name"], template["spec"]["fps"]) == (
        "product-showcase",
        "Product showcase (15 s)",
        30,
    )
    # 3 shots x 4 + price 2.2 + cta 2.4, less 2 scene and 2 shot crossfades of 0.4 s
    assert template["max_duration"] == pytest.approx(3 * 4.0 + 2.2 + 2.4 - 4 * 0.4)
    assert template["preview_url"] is None  # not rendered with yet
    job = job_succeed(job_make(catalog, aspect_ratios=["9:16"]))
    preview = f"http://testserver/media/renders/acme/{job.pk}/9x16-preview.webp"
    assert api.get("/api/v1/templates/product-showcase").json()["preview_url"] == preview
    listed = {t["slug"]: t["preview_url"] for t in api.get("/api/v1/templates").json()["results"]}
    assert listed["product-showcase"] == preview and listed["quick-bumper"] is None
    assert api.get("/api/v1/templates/nope").status_code == 404


# --- tenancy ---------------------------------------------------------------------------------------------------


def test_another_merchant_gets_404_for_every_render_and_template_of_acme(other_api, catalog):
    job = job_succeed(job_make(catalog))
    VideoTemplate.objects.create(
        merchant=catalog, slug="acme-only", name="Ours", spec={"scenes": [{"type": "product_shots", "duration": 1.0}]}
    )
    for response in (
        other_api.get(f"{RENDERS}/{job.pk}"),
        other_api.post(f"{RENDERS}/{job.pk}/cancel"),
        other_api.get("/api/v1/templates/acme-only"),
        other_api.get("/api/v1/products/MUG-1/videos"),
    ):
        assert response.status_code == 404, response.request
        assert response.json()["error"]["type"] == "not_found"
    assert other_api.get(RENDERS).json()["results"] == []
    assert "acme-only" not in {t["slug"] for t in other_api.get("/api/v1/templates").json()["results"]}
    assert RenderJob.objects.get().status == "succeeded"


# --- webhook events ----------------------------------------------------------------------------------------


def test_a_job_that_fails_emits_render_failed_once_to_its_webhook_url(catalog, emitted):
    job = job_make(catalog, webhook_url="https://hooks.example.com/r")
    assert render_job_fail(job_id=job.pk, reason="shot 2 failed: black frames")
    assert not render_job_fail(job_id=job.pk, reason="again")  # already failed: no second event
    [call] = emitted
    assert (call["merchant"], call["event"], list(call["extra_urls"])) == (
        catalog,
        "render.failed",
        ["https://hooks.example.com/r"],
    )
    assert call["data"]["id"] == job.pk and call["data"]["status"] == "failed"
    assert call["data"]["error"] == "shot 2 failed: black frames"


def test_a_job_that_succeeds_emits_render_succeeded_with_its_outputs(catalog, emitted, monkeypatch, settings):
    from generation.assembly import assemble

    settings.SITE_URL = "https://videos.example.com"
    job = job_make(catalog)
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, assembly_queued_at=timezone.now())
    monkeypatch.setattr(assemble, "timeline_for_job", lambda job, ratio: ratio)
    monkeypatch.setattr(
        assemble,
        "_rendition_write",
        lambda job, ratio, timeline, **_: Rendition.objects.create(
            job=job,
            aspect_ratio=ratio,
            file=f"renders/acme/{job.pk}/{ratio.replace(':', 'x')}.mp4",
            width=180,
            height=320,
            duration=7.5,
        ),
    )
    assemble.render_job_assemble(job_id=job.pk)
    [call] = emitted
    assert (call["event"], list(call["extra_urls"])) == ("render.succeeded", [])
    data = call["data"]
    assert (data["id"], data["status"], data["progress"]) == (job.pk, "succeeded", 100)
    assert [(o["aspect_ratio"], o["url"], o["poster_url"]) for o in data["outputs"]] == [
        ("9:16", f"https://videos.example.com/media/renders/acme/{job.pk}/9x16.mp4", None),
        ("1:1", f"https://videos.example.com/media/renders/acme/{job.pk}/1x1.mp4", None),
    ]


def test_a_cancelled_job_that_finishes_assembling_emits_nothing(catalog, emitted, monkeypatch):
    from generation.assembly import assemble

    job = job_make(catalog, aspect_ratios=["9:16"])
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, assembly_queued_at=timezone.now())

    def write_then_cancelled(job, ratio, timeline, **_):
        RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)

    monkeypatch.setattr(assemble, "timeline_for_job", lambda job, ratio: ratio)
    monkeypatch.setattr(assemble, "_rendition_write", write_then_cancelled)
    assemble.render_job_assemble(job_id=job.pk)
    assert emitted == []


def test_a_webhook_that_cannot_be_queued_never_changes_the_job(catalog, monkeypatch, caplog):
    from shop_video.webhooks import services as webhook_services

    def broken(**kwargs):
        raise RuntimeError("webhook table missing")

    monkeypatch.setattr(webhook_services, "webhook_event_emit", broken)
    job = job_make(catalog)
    assert render_job_fail(job_id=job.pk, reason="boom")
    assert RenderJob.objects.get().status == "failed"
    assert "could not queue the render.failed webhook" in caplog.text


def test_webhook_urls_are_media_relative_without_site_url(catalog, emitted, settings):
    settings.SITE_URL = ""
    job = job_make(catalog)
    Rendition.objects.create(
        job=job, aspect_ratio="9:16", file="renders/acme/1/9x16.mp4", width=2, height=2, duration=1
    )
    render_job_fail(job_id=job.pk, reason="boom")
    assert emitted[0]["data"]["outputs"][0]["url"] == "/media/renders/acme/1/9x16.mp4"


def test_webhook_urls_are_absolute_with_site_url(catalog, emitted, settings):
    settings.SITE_URL = "https://videos.example.com"
    job = job_make(catalog)
    Rendition.objects.create(
        job=job, aspect_ratio="9:16", file="renders/acme/1/9x16.mp4", width=2, height=2, duration=1
    )
    render_job_fail(job_id=job.pk, reason="boom")
    assert emitted[0]["data"]["outputs"][0]["url"] == "https://videos.example.com/media/renders/acme/1/9x16.mp4"


def test_render_failed_reaches_the_webhook_service_for_the_jobs_own_url(catalog):
    """Not mocked: the real webhook service queues a delivery to the render's webhook_url."""
    from shop_video.webhooks.models import WebhookDelivery

    job = job_make(catalog, webhook_url="https://hooks.example.com/r")
    render_job_fail(job_id=job.pk, reason="boom")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.url, delivery.merchant) == (
        "render.failed",
        "https://hooks.example.com/r",
        catalog,
    )
