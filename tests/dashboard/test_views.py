"""The dashboard through Django's test client: every page for a member, the sign-in redirect for everyone else,
404 for another merchant's ids, forms that say what to change, uploads, keys, webhooks and the htmx fragments."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from catalog.models import CatalogImport
from generation.campaigns.models import Campaign
from generation.models import JobStatus, RenderJob
from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.access import SESSION_MERCHANT
from shop_video.tenancy.models import BrandKit, Membership
from shop_video.tenancy.services import membership_add
from shop_video.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.dashboard.conftest import client_for, job_succeed

pytestmark = pytest.mark.django_db


def page_urls(objects) -> dict[str, str]:
    """Every GET page, with acme's ids where a page is about one object."""
    return {
        "catalog": reverse("dashboard:catalog"),
        "product": reverse("dashboard:product_detail", args=[objects["product"].pk]),
        "imports": reverse("dashboard:imports"),
        "import": reverse("dashboard:import_detail", args=[objects["import"].pk]),
        "templates": reverse("dashboard:templates"),
        "template_edit": reverse("dashboard:template_edit", args=[objects["template"].slug]),
        "template_json": reverse("dashboard:template_json", args=[objects["template"].slug]),
        "renders": reverse("dashboard:renders"),
        "render_new": reverse("dashboard:render_new"),
        "job": reverse("dashboard:job_detail", args=[objects["job"].pk]),
        "video_library": reverse("dashboard:video_library"),
        "brand_kit": reverse("dashboard:brand_kit"),
        "api_keys": reverse("dashboard:api_keys"),
        "webhooks": reverse("dashboard:webhooks"),
        "webhook_endpoint": reverse("dashboard:webhook_endpoint", args=[objects["endpoint"].pk]),
        "presenters": reverse("dashboard:presenters"),
        "presenter_new": reverse("dashboard:presenter_new"),
        "presenter_edit": reverse("dashboard:presenter_edit", args=[objects["presenter"].slug]),
        "campaigns": reverse("dashboard:campaigns"),
        "campaign_new": reverse("dashboard:campaign_new"),
        "campaign": reverse("dashboard:campaign_detail", args=[objects["campaign"].pk]),
    }


def object_urls(objects) -> list[tuple[str, str, str]]:
    """Every URL that names one of acme's objects: (method, URL name, URL)."""
    routes = [
        ("get", "product_detail", objects["product"].pk),
        ("post", "product_detail", objects["product"].pk),
        ("get", "import_detail", objects["import"].pk),
        ("get", "job_detail", objects["job"].pk),
        ("post", "job_cancel", objects["job"].pk),
        ("post", "api_key_revoke", objects["api_key"].prefix),
        ("get", "webhook_endpoint", objects["endpoint"].pk),
        ("post", "webhook_endpoint_delete", objects["endpoint"].pk),
        ("post", "webhook_delivery_resend", objects["delivery"].pk),
        ("post", "template_copy", objects["template"].slug),
        ("get", "template_edit", objects["template"].slug),
        ("post", "template_edit", objects["template"].slug),
        ("post", "product_photo_delete", objects["image"].pk),
        ("post", "product_photo_move", objects["image"].pk),
        ("post", "product_photo_cover", objects["image"].pk),
        ("post", "product_photo_retry", objects["image"].pk),
        ("get", "presenter_edit", objects["presenter"].slug),
        ("post", "presenter_edit", objects["presenter"].slug),
        ("post", "presenter_delete", objects["presenter"].slug),
        ("get", "rendition_download", objects["rendition"].pk),
        ("get", "campaign_detail", objects["campaign"].pk),
        *(("post", f"campaign_{action}", objects["campaign"].pk) for action in ("launch", "pause", "resume", "retry")),
        ("post", "campaign_cancel", objects["campaign"].pk),
        ("get", "template_json", objects["template"].slug),
        ("post", "template_json", objects["template"].slug),
        ("get", "template_preview", objects["template"].slug),
        ("post", "template_preview", objects["template"].slug),
        ("post", "template_delete", objects["template"].slug),
        ("post", "template_revert", objects["template"].slug),
    ]
    return [(method, name, reverse(f"dashboard:{name}", args=[value])) for method, name, value in routes]


def dashboard_routes_with_ids() -> set[str]:
    """The names of the dashboard's URL patterns that take an id (or a key prefix)."""
    dashboard = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "dashboard")
    return {pattern.name for pattern in dashboard.url_patterns if pattern.pattern.converters}


