"""The product page: photos deleted, reordered, made the cover and fetched again; description, prices and videos."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import ProductImage
from catalog.services import VariantFields, product_image_add, product_upsert
from generation.services.render_jobs import render_job_create
from tests import factories
from tests.dashboard.conftest import client_for, job_succeed

pytestmark = pytest.mark.django_db


def _order(product) -> list[int]:
    return list(product.images.order_by("position", "id").values_list("pk", flat=True))


def _failed_photo(product, *, url: str = "https://shop.example/missing.jpg", position: int = 2) -> ProductImage:
    return ProductImage.objects.create(
        merchant_id=product.merchant_id,
        product=product,
        source_url=url,
        position=position,
        status=ProductImage.Status.FAILED,
        error="the server answered HTTP 404",
    )


@pytest.fixture
def product(merchant):
    return factories.product_make(merchant=merchant, sku="MUG-1", photos=3)


def test_photos_move_and_the_cover_is_what_a_render_starts_from(
    member, merchant, product, builtin_templates, sent_tasks
):
    first, second, third = _order(product)
    response = member.post(reverse("dashboard:product_photo_move", args=[first]), {"direction": "later"})
    assert response.status_code == 302 and response.url == reverse("dashboard:product_detail", args=[product.pk])
    assert _order(product) == [second, first, third]
    member.post(reverse("dashboard:product_photo_move", args=[second]), {"direction": "earlier"})  # already first
    assert _order(product) == [second, first, third]
    member.post(reverse("dashboard:product_photo_cover", args=[third]))
    assert _order(product) == [third, second, first]
    assert list(product.images.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
    page = member.get(reverse("dashboard:product_detail", args=[product.pk])).content.decode()
    assert page.count('<span class="badge">cover</span>') == 1 and page.count("Set as cover") == 2
    # The cover is the photo a new video's first product shot is made from.
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    assert job.shots.order_by("position").first().source_image_id == third
    bad = member.post(reverse("dashboard:product_photo_move", args=[first]), {"direction": "sideways"}, follow=True)
    assert "Choose whether to move the photo earlier or later" in bad.content.decode()
    assert _order(product) == [third, second, first]


def test_deleting_a_photo_removes_its_file_and_closes_the_gap(member, product, django_capture_on_commit_callbacks):
    first, second, third = product.images.order_by("position")
    storage, name = second.file.storage, second.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(reverse("dashboard:product_photo_delete", args=[second.pk]), follow=True)
    assert "Photo deleted." in response.content.decode()
    assert not storage.exists(name)
    assert list(product.images.order_by("position").values_list("pk", "position")) == [(first.pk, 0), (third.pk, 1)]


def test_a_photo_an_unfinished_render_uses_is_not_deleted(member, merchant, product, builtin_templates, sent_tasks):
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    used = job.shots.exclude(source_image=None).first().source_image
    response = member.post(reverse("dashboard:product_photo_delete", args=[used.pk]), follow=True)
    assert f"Render {job.pk} is still using this photo" in response.content.decode()
    assert ProductImage.objects.filter(pk=used.pk).exists()


def test_a_failed_photo_is_counted_explained_and_fetched_again(
    member, product, monkeypatch, django_capture_on_commit_callbacks
):
    from catalog import dispatch

    sent = []
    monkeypatch.setattr(dispatch, "image_fetch_send", lambda *, image_id: sent.append(image_id))
    failed = _failed_photo(product, position=3)
    url = reverse("dashboard:product_detail", args=[product.pk])
    page = member.get(url).content.decode()
    assert "3 photos, " in page and "1 failed" in page and "the server answered HTTP 404" in page
    assert 'data-confirm="Delete photo 1' in page  # destructive: the form asks first (dashboard.js)
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(reverse("dashboard:product_photo_retry", args=[failed.pk]), follow=True)
    assert "Fetching the photo again" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.error, sent) == (ProductImage.Status.PENDING, "", [failed.pk])
    # A ready photo, and a failed one without an address, cannot be "fetched again"; a pending one not the cover.
    ready = product.images.filter(status="ready").first()
    again = member.post(reverse("dashboard:product_photo_retry", args=[ready.pk]), follow=True).content.decode()
    assert "Only a photo whose fetch failed can be fetched again." in again
    cover = member.post(reverse("dashboard:product_photo_cover", args=[failed.pk]), follow=True).content.decode()
    assert "Only a ready photo can be the cover" in cover
    assert sent == [failed.pk]


def test_the_page_shows_description_prices_and_videos_and_escapes_html(member, merchant, builtin_templates, sent_tasks):
    product, _ = product_upsert(
        merchant=merchant,
        key="lamp",
        title="Desk Lamp",
        description='Warm light.\n<script>alert("x")</script>' + "long " * 3000,
        variants=[VariantFields(sku="LAMP-1", price=Decimal("39.00"), currency="USD")],
    )
    product_image_add(product=product, data=factories.photo_bytes(seed=5))
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="LAMP-1", short_side=64)
    job_succeed(job)
    product.variants.update(compare_at_price=Decimal("49.00"))  # on sale since the video was made
    page = member.get(reverse("dashboard:product_detail", args=[product.pk])).content.decode()
    assert "Warm light.<br>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert page.count("long ") < 1200 and "The whole description</summary>" in page  # a huge one is cut short
    assert "39.00" in page and "<s>49.00" in page
    assert reverse("dashboard:job_detail", args=[job.pk]) in page and "<video" in page
    assert f"renders/acme/{job.pk}/9x16.jpg" in page  # the poster


def test_another_merchants_photo_is_404_and_untouched(merchant, other_merchant, product):
    image = product.images.first()
    outsider = client_for(other_merchant)
    for name in ("product_photo_delete", "product_photo_move", "product_photo_cover", "product_photo_retry"):
        assert outsider.post(reverse(f"dashboard:{name}", args=[image.pk]), {"direction": "later"}).status_code == 404
    assert outsider.post(reverse("dashboard:product_photo_delete", args=[10**12])).status_code == 404
    assert product.images.count() == 3 and _order(product)[0] == image.pk


def test_a_viewer_sees_no_photo_controls_and_cannot_post_them(merchant, product):
    from shop_video.tenancy.services import membership_add

    membership_add(merchant=merchant, email="viewer@acme.test", role="viewer")
    viewer = client_for(merchant, email="viewer@acme.test")
    page = viewer.get(reverse("dashboard:product_detail", args=[product.pk])).content.decode()
    assert "Set as cover" not in page and "Delete" not in page
    image = product.images.first()
    assert viewer.post(reverse("dashboard:product_photo_delete", args=[image.pk])).status_code == 403
    assert product.images.count() == 3
