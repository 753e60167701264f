"""The video library: every video with its product, template, ratio, date and status; filters that are bounded and
say what is wrong; share links; downloads named <handle>-<template>-<ratio>.mp4 for members of the shop only
(another shop's video is 404); and imports that refused rows say so instead of "Succeeded"."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.import_requests import catalog_import_request_create, catalog_import_request_run
from generation.models import JobStatus, RenderJob, Rendition
from generation.services.render_jobs import render_job_create
from shop_video.tenancy.models import Membership
from shop_video.tenancy.services import membership_add
from tests import factories
from tests.dashboard.conftest import client_for, job_succeed

pytestmark = pytest.mark.django_db

LIBRARY = "dashboard:video_library"


@pytest.fixture
def library(merchant, product_with_photos, builtin_templates, sent_tasks):
    """acme's renders: a ready mug showcase (9:16), a ready lamp bumper (9:16 and 1:1, a real file for 1:1), a
    failed mug bumper, a queued lamp showcase."""
    lamp = factories.product_make(merchant=merchant, sku="LAMP-1", title="Desk Lamp", photos=1)

    def job(sku, template, ratios):
        return render_job_create(
            merchant=merchant, template_slug=template, sku=sku, aspect_ratios=ratios, short_side=64
        )

    mug_showcase = job("MUG-1", "product-showcase", ["9:16"])
    job_succeed(mug_showcase)
    lamp_bumper = job("LAMP-1", "quick-bumper", ["9:16", "1:1"])
    job_succeed(lamp_bumper)
    name = default_storage.save(f"renders/tok{lamp_bumper.pk}/1x1.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42 video"))
    square = Rendition.objects.create(
        job=lamp_bumper, aspect_ratio="1:1", file=name, width=64, height=64, duration=6.0, size_bytes=22
    )
    failed = job("MUG-1", "quick-bumper", ["9:16"])
    RenderJob.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, error="boom")
    queued = job("LAMP-1", "product-showcase", ["4:5"])
    return {
        "lamp": lamp,
        "mug_showcase": mug_showcase,
        "lamp_bumper": lamp_bumper,
        "square": square,
        "failed": failed,
        "queued": queued,
    }


def _cards(response) -> list[tuple[int, str]]:
    return [
        (int(job), ratio)
        for job, ratio in re.findall(r'data-job="(\d+)" data-ratio="([^"]+)"', response.content.decode())
    ]


def test_the_library_lists_every_video_and_filters_it(member, library):
    url = reverse(LIBRARY)
    response = member.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and 'aria-current="page">Videos<' in page  # the nav item
    lamp, mug, failed, queued = (library[k].pk for k in ("lamp_bumper", "mug_showcase", "failed", "queued"))
    assert _cards(response) == [(queued, "4:5"), (failed, "9:16"), (lamp, "9:16"), (lamp, "1:1"), (mug, "9:16")]
    assert "Desk Lamp" in page and "Quick bumper" in page and 'poster="' not in page and "/9x16.jpg" in page
    # Share link: the video's public URL, with a copy button (dashboard.js's data-copy).
    square = library["square"]
    assert f'data-copy="#share-{square.pk}"' in page and f"http://testserver{square.file.url}</code>" in page
    assert _cards(member.get(url, {"q": "lamp"})) == [(queued, "4:5"), (lamp, "9:16"), (lamp, "1:1")]
    assert _cards(member.get(url, {"q": "MUG-1"})) == [(failed, "9:16"), (mug, "9:16")]  # a SKU finds its product
    assert _cards(member.get(url, {"template": "quick-bumper"})) == [(failed, "9:16"), (lamp, "9:16"), (lamp, "1:1")]
    assert _cards(member.get(url, {"ratio": "1:1"})) == [(lamp, "1:1")]
    assert _cards(member.get(url, {"status": "ready", "ratio": "9:16"})) == [(lamp, "9:16"), (mug, "9:16")]
    assert _cards(member.get(url, {"status": "failed"})) == [(failed, "9:16")]
    assert "No videos match these filters" in member.get(url, {"q": "nothing-like-it"}).content.decode()


def test_the_filters_are_bounded_and_say_what_is_wrong(member, library, settings, monkeypatch):
    from shop_video.dashboard import library_views

    url = reverse(LIBRARY)
    for bad in (
        {"q": "x" * 5000},
        {"ratio": "3:2"},
        {"status": "deleted"},
        {"template": "nope"},
        {"page": "99999"},
        {"page": "-1"},
        {"page": "abc"},
    ):
        response = member.get(url, bad)
        assert response.status_code == 400, bad
        assert 'class="errorlist' in response.content.decode(), bad
    monkeypatch.setattr(library_views, "LIBRARY_PAGE_SIZE", 2)
    first, second = member.get(url), member.get(url, {"page": 2, "template": ""})
    assert len({job for job, _ in _cards(first)}) == 2 and "Page 1 of 2" in first.content.decode()
    assert 'href="?template=&amp;page=1" rel="prev"' in second.content.decode()  # the filters stay on the links
    assert member.get(url, {"page": 50}).status_code == 200  # past the last page: the last page


def test_a_video_whose_product_changed_is_marked_out_of_date_with_what_changed(member, library):
    url = reverse(LIBRARY)
    assert "Out of date" not in member.get(url).content.decode()  # nothing changed yet
    variant = library["lamp"].variants.get()
    variant.price = variant.price + 5
    variant.save(update_fields=["price"])
    page = member.get(url).content.decode()
    assert page.count("Out of date: price") == 2  # the lamp bumper's two ratios; the mug's video is current
    cards = re.findall(r'data-job="(\d+)"[^>]*>(.*?)</li>', page, flags=re.S)
    stale_jobs = {int(job) for job, body in cards if "Out of date" in body}
    assert stale_jobs == {library["lamp_bumper"].pk}  # the queued lamp showcase is not a video yet


def test_another_shops_library_is_empty_and_its_videos_are_404(outsider, member, merchant, library):
    assert _cards(outsider.get(reverse(LIBRARY))) == []
    square = library["square"]
    assert outsider.get(reverse("dashboard:rendition_download", args=[square.pk])).status_code == 404
    assert member.get(reverse("dashboard:rendition_download", args=[10**9])).status_code == 404


def test_a_download_is_named_for_the_product_template_and_ratio(member, merchant, library):
    response = member.get(reverse("dashboard:rendition_download", args=[library["square"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == 'attachment; filename="lamp-1-quick-bumper-1x1.mp4"'
    assert b"".join(response.streaming_content) == b"\x00\x00\x00\x18ftypmp42 video"
    # A viewer may download (reading is every member's); a video whose file is gone says so.
    membership_add(merchant=merchant, email="viewer@acme.test", role=Membership.Role.VIEWER)
    viewer = client_for(merchant, email="viewer@acme.test")
    assert viewer.get(reverse("dashboard:rendition_download", args=[library["square"].pk])).status_code == 200
    missing = library["mug_showcase"].renditions.get()  # job_succeed records a file that was never written
    assert member.get(reverse("dashboard:rendition_download", args=[missing.pk])).status_code == 404


def test_a_download_from_a_bucket_redirects_with_the_same_name(member, library, monkeypatch):
    from shop_video.dashboard import library_views

    asked = {}

    class Bucket:
        def url(self, name, parameters=None):
            asked.update(name=name, parameters=parameters)
            return "https://bucket.example/signed"

    monkeypatch.setattr(library_views, "media_is_local", lambda storage: False)
    monkeypatch.setattr(Rendition.file.field, "storage", Bucket())
    response = member.get(reverse("dashboard:rendition_download", args=[library["square"].pk]))
    assert response.status_code == 302 and response["Location"] == "https://bucket.example/signed"
    assert asked["parameters"] == {"ResponseContentDisposition": 'attachment; filename="lamp-1-quick-bumper-1x1.mp4"'}


def test_an_import_with_refused_rows_says_so_and_names_its_format(member, merchant, import_sends):
    feed = b"sku,title,price,currency\nA-1,Cup,1.00,USD\nB-1,Bad,x,USD\nC-1,Bad,y,USD\nD-1,Bad,z,USD\n"
    record = catalog_import_request_create(merchant=merchant, file=SimpleUploadedFile("feed.csv", feed))
    catalog_import_request_run(import_id=record.pk)
    imports = member.get(reverse("dashboard:imports")).content.decode()
    assert 'status-partial">Imported with 3 errors<' in imports and ">Succeeded<" not in imports
    detail = member.get(reverse("dashboard:import_detail", args=[record.pk])).content.decode()
    assert "data-import-status>Imported with 3 errors<" in detail and "read as Plain CSV" in detail
    assert "plain_csv" not in detail
