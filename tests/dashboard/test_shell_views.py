"""The dashboard-wide parts: a reload never repeats an action (POST-redirect-GET, a new secret shown once from the
session), destructive forms ask first (data-confirm), the first-run checklist follows the shop's data, and the
error pages keep the dashboard's look with a way back."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from generation.models import JobStatus, RenderJob
from generation.services.render_jobs import render_job_create
from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.models import BrandKit, Membership
from shop_video.tenancy.services import membership_add
from shop_video.webhooks.models import WebhookEndpoint
from tests.dashboard.conftest import client_for
from tests.factories import merchant_make, product_make


def test_reloading_after_create_key_makes_no_second_key_and_the_key_is_shown_once(member, merchant):
    url = reverse("dashboard:api_keys")
    created = member.post(url, {"name": "storefront"})
    assert created.status_code == 302 and created["Location"] == url
    shown = member.get(url).content.decode()
    secret = re.search(r"data-new-key>([^<]+)<", shown).group(1)
    key = MerchantApiKey.objects.get(merchant=merchant)
    assert secret.startswith(key.prefix + ".") and "Your new key “storefront”" in shown
    reload = member.get(url).content.decode()  # the browser's reload of the page it was redirected to
    assert secret not in reload and "data-new-key" not in reload
    assert MerchantApiKey.objects.filter(merchant=merchant).count() == 1
    assert secret not in str(dict(member.session))  # the session forgot it once shown


def test_a_new_key_waits_only_for_its_own_shop(member, merchant):
    other = merchant_make(slug="globex")
    owner = get_user_model().objects.get(email="owner@acme.test")
    membership_add(merchant=other, email=owner.email, role=Membership.Role.OWNER)
    member.post(reverse("dashboard:api_keys"), {"name": "acme key"})
    member.post(reverse("dashboard:merchant_switch"), {"merchant": other.pk})
    page = member.get(reverse("dashboard:api_keys")).content.decode()
    assert "data-new-key" not in page  # acme's key is never shown while working in globex


def test_reloading_after_adding_a_webhook_endpoint_adds_no_second_one(member, merchant, loopback_webhooks):
    url = reverse("dashboard:webhooks")
    created = member.post(url, {"url": "http://127.0.0.1:9/hooks", "events": ["render.succeeded"]})
    assert created.status_code == 302 and created["Location"] == url
    endpoint = WebhookEndpoint.objects.get(merchant=merchant)
    assert f"data-new-secret>{endpoint.secret}<" in member.get(url).content.decode()
    assert endpoint.secret not in member.get(url).content.decode()
    assert WebhookEndpoint.objects.filter(merchant=merchant).count() == 1
    refused = member.post(url, {"url": "not a url" * 300})
    assert refused.status_code == 400 and not WebhookEndpoint.objects.exclude(pk=endpoint.pk).exists()


def test_destructive_forms_ask_first(member, acme_objects):
    keys = member.get(reverse("dashboard:api_keys")).content.decode()
    assert re.search(r'action="/app/api-keys/[^"]+/revoke/"[^>]* data-confirm="Revoke the key ', keys)
    webhooks = member.get(reverse("dashboard:webhooks")).content.decode()
    assert re.search(r'/delete/"[^>]* data-confirm="Delete the endpoint http://127.0.0.1:9/hooks', webhooks)
    job = member.get(reverse("dashboard:job_detail", args=[acme_objects["job"].pk])).content.decode()
    assert re.search(r'/cancel/"[^>]* data-confirm="Cancel render', job)


def _checklist(client) -> str:
    page = client.get(reverse("dashboard:catalog")).content.decode()
    found = re.search(r'<section class="checklist".*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_the_first_run_checklist_follows_the_shop_until_everything_is_done(
    member, merchant, builtin_templates, sent_tasks
):
    steps = _checklist(member)
    assert "0 of 4 done" in steps
    for link in ("imports", "brand_kit", "templates", "render_new"):
        assert f'href="{reverse("dashboard:" + link)}"' in steps
    product_make(merchant=merchant, sku="MUG-1")
    assert "1 of 4 done" in _checklist(member) and 'href="/app/imports/"' not in _checklist(member)
    BrandKit.objects.filter(merchant=merchant).update(accent_colour="#00ff00")
    assert "2 of 4 done" in _checklist(member)
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    assert "3 of 4 done" in _checklist(member)  # a render picked its template
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    assert "3 of 4 done" in _checklist(member)  # a failed render is not a first video
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    assert _checklist(member) == ""  # all done: gone
    membership_add(merchant=merchant, email="viewer@acme.test", role=Membership.Role.VIEWER)
    BrandKit.objects.filter(merchant=merchant).update(accent_colour=BrandKit._meta.get_field("accent_colour").default)
    assert "3 of 4 done" in _checklist(member)
    assert _checklist(client_for(merchant, email="viewer@acme.test")) == ""  # viewers cannot act on it


def test_error_pages_keep_the_dashboard_look_with_a_way_back(member, settings):
    settings.DEBUG = False
    missing = member.get("/app/products/999999/")
    assert missing.status_code == 404
    page = missing.content.decode()
    assert "Page not found" in page and 'href="/app/"' in page and "dashboard.css" in page
    assert "Not found in this shop." not in page  # the exception's text is for logs
    unknown = member.get("/app/no-such-page/")
    assert unknown.status_code == 404 and 'href="/app/templates/"' in unknown.content.decode()  # the whole menu
    anonymous = Client().get("/app/no-such-page/").content.decode()
    assert "Sign in" in anonymous and 'href="/app/"' in anonymous
    failed = server_error(RequestFactory().get("/app/"))
    assert failed.status_code == 500
    text = failed.content.decode()
    assert "Something went wrong" in text and 'href="/app/"' in text and "dashboard.css" in text
