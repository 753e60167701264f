"""Campaigns in the dashboard: the catalog's filters and selection, "Make videos" -> a draft with its estimate and
dry run (POST-redirect-GET), launch, the progress fragment htmx polls, actions, roles and bad input."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product, Variant
from catalog.services import VariantFields, product_image_add, product_upsert
from generation.campaigns.models import Campaign
from generation.models import JobStatus, RenderJob
from generation.services.job_states import render_job_fail
from generation.services.render_jobs import render_job_create
from shop_video.tenancy.models import Membership
from shop_video.tenancy.services import membership_add
from tests import factories
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db

NEW = reverse("dashboard:campaign_new")


def _product(merchant, key, *, product_type, brand, photos=1, stock=True):
    product, _ = product_upsert(
        merchant=merchant,
        key=key,
        title=f"{product_type} {key}",
        product_type=product_type,
        brand=brand,
        variants=[
            VariantFields(
                sku=key.upper(),
                price=Decimal("20"),
                currency="USD",
                availability=Variant.Availability.IN_STOCK if stock else Variant.Availability.OUT_OF_STOCK,
            )
        ],
    )
    for seed in range(photos):
        product_image_add(product=product, data=factories.photo_bytes(seed=seed))
    return product


@pytest.fixture
def shop(merchant, builtin_templates, sent_tasks):
    """acme: two mugs by Acme (one without a photo), a shirt by Other (out of stock), a draft mug."""
    products = {
        "mug-1": _product(merchant, "mug-1", product_type="Mugs", brand="Acme"),
        "mug-2": _product(merchant, "mug-2", product_type="Mugs", brand="Acme", photos=0),
        "tee-1": _product(merchant, "tee-1", product_type="Shirts", brand="Other", stock=False),
        "mug-draft": _product(merchant, "mug-draft", product_type="Mugs", brand="Acme", photos=0),
    }
    Product.objects.filter(pk=products["mug-draft"].pk).update(status=Product.Status.DRAFT)
    return products


def _titles(html: str) -> set[str]:
    return set(re.findall(r'class="card-title"><a [^>]*>([^<]+)</a>', html))


def _form_post(client, page_html: str, **overrides):
    """Post the campaign form as a browser would: its hidden fields (selection, token) and the chosen options."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page_html)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    data.pop("csrfmiddlewaretoken", None)
    data.update({"name": "Spring", "template": "product-showcase", "aspect_ratios": ["9:16"], "engine": "motion"})
    data.update(overrides)
    return client.post(NEW, data)


def test_catalog_filters_and_the_search_button_beside_its_field(member, shop):
    catalog = reverse("dashboard:catalog")
    page = member.get(catalog).content.decode()
    assert _titles(page) == {"Mugs mug-1", "Mugs mug-2", "Shirts tee-1", "Mugs mug-draft"}
    assert re.search(
        r'<div class="search-row"><input type="search"[^>]*>\s*<button type="submit">Search</button>', page
    )
    assert 'href="/static/dashboard/campaigns.css"' in page or "campaigns.css" in page
    assert _titles(member.get(catalog, {"type": "mugs"}).content.decode()) == {"Mugs mug-1", "Mugs mug-2"}
    assert _titles(member.get(catalog, {"vendor": "Other"}).content.decode()) == {"Shirts tee-1"}
    assert _titles(member.get(catalog, {"in_stock": "on"}).content.decode()) == {"Mugs mug-1", "Mugs mug-2"}
    assert _titles(member.get(catalog, {"has_photos": "on", "q": "mug"}).content.decode()) == {"Mugs mug-1"}
    page = member.get(catalog, {"type": "Mugs"}).content.decode()
    assert "Select all 2 matching products" in page  # the draft is listed, not rendered
    assert '<input type="hidden" name="type" value="Mugs">' in page
    assert member.get(catalog, {"q": "x" * 201}).status_code == 200  # too long: ignored, not a 500


def test_select_all_matching_makes_a_draft_over_the_filters_with_estimate_and_dry_run(member, shop, merchant):
    form = member.get(NEW, {"type": "Mugs", "in_stock": "on", "all_matching": "on"})
    assert form.status_code == 200
    page = form.content.decode()
    assert "2 products" in page and "product type “Mugs”, in stock" in page
    assert 'name="engine"' in page and 'value="dit"' not in page  # no GPU worker here: not offered

    created = _form_post(member, page)
    campaign = Campaign.objects.get(merchant=merchant)
    assert created.status_code == 302 and created["Location"] == reverse(
        "dashboard:campaign_detail", args=[campaign.pk]
    )
    assert campaign.selection == {"product_type": "Mugs", "in_stock": True}  # the filters, not ids
    assert (campaign.status, campaign.products_total, campaign.aspect_ratios) == ("draft", 2, ["9:16"])
    assert _form_post(member, page).status_code == 302 and Campaign.objects.count() == 1  # posted twice: one

    draft = member.get(created["Location"]).content.decode()
    assert "Before you launch" in draft and "Estimate" in draft
    assert "No ready photo" in draft and "Mugs mug-2" in draft  # the dry run: skipped, and why
    assert RenderJob.objects.count() == 0  # nothing rendered before launch
    assert 'hx-trigger="every' not in draft  # a draft does not poll


