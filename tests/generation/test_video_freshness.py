"""Keeping videos current, the data side: what a render shows is kept when it is made; a change to any part of it
marks the video stale in the API, and the storefront keeps the old video until a newer render succeeds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import ProductImage, Variant
from catalog.services import product_image_add, product_update
from generation.models import RenderJob, VideoTemplate
from generation.services.job_states import render_job_fail
from generation.video_freshness import render_job_is_current, render_job_stale_reasons, render_jobs_stale_reasons
from tests import factories
from tests.generation.render_api_helpers import job_make, job_succeed

pytestmark = pytest.mark.django_db


def _fresh(job) -> RenderJob:
    return RenderJob.objects.select_related("product", "variant", "template").get(pk=job.pk)


def test_a_render_keeps_what_its_video_shows(catalog):
    Variant.objects.filter(sku="MUG-1").update(compare_at_price=Decimal("30.00"))
    job = job_make(catalog)
    photos = list(ProductImage.objects.filter(product=job.product).order_by("position", "id"))
    assert job.content_shown == {
        "title": "Ceramic Mug",
        "price": "24",
        "compare_at_price": "30",
        "currency": "USD",
        "photos": [photo.sha256 for photo in photos],
        "template": {"id": job.template_id, "version": job.template.version},
    }
    assert len(photos) == 2 and render_job_is_current(job=_fresh(job))


def test_each_change_to_what_the_video_shows_is_a_stale_reason_and_undoing_it_makes_it_current(catalog):
    job = job_make(catalog)
    variant = Variant.objects.filter(sku="MUG-1")
    photos = ProductImage.objects.filter(product=job.product).order_by("position", "id")
    first_photo = photos.first()
    template = VideoTemplate.objects.filter(pk=job.template_id)
    changes = [  # (what, do, undo)
        (
            "title",
            lambda: product_update(product=job.product, changes={"title": "Blue Mug"}),
            lambda: product_update(product=job.product, changes={"title": "Ceramic Mug"}),
        ),
        ("price", lambda: variant.update(price=Decimal("19.99")), lambda: variant.update(price=Decimal("24"))),
        (
            "compare_at_price",
            lambda: variant.update(compare_at_price=Decimal("30")),
            lambda: variant.update(compare_at_price=None),
        ),
        ("currency", lambda: variant.update(currency="EUR"), lambda: variant.update(currency="USD")),
        (
            "photos",
            lambda: photos.filter(pk=first_photo.pk).update(position=5),
            lambda: photos.filter(pk=first_photo.pk).update(position=first_photo.position),
        ),
        (
            "template",
            lambda: template.update(version=job.template.version + 1),
            lambda: template.update(version=job.template.version),
        ),
    ]
    for what, do, undo in changes:
        do()
        assert render_job_stale_reasons(job=_fresh(job)) == [what], what
        undo()
    variant.update(price=Decimal("24.0000"))  # the same price written with more digits
    assert render_job_is_current(job=_fresh(job))
    variant.update(price=Decimal("19.99"))
    product_image_add(product=job.product, data=factories.photo_bytes(seed=9, colour=(10, 200, 10)))
    fresh = _fresh(job)
    assert render_job_stale_reasons(job=fresh) == ["price", "photos"]
    assert render_jobs_stale_reasons(jobs=[fresh]) == {job.pk: ["price", "photos"]}  # the batch form agrees


def test_a_title_the_render_overrode_is_not_stale_and_old_renders_never_are(catalog):
    overridden = job_make(catalog, merge_fields={"title": "Summer Mug"})
    old = job_make(catalog)
    RenderJob.objects.filter(pk=old.pk).update(content_shown={})  # made before snapshots existed
    product_update(product=overridden.product, changes={"title": "Blue Mug"})
    Variant.objects.filter(sku="MUG-1").update(price=Decimal("1"))
    assert render_job_stale_reasons(job=_fresh(overridden)) == ["price"]
    assert render_job_stale_reasons(job=_fresh(old)) == []


def test_the_embed_keeps_the_old_video_marked_stale_until_a_new_render_succeeds(api, catalog):
    def embed():
        videos = api.get("/api/v1/products/MUG-1/videos", {"aspect": "9:16"}).json()["videos"]
        return [(video["render_id"], video["stale"], video["stale_because"]) for video in videos]

    old = job_succeed(job_make(catalog), finished_at=timezone.now() - timedelta(hours=1))
    assert embed() == [(old.pk, False, [])]
    Variant.objects.filter(sku="MUG-1").update(price=Decimal("19.99"))
    assert embed() == [(old.pk, True, ["price"])]
    assert api.get(f"/api/v1/renders/{old.pk}").json()["stale_because"] == ["price"]

    rerender = job_make(catalog)  # queued, then running: the storefront still shows the old video
    assert embed() == [(old.pk, True, ["price"])]
    render_job_fail(job_id=rerender.pk, reason="engine down")  # a failure never replaces it either
    assert embed() == [(old.pk, True, ["price"])]

    new = job_succeed(job_make(catalog))
    assert embed() == [(new.pk, False, [])]
    listed = {render["id"]: render["stale"] for render in api.get("/api/v1/renders").json()["results"]}
    assert listed[old.pk] is True and listed[new.pk] is False


def test_a_page_of_renders_is_checked_in_a_fixed_number_of_queries(api, catalog, django_assert_num_queries):
    for _ in range(2):
        job_make(catalog)
    jobs = list(RenderJob.objects.all())
    with django_assert_num_queries(4):  # products, variants, templates, photos: whatever the number of renders
        render_jobs_stale_reasons(jobs=jobs)
    job_make(catalog, sku="CUP-2")
    jobs = list(RenderJob.objects.all())
    with django_assert_num_queries(4):
        reasons = render_jobs_stale_reasons(jobs=jobs)
    assert reasons == {job.pk: [] for job in jobs}
