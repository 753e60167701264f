"""The storefront embed: GET /api/v1/products/{sku}/videos (latest succeeded renders, caching, queries)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from generation.models import Rendition
from generation.services.job_states import render_job_fail
from tests.generation.render_api_helpers import job_make, job_succeed

pytestmark = pytest.mark.django_db


# --- the storefront embed ----------------------------------------------------------------------------------


def _videos(api, sku="MUG-1", **params):
    return api.get(f"/api/v1/products/{sku}/videos", params)


def test_embed_gives_the_latest_succeeded_renders_videos(api, catalog):
    old = job_succeed(job_make(catalog), finished_at=timezone.now() - timedelta(hours=2))
    new = job_succeed(job_make(catalog, aspect_ratios=["1:1"]), finished_at=timezone.now() - timedelta(hours=1))
    job_make(catalog)  # queued: not yet a video
    failed = job_make(catalog)
    Rendition.objects.create(job=failed, aspect_ratio="1:1", file="x.mp4", width=2, height=2, duration=1)
    render_job_fail(job_id=failed.pk, reason="boom")
    response = _videos(api)
    assert response.status_code == 200
    body = response.json()
    rendition = new.renditions.get()
    assert body == {
        "sku": "MUG-1",
        "videos": [
            {
                "render_id": new.pk,
                "created_at": rendition.created_at.isoformat().replace("+00:00", "Z"),
                "aspect_ratio": "1:1",
                "url": f"http://testserver/media/renders/acme/{new.pk}/1x1.mp4",
                "width": 180,
                "height": 180,
                "duration": 7.5,
                "poster_url": f"http://testserver/media/renders/acme/{new.pk}/1x1-poster.jpg",
                "preview_url": f"http://testserver/media/renders/acme/{new.pk}/1x1-preview.webp",
                "captions": f"http://testserver/media/renders/acme/{new.pk}/1x1.vtt",
                "captions_srt_url": None,
                "quality": None,
                "ai_generated": False,
                "provenance": None,
                "stale": False,
                "stale_because": [],
            }
        ],
    }
    # The latest render has no 9:16: the one before it does.
    portrait = _videos(api, aspect="9:16").json()["videos"]
    assert [(v["render_id"], v["aspect_ratio"]) for v in portrait] == [(old.pk, "9:16")]
    assert _videos(api, aspect="16:9").json()["videos"] == []


def test_embed_finds_the_product_by_any_variants_sku(api, catalog):
    from decimal import Decimal

    from catalog.services import VariantFields, product_upsert

    product, _ = product_upsert(
        merchant=catalog,
        key="mug-1",
        title="Ceramic Mug",
        variants=[
            VariantFields(sku="MUG-1", price=Decimal("24"), currency="USD"),
            VariantFields(sku="MUG-1-BLUE", price=Decimal("24"), currency="USD"),
        ],
    )
    job = job_succeed(job_make(catalog, sku="MUG-1"))
    videos = _videos(api, sku="MUG-1-BLUE").json()["videos"]
    assert {v["render_id"] for v in videos} == {job.pk}


def test_embed_of_a_product_without_videos_is_an_empty_list_and_an_unknown_sku_404(api, catalog):
    assert _videos(api).json() == {"sku": "MUG-1", "videos": []}
    assert _videos(api, sku="NOPE").status_code == 404


def test_embed_refuses_an_unknown_aspect_naming_the_valid_ones(api, catalog):
    response = _videos(api, aspect="3:2")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "aspect": ["'3:2' is not an aspect ratio we make; use one of 9:16, 1:1, 16:9, 4:5."]
    }


def test_embed_is_cacheable_with_an_etag_and_304(api, catalog):
    job = job_succeed(job_make(catalog))
    first = _videos(api, aspect="9:16")
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, max-age=60" and etag.startswith('"')
    assert "Authorization" in first["Vary"]
    assert _videos(api, aspect="9:16")["ETag"] == etag  # stable
    assert _videos(api, aspect="1:1")["ETag"] != etag  # per representation
    not_modified = api.get("/api/v1/products/MUG-1/videos", {"aspect": "9:16"}, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag and not_modified["Cache-Control"] == "private, max-age=60"
    weak = api.get("/api/v1/products/MUG-1/videos", {"aspect": "9:16"}, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    assert weak.status_code == 304
    # A newer render changes the answer: the old ETag no longer matches.
    job_succeed(job_make(catalog), finished_at=job.finished_at + timedelta(minutes=1))
    changed = api.get("/api/v1/products/MUG-1/videos", {"aspect": "9:16"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_embed_is_two_queries_beyond_authentication(api, catalog, django_assert_max_num_queries):
    for _ in range(5):
        job_succeed(job_make(catalog))
    api.get("/api/v1/me")  # warm the throttle cache
    with CaptureQueriesContext(connection) as authentication:
        api.get("/api/v1/me")
    # The renditions with their job, product, variant and template; the product's photos (the stale check).
    with django_assert_max_num_queries(len(authentication) + 2):
        assert len(_videos(api, aspect="9:16").json()["videos"]) == 1
    with django_assert_max_num_queries(len(authentication) + 2):  # the SKU check, only when nothing was found
        assert _videos(api, sku="NOPE").status_code == 404