def test_ticked_products_and_a_search_become_handles_and_bad_picks_say_what_to_do(member, shop, other_merchant):
    page = member.get(NEW, {"product": [shop["mug-1"].pk, shop["tee-1"].pk]}).content.decode()
    _form_post(member, page)
    assert Campaign.objects.get().selection == {"skus": ["mug-1", "tee-1"]}
    assert "1 product" in member.get(NEW, {"q": "tee", "all_matching": "on"}).content.decode()
    opened = member.get(NEW)  # from the menu, nothing chosen: where to choose, not an error
    assert opened.status_code == 200 and "Tick the products" in opened.content.decode()
    foreign = factories.product_make(merchant=other_merchant, sku="THEIRS-1", photos=0)
    for params, message in (
        ({"all_matching": ""}, "Tick the products"),
        ({"product": "abc"}, "whole numbers"),
        ({"product": [str(n) for n in range(1, 502)]}, "tick at most 500"),
        ({"product": foreign.pk}, "None of the ticked products"),  # another shop's product is not found
        ({"q": "nothing-like-it", "all_matching": "on"}, "No active product matches"),
        ({"type": "t" * 201, "all_matching": "on"}, "at most 200 characters"),
    ):
        response = member.get(NEW, params)
        assert response.status_code == 400 and message in response.content.decode(), params
    # Filters matching nothing: refused when the draft would be made, nothing created.
    empty = _form_post(member, member.get(NEW, {"type": "Nothing", "all_matching": "on"}).content.decode())
    assert empty.status_code == 400 and "matches none of your products" in empty.content.decode()
    assert Campaign.objects.count() == 1


def test_the_campaign_form_refuses_what_cannot_run(member, shop):
    page = member.get(NEW, {"product": shop["mug-1"].pk}).content.decode()
    for overrides, message in (
        ({"engine": "dit"}, "Select a valid choice"),
        ({"template": "nope"}, "Select a valid choice"),
        ({"aspect_ratios": []}, "Tick at least one aspect ratio"),
        ({"name": "n" * 201}, "at most 200 characters"),
    ):
        response = _form_post(member, page, **overrides)
        assert response.status_code == 400 and message in response.content.decode(), overrides
    assert not Campaign.objects.exists()
    for token in ("", "<script>", "t" * 5000):  # a token that is not ours: made, just not deduplicated
        assert _form_post(member, page, token=token).status_code == 302
    assert Campaign.objects.filter(idempotency_key="").count() == 3


def test_launch_polls_progress_until_cancelled_and_failures_read_for_merchants(member, shop, merchant):
    page = member.get(NEW, {"product": [shop["mug-1"].pk]}).content.decode()
    campaign = Campaign.objects.get(pk=int(_form_post(member, page)["Location"].rstrip("/").split("/")[-1]))
    detail = reverse("dashboard:campaign_detail", args=[campaign.pk])
    launched = member.post(reverse("dashboard:campaign_launch", args=[campaign.pk]))
    assert launched.status_code == 302 and launched["Location"] == detail
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    assert member.post(reverse("dashboard:campaign_launch", args=[campaign.pk])).status_code == 302  # twice: said
    assert "only a draft campaign can be launched" in member.get(detail).content.decode()

    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    RenderJob.objects.filter(pk=job.pk).update(campaign=campaign)
    render_job_fail(job_id=job.pk, reason="shot 1 lost its worker 3 times; the worker was stopped")
    fragment = member.get(detail, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("{#") or fragment.lstrip().startswith("<section")
    assert "<h1" not in fragment and 'hx-trigger="every 2s"' in fragment
    assert "A render worker stopped while making this video" in fragment
    assert f'href="{reverse("dashboard:job_detail", args=[job.pk])}"' in fragment  # links to its renders
    assert re.search(r"<dt>Failed</dt><dd>1</dd>", fragment)
    assert re.search(r'action="[^"]+/cancel/" data-confirm="Cancel this campaign\?', fragment)
    assert re.search(r'action="[^"]+/retry/" data-confirm="', fragment)

    assert member.post(reverse("dashboard:campaign_pause", args=[campaign.pk])).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.PAUSED
    member.post(reverse("dashboard:campaign_cancel", args=[campaign.pk]))
    fragment = member.get(detail, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "data-finished" in fragment  # finished: the polling stops
    listed = member.get(reverse("dashboard:campaigns")).content.decode()
    assert "Spring" in listed and "Cancelled" in listed
    assert JobStatus.FAILED == RenderJob.objects.get(pk=job.pk).status


def test_viewers_read_campaigns_editors_make_them(merchant, shop):
    membership_add(merchant=merchant, email="viewer@acme.test", role=Membership.Role.VIEWER)
    membership_add(merchant=merchant, email="editor@acme.test", role=Membership.Role.EDITOR)
    viewer, editor = client_for(merchant, email="viewer@acme.test"), client_for(merchant, email="editor@acme.test")
    assert viewer.get(NEW, {"product": shop["mug-1"].pk}).status_code == 403
    assert "Make videos" not in viewer.get(reverse("dashboard:catalog")).content.decode()
    page = editor.get(NEW, {"product": shop["mug-1"].pk}).content.decode()
    assert _form_post(editor, page).status_code == 302
    campaign = Campaign.objects.get()
    assert viewer.post(reverse("dashboard:campaign_launch", args=[campaign.pk])).status_code == 403
    seen = viewer.get(reverse("dashboard:campaign_detail", args=[campaign.pk]))
    assert seen.status_code == 200 and "Launch" not in seen.content.decode()
    assert Campaign.objects.get().status == Campaign.Status.DRAFT
