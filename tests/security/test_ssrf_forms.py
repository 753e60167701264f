"""SSRF: every way of writing an address that reaches our own network is refused where a URL comes in (webhook
endpoints, a render's webhook_url at submission, photo fetches), with the reason; public addresses in the same
forms still pass. shop_video/safe_http.py is the one guard. Literal addresses need no DNS: getaddrinfo returns
them as they are (and decodes decimal, octal and hex IPv4 the way a connection would)."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from generation.models import RenderJob
from shop_video.safe_http import FetchRefused, checked_address, fetch_url
from shop_video.webhooks.models import WebhookEndpoint
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db

# (host as written in a URL, the address it must be refused as or for)
INTERNAL = [
    ("[64:ff9b::7f00:1]", "127.0.0.1"),  # NAT64 of loopback
    ("[64:ff9b::a9fe:a9fe]", "169.254.169.254"),  # NAT64 of the metadata service
    ("[::127.0.0.1]", "127.0.0.1"),  # IPv4-compatible
    ("[::169.254.169.254]", "169.254.169.254"),
    ("[::ffff:127.0.0.1]", "127.0.0.1"),  # IPv4-mapped
    ("[::ffff:169.254.169.254]", "169.254.169.254"),
    ("[::ffff:0:10.0.0.1]", "10.0.0.1"),  # IPv4-translated
    ("[2002:7f00:1::1]", "127.0.0.1"),  # 6to4 of loopback
    ("[2002:a9fe:a9fe::1]", "169.254.169.254"),
    ("[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "not a public address"),  # Teredo
    ("[::1]", "::1"),
    ("[fd00::1]", "fd00::1"),
    ("0.0.0.0", "0.0.0.0"),
    ("2130706433", "127.0.0.1"),  # decimal
    ("0x7f000001", "127.0.0.1"),  # hex
    ("0177.0.0.1", "127.0.0.1"),  # octal
    ("127.1", "127.0.0.1"),  # short form
    ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
    ("localhost", "localhost resolves to"),
]


@pytest.mark.parametrize(("host", "named"), INTERNAL)
def test_internal_address_forms_are_refused_by_the_guard(host, named):
    with pytest.raises(FetchRefused, match="not a public address") as refused:
        checked_address(host.strip("[]"), 443)
    assert named in str(refused.value)


@pytest.mark.parametrize("host", ["64:ff9b::808:808", "2002:808:808::1", "8.8.8.8", "134744072"])
def test_public_addresses_in_the_same_forms_pass(host):
    assert checked_address(host, 443)


def test_a_host_name_with_any_private_address_is_refused(monkeypatch):
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "shop.example":  # one public and one private answer: the private one must not be reachable
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.10", 443)),
            ]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(FetchRefused, match="shop.example resolves to 192.168.1.10, which is not a public address"):
        fetch_url("https://shop.example/photo.jpg", max_bytes=1000)


def test_webhook_endpoints_refuse_them(api):
    for host, named in INTERNAL[:10] + INTERNAL[12:15]:  # one test: each case costs a request, not a setup
        response = api.post("/api/v1/webhooks", {"url": f"https://{host}/hook"}, format="json")
        assert response.status_code == 400, (host, response.content)
        message = response.json()["error"]["fields"]["url"][0]
        assert "Webhooks cannot be sent to this URL" in message and named in message, (host, message)
    assert not WebhookEndpoint.objects.exists()


def test_a_renders_webhook_url_is_refused_at_submission(api, product_with_photos, builtin_templates):
    for host, named in [INTERNAL[0], INTERNAL[2], INTERNAL[7], ("127.0.0.1", "127.0.0.1")]:
        response = api.post(
            "/api/v1/renders",
            {"template": "product-showcase", "sku": "MUG-1", "webhook_url": f"https://{host}/renders"},
            format="json",
        )
        assert response.status_code == 400, (host, response.content)
        message = response.json()["error"]["message"]
        assert "webhook_url cannot receive webhooks" in message and named in message, (host, message)
    assert not RenderJob.objects.exists()


def test_the_dashboard_webhook_form_refuses_them_too(merchant):
    response = client_for(merchant).post(reverse("dashboard:webhooks"), {"url": "https://[64:ff9b::a9fe:a9fe]/hook"})
    assert response.status_code == 400  # the form again, with the error beside the field
    assert "169.254.169.254" in response.content.decode() and not WebhookEndpoint.objects.exists()


def test_a_refused_photo_fetch_shows_its_reason_in_the_api(api, merchant):
    from catalog.fetching import product_image_fetch_run
    from catalog.models import ProductImage
    from tests import factories

    product = factories.product_make(merchant=merchant, sku="LAMP-1", photos=0)
    image = ProductImage.objects.create(
        merchant=merchant, product=product, source_url="http://[64:ff9b::a9fe:a9fe]/latest/meta-data"
    )
    product_image_fetch_run(image_id=image.pk, final_attempt=False)  # refused: recorded at once, no retry
    shown = api.get("/api/v1/products/LAMP-1").json()["images"]
    assert [(photo["status"], photo["source_url"]) for photo in shown] == [("failed", image.source_url)]
    assert "carries the IPv4 address 169.254.169.254: not a public address" in shown[0]["error"]