class PageAudit(HTMLParser):
    """What the accessibility checks need from a page: landmarks, headings, form controls and their labels."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.headings: list[int] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.open_labels = 0
        self.live_regions = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "button"):
            self.controls.append({**attrs, "_wrapped": self.open_labels > 0, "_tag": tag})
        if attrs.get("role") == "status" or attrs.get("aria-live"):
            self.live_regions += 1

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1

    def unlabelled(self) -> list[dict]:
        return [c for c in self.controls if not (c["_wrapped"] or c.get("id") in self.label_for or c.get("aria-label"))]


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser


# --- pages -------------------------------------------------------------------------------------------------------


def test_every_page_renders_for_a_member_with_landmarks_labels_and_ordered_headings(member, acme_objects):
    for name, url in page_urls(acme_objects).items():
        response = member.get(url)
        assert response.status_code == 200, name
        page = audit(response.content.decode())
        assert {"header", "nav", "main"} <= set(page.tags), name
        assert page.headings.count(1) == 1 and page.headings[0] == 1, name
        assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:])), (name, page.headings)
        assert not page.unlabelled(), (name, page.unlabelled())
        assert page.live_regions >= 1, name
        assert 'name="viewport"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, acme_objects):
    for name, url in page_urls(acme_objects).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"] == f"{reverse('login')}?next={url}", name


def test_the_site_root_leads_to_the_dashboard_and_sign_in_works(client, merchant):
    assert client.get("/")["Location"] == reverse("dashboard:catalog")
    page = client.get(reverse("login"))
    assert page.status_code == 200 and not audit(page.content.decode()).unlabelled()
    wrong = client.post(reverse("login"), {"username": "owner@acme.test", "password": "nope"})
    assert wrong.status_code == 200 and b'role="alert"' in wrong.content
    response = client.post(reverse("login"), {"username": "owner@acme.test", "password": "a-long-test-password"})
    assert response["Location"] == reverse("dashboard:catalog")
    assert b"Acme" in client.get(reverse("dashboard:catalog")).content
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard:catalog")).status_code == 302


def test_another_merchants_ids_are_404_everywhere(outsider, acme_objects):
    routes = object_urls(acme_objects)
    assert {name for _, name, _ in routes} == dashboard_routes_with_ids()  # a new page with an id is walked too
    for method, _name, url in routes:
        response = getattr(outsider, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    # Nothing was changed by those requests.
    assert RenderJob.objects.get(pk=acme_objects["job"].pk).status == JobStatus.QUEUED
    assert MerchantApiKey.objects.filter(pk=acme_objects["api_key"].pk, revoked=False).exists()
    assert WebhookEndpoint.objects.filter(pk=acme_objects["endpoint"].pk).exists()
    assert WebhookDelivery.objects.get(pk=acme_objects["delivery"].pk).status == WebhookDelivery.Status.FAILED
    assert acme_objects["product"].images.count() == 2 and type(acme_objects["presenter"]).objects.exists()
    assert Campaign.objects.get(pk=acme_objects["campaign"].pk).status == Campaign.Status.DRAFT
    # And none of acme's things show up in globex's lists.
    for url in (
        "dashboard:catalog",
        "dashboard:imports",
        "dashboard:renders",
        "dashboard:api_keys",
        "dashboard:webhooks",
    ):
        body = outsider.get(reverse(url)).content.decode()
        assert "Ceramic Mug" not in body and acme_objects["api_key"].prefix not in body
        assert "127.0.0.1:9/hooks" not in body and "feed.csv" not in body


def test_a_user_without_a_shop_is_told_so(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("lonely@example.test", password="x" * 20))
    response = client.get(reverse("dashboard:catalog"))
    assert response.status_code == 403 and b"not a member of any shop" in response.content
    assert b"manage.py" not in response.content  # a command line is no advice for a merchant


# --- switching merchants -----------------------------------------------------------------------------------------


def test_the_switcher_lists_memberships_and_changes_the_merchant(merchant, other_merchant, product_with_photos):
    factories.product_make(merchant=other_merchant, sku="GLOBEX-1", title="Globex Lamp", photos=0)
    membership_add(merchant=other_merchant, email="owner@acme.test", role=Membership.Role.EDITOR)
    member = client_for(merchant)
    page = member.get(reverse("dashboard:catalog")).content.decode()
    assert 'id="merchant-switch"' in page and "Globex" in page and "Ceramic Mug" in page
    response = member.post(reverse("dashboard:merchant_switch"), {"merchant": other_merchant.pk})
    assert response.status_code == 302 and member.session[SESSION_MERCHANT] == other_merchant.pk
    page = member.get(reverse("dashboard:catalog")).content.decode()
    assert "Globex Lamp" in page and "Ceramic Mug" not in page
    # acme's product is now another merchant's id for this session.
    assert member.get(reverse("dashboard:product_detail", args=[product_with_photos.pk])).status_code == 404


def test_switching_to_a_shop_you_are_not_in_is_404(member, other_merchant):
    assert member.post(reverse("dashboard:merchant_switch"), {"merchant": other_merchant.pk}).status_code == 404
    assert member.post(reverse("dashboard:merchant_switch"), {"merchant": "x"}).status_code == 404


def test_viewers_read_but_cannot_change_and_secrets_are_for_owners_and_admins(merchant, acme_objects):
    membership_add(merchant=merchant, email="viewer@acme.test", role=Membership.Role.VIEWER)
    viewer = client_for(merchant, email="viewer@acme.test")
    assert viewer.get(reverse("dashboard:catalog")).status_code == 200
    assert (
        b"Add photos" not in viewer.get(reverse("dashboard:product_detail", args=[acme_objects["product"].pk])).content
    )
    assert viewer.post(reverse("dashboard:job_cancel", args=[acme_objects["job"].pk])).status_code == 403
    assert viewer.post(reverse("dashboard:brand_kit"), {"name": "x"}).status_code == 403
    assert viewer.get(reverse("dashboard:api_keys")).status_code == 403
    assert viewer.get(reverse("dashboard:webhooks")).status_code == 403
    assert b"API keys" not in viewer.get(reverse("dashboard:catalog")).content


# --- catalog -----------------------------------------------------------------------------------------------------


def test_catalog_searches_paginates_and_shows_thumbnail_price_and_photo_count(member, merchant, product_with_photos):
    for index in range(30):
        factories.product_make(
            merchant=merchant, sku=f"TEE-{index:02}", title=f"T-shirt {index:02}", photos=0, price="9.5"
        )
    page = member.get(reverse("dashboard:catalog"), {"q": "mug"}).content.decode()
    assert "Ceramic Mug" in page and "T-shirt" not in page
    assert "24.00 USD" in page and "2 photos" in page
    assert product_with_photos.images.first().file.url in page  # the thumbnail
    assert member.get(reverse("dashboard:catalog"), {"q": "MUG-1"}).content.decode().count("Ceramic Mug") >= 1
    first = member.get(reverse("dashboard:catalog")).content.decode()
    assert "31 products" in first and "Page 1 of 2" in first and "No photo" in first
    second = member.get(reverse("dashboard:catalog"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second and "9.50 USD" in second


def test_the_upload_view_stores_two_photos_and_reports_each_file(member, merchant):
    product = factories.product_make(merchant=merchant, sku="LAMP-1", title="Desk Lamp", photos=0)
    url = reverse("dashboard:product_detail", args=[product.pk])
    files = [
        SimpleUploadedFile("front.jpg", factories.photo_bytes(seed=1), content_type="image/jpeg"),
        SimpleUploadedFile("back.png", factories.photo_bytes(seed=2, fmt="PNG"), content_type="image/png"),
        SimpleUploadedFile("notes.txt", b"not a photo", content_type="text/plain"),
    ]
    response = member.post(url, {"photos": files}, follow=True)
    assert response.redirect_chain == [(url, 302)]  # a reload of the page uploads nothing again
    assert product.images.filter(status="ready").count() == 2
    body = response.content.decode()
    assert "Added</span>: front.jpg" in body and "Added</span>: back.png" in body
    assert "Not added</span>: notes.txt" in body
    assert body.count("<figure>") == 2
    # The results come first, above the photos, where the merchant looks after uploading; shown once.
    assert body.index("Upload results") < body.index('id="photos-heading"')
    assert "Upload results" not in member.get(url).content.decode()
    again = member.post(url, {"photos": [SimpleUploadedFile("front-again.jpg", factories.photo_bytes(seed=1))]})
    assert again.status_code == 302 and "Already there: front-again.jpg" in member.get(url).content.decode()
    assert product.images.count() == 2


def test_uploading_nothing_or_only_bad_files_says_what_to_do(member, product_with_photos, settings):
    url = reverse("dashboard:product_detail", args=[product_with_photos.pk])
    settings.IMAGE_MAX_BYTES = 2048
    big = member.post(url, {"photos": [SimpleUploadedFile("huge.jpg", factories.photo_bytes(width=800, height=600))]})
    assert big.status_code == 400 and "huge.jpg — the file is" in big.content.decode()
    assert "the limit is 2,048 bytes" in big.content.decode()
    settings.IMAGE_MAX_BYTES = 25 * 1024 * 1024
    empty = member.post(url, {})
    assert empty.status_code == 400 and "Choose at least one photo" in empty.content.decode()
    bad = member.post(url, {"photos": [SimpleUploadedFile("x.jpg", b"garbage")]})
    assert bad.status_code == 400 and "Not added</span>: x.jpg" in bad.content.decode()


# --- imports -----------------------------------------------------------------------------------------------------


def test_an_uploaded_feed_starts_an_import_and_its_page_polls_until_it_finishes(
    member, merchant, import_sends, django_capture_on_commit_callbacks
):
    from catalog.import_requests import catalog_import_request_run
    from tests.dashboard.conftest import PLAIN_CSV

    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            reverse("dashboard:imports"), {"file": SimpleUploadedFile("shop.csv", PLAIN_CSV), "format": ""}
        )
    record = CatalogImport.objects.get(merchant=merchant)
    assert response["Location"] == reverse("dashboard:import_detail", args=[record.pk])
    assert import_sends == [record.pk] and record.format == "plain_csv"
    url = response["Location"]
    page = member.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<html" in page and "Queued" in page
    catalog_import_request_run(import_id=record.pk)
    fragment = member.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "hx-trigger" not in fragment  # finished: polling stops
    assert "data-import-status>Imported with 1 error<" in fragment  # one row refused: not a plain "Succeeded"
    assert 'data-count="created">1<' in fragment and 'data-count="failed">1<' in fragment
    assert "Row errors" in fragment and re.search(r"<td>3</td><td>BAD-1</td><td>price</td>", fragment)


def test_the_import_form_says_what_to_change(member):
    missing = member.post(reverse("dashboard:imports"), {})
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()
    empty = member.post(reverse("dashboard:imports"), {"file": SimpleUploadedFile("x.csv", b"")})
    assert empty.status_code == 400 and "empty" in empty.content.decode()
    unknown = member.post(reverse("dashboard:imports"), {"file": SimpleUploadedFile("x.bin", b"\x00\x01garbage")})
    assert unknown.status_code == 400 and "format was not recognised" in unknown.content.decode()
    assert not CatalogImport.objects.exists()


# --- templates and renders -------------------------------------------------------------------------------------


def test_the_gallery_describes_scenes_and_shows_a_preview_once_there_is_one(member, acme_objects):
    page = member.get(reverse("dashboard:templates")).content.decode()
    assert "Product showcase" in page and "Quick bumper" in page
    assert "Outro with the logo: 1.4 s, enters with a crossfade" in page  # the 30 s story ends on the logo
    assert "Product photos: 4 s each, up to 3 photos (push in, pan right, tilt up)" in page
    assert "Price card (sale price and discount badge when on sale): 2.2 s, enters with a crossfade" in page
    assert "Presenter speaking: 14 s, picture-in-picture over the product, script in de, en, es, fr" in page
    assert page.count('class="template-still"') == 10  # the 9 built-ins and acme's own: a still of scene 1
    job_succeed(acme_objects["job"])
    page = member.get(reverse("dashboard:templates")).content.decode()
    assert page.count('class="template-still"') == 9 and "9x16.mp4" in page


def test_the_render_form_creates_a_job_with_the_chosen_options(
    member, merchant, product_with_photos, builtin_templates, sent_tasks, settings
):
    settings.DIT_MODELS = {"wan": "/models/wan"}  # installed: the AI video engine is offered
    form = member.get(reverse("dashboard:render_new"), {"sku": "MUG-1"}).content.decode()
    assert '<option value="MUG-1">Ceramic Mug</option>' in form and 'value="MUG-1"' in form
    assert 'value="motion"' in form and 'value="dit"' in form and 'data-family-engines="dit"' in form
    response = member.post(
        reverse("dashboard:render_new"),
        {
            "sku": "MUG-1",
            "template": "quick-bumper",
            "aspect_ratios": ["9:16", "1:1"],
            "engine": "motion",
            "family": "wan",
            "short_side": "180",
        },
    )
    job = RenderJob.objects.get(merchant=merchant)
    assert response["Location"] == reverse("dashboard:job_detail", args=[job.pk])
    assert (job.template.slug, job.aspect_ratios, job.engine, job.family, job.short_side) == (
        "quick-bumper",
        ["9:16", "1:1"],
        "motion",
        "",
        180,
    )  # family applies to dit only
    member.post(
        reverse("dashboard:render_new"),
        {
            "sku": "MUG-1",
            "template": "quick-bumper",
            "aspect_ratios": ["1:1"],
            "engine": "dit",
            "family": "wan",
            "short_side": "180",
        },
    )
    assert RenderJob.objects.get(merchant=merchant, engine="dit").family == "wan"


def test_the_render_form_says_what_to_change(member, product_with_photos, builtin_templates, sent_tasks):
    response = member.post(
        reverse("dashboard:render_new"),
        {"sku": "NOPE", "template": "quick-bumper", "engine": "motion", "short_side": "180"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Tick at least one aspect ratio." in body
    response = member.post(
        reverse("dashboard:render_new"),
        {"sku": "NOPE", "template": "quick-bumper", "aspect_ratios": ["9:16"], "engine": "motion", "short_side": "180"},
    )
    assert response.status_code == 400 and "has no product with SKU &#x27;NOPE&#x27;" in response.content.decode()
    assert not RenderJob.objects.exists()


def test_the_job_page_polls_with_htmx_until_done_then_plays_each_rendition(member, acme_objects):
    job = acme_objects["job"]
    url = reverse("dashboard:job_detail", args=[job.pk])
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=45)
    fragment = member.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'hx-trigger="every 1s"' in fragment
    assert 'aria-valuenow="45"' in fragment and 'value="45"' in fragment
    assert f'data-announce="Render {job.pk}: running."' in fragment
    assert "Cancel render" in member.get(url).content.decode()  # outside the polled part: focus survives polls
    job.refresh_from_db()
    job_succeed(job)
    fragment = member.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and 'aria-valuenow="100"' in fragment and "data-finished" in fragment
    assert "the videos are ready" in fragment and "Cancel render" not in member.get(url).content.decode()
    assert "<video controls" in fragment and f'poster="/media/renders/acme/{job.pk}/9x16.jpg"' in fragment
    rendition = job.renditions.get()
    download = reverse("dashboard:rendition_download", args=[rendition.pk])  # named <handle>-<template>-<ratio>
    assert f'href="{download}">Download 9:16 MP4' in fragment
    assert f'<track kind="captions" src="/media/renders/acme/{job.pk}/9x16.vtt" srclang="en"' in fragment
    assert f'href="/media/renders/acme/{job.pk}/9x16.srt" download>SRT' in fragment
    assert f'href="/media/renders/acme/{job.pk}/9x16.webp" download>animated preview' in fragment


def test_a_failed_job_shows_its_reason_and_a_running_one_can_be_cancelled(member, acme_objects):
    job = acme_objects["job"]
    response = member.post(reverse("dashboard:job_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    page = member.get(reverse("dashboard:job_detail", args=[job.pk]), follow=True).content.decode()
    assert "was cancelled" in page
    again = member.post(reverse("dashboard:job_cancel", args=[job.pk]), follow=True).content.decode()
    assert "had already finished" in again
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="shot 1 (motion, push_in) failed: boom")
    page = member.get(reverse("dashboard:job_detail", args=[job.pk])).content.decode()
    assert "This video could not be made." in page  # in merchant's words, the reason under a disclosure
    assert '<summary>Technical details</summary><p class="mono">shot 1 (motion, push_in) failed: boom' in page


# --- brand kit ---------------------------------------------------------------------------------------------------


def test_the_brand_kit_form_saves_and_validates(member, merchant):
    url = reverse("dashboard:brand_kit")
    page = member.get(url).content.decode()
    assert 'type="color"' in page and 'name="watermark_position"' in page
    fields = {
        "name": "Default",
        "primary_colour": "#112233",
        "secondary_colour": "#ffffff",
        "accent_colour": "#e4572e",
        "watermark_position": "top-left",
        "intro_enabled": "on",
    }
    bad = member.post(url, {**fields, "accent_colour": "orange"})
    assert bad.status_code == 400 and "Use a hex colour like #1a2b3c." in bad.content.decode()
    bad_font = member.post(url, {**fields, "font": SimpleUploadedFile("font.exe", b"MZ")})
    assert bad_font.status_code == 400 and "TrueType (.ttf) or OpenType (.otf)" in bad_font.content.decode()
    response = member.post(url, {**fields, "logo": SimpleUploadedFile("logo.png", factories.photo_bytes(fmt="PNG"))})
    assert response.status_code == 302
    kit = BrandKit.objects.get(merchant=merchant, is_default=True)
    assert (kit.primary_colour, kit.watermark_position, kit.intro_enabled, kit.outro_enabled) == (
        "#112233",
        "top-left",
        True,
        False,
    )
    assert kit.logo.name.startswith(f"{kit.merchant.media_key}/logos/")  # private, a random name
    assert "Brand kit saved" in member.get(url).content.decode()


# --- API keys ----------------------------------------------------------------------------------------------------


def test_an_api_key_is_shown_once_works_and_can_be_revoked(member, merchant):
    response = member.post(reverse("dashboard:api_keys"), {"name": "storefront"}, follow=True)
    assert response.redirect_chain == [(reverse("dashboard:api_keys"), 302)]
    key = re.search(r"data-new-key>([^<]+)<", response.content.decode()).group(1)
    assert 'data-copy="#new-key"' in response.content.decode()
    api_key = MerchantApiKey.objects.get(merchant=merchant, name="storefront")
    assert key.startswith(api_key.prefix + ".")
    listing = member.get(reverse("dashboard:api_keys")).content.decode()
    assert api_key.prefix in listing and key not in listing and "Never" in listing
    from django.test import Client

    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    revoke = member.post(reverse("dashboard:api_key_revoke", args=[api_key.prefix]))
    assert revoke.status_code == 302
    assert MerchantApiKey.objects.get(pk=api_key.pk).revoked
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 401
    assert member.post(reverse("dashboard:api_key_revoke", args=[api_key.prefix])).status_code == 404


def test_an_api_key_needs_a_name(member):
    response = member.post(reverse("dashboard:api_keys"), {"name": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = member.post(reverse("dashboard:api_keys"), {"name": "   "})
    assert response.status_code == 400 and not MerchantApiKey.objects.exists()


# --- webhooks ----------------------------------------------------------------------------------------------------


def test_a_webhook_endpoint_shows_its_secret_once(member, merchant, loopback_webhooks):
    response = member.post(
        reverse("dashboard:webhooks"),
        {"url": "http://127.0.0.1:9/hooks", "events": ["render.succeeded"], "description": "shop"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("dashboard:webhooks"), 302)]
    endpoint = WebhookEndpoint.objects.get(merchant=merchant)
    assert endpoint.events == ["render.succeeded"]
    assert f"data-new-secret>{endpoint.secret}<" in response.content.decode()
    assert endpoint.secret not in member.get(reverse("dashboard:webhooks")).content.decode()
    bad = member.post(reverse("dashboard:webhooks"), {"url": "ftp://example.com/x"})
    assert bad.status_code == 400 and "Webhooks cannot be sent to this URL" in bad.content.decode()


def test_the_delivery_log_shows_attempts_and_a_delivery_can_be_resent(
    member, acme_objects, webhook_sends, django_capture_on_commit_callbacks
):
    delivery = acme_objects["delivery"]
    page = member.get(reverse("dashboard:webhook_endpoint", args=[acme_objects["endpoint"].pk])).content.decode()
    assert "render.failed" in page and delivery.message_id in page and "last answer HTTP 500" in page
    assert 'class="status-failed">500</td>' in page and "Resend" in page
    webhook_sends.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            reverse("dashboard:webhook_delivery_resend", args=[delivery.pk]),
            {"next": reverse("dashboard:webhook_endpoint", args=[acme_objects["endpoint"].pk])},
        )
    assert response["Location"] == reverse("dashboard:webhook_endpoint", args=[acme_objects["endpoint"].pk])
    assert webhook_sends == [delivery.pk]
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.PENDING
    again = member.post(reverse("dashboard:webhook_delivery_resend", args=[delivery.pk]), follow=True)
    assert "still being attempted" in again.content.decode()
    evil = member.post(
        reverse("dashboard:webhook_delivery_resend", args=[delivery.pk]), {"next": "https://evil.example/"}
    )
    assert evil["Location"] == reverse("dashboard:webhooks")


def test_a_webhook_endpoint_can_be_deleted(member, acme_objects):
    response = member.post(reverse("dashboard:webhook_endpoint_delete", args=[acme_objects["endpoint"].pk]))
    assert response.status_code == 302 and not WebhookEndpoint.objects.exists()
