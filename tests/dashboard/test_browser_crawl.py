"""Every dashboard page a member can reach, in a real browser (Debian's Chromium through Playwright, as
tests/e2e/test_dashboard_browser.py), at desktop and at phone size: sign in, then follow every same-origin link
under /app/ found on the pages (breadth first, bounded), and on every page assert no console error (CSP violations
included), no failed request, a status below 400, and no sideways scrolling at 390 px. Because it follows links,
a page added later is covered as soon as something links to it. No Celery worker: the data comes from
tests/factories.py and the services, and tasks the services send are recorded instead (tests/dashboard/conftest).

Then the two interactions every page shares: a destructive form asks first (cancel keeps the key, confirm revokes
it), and a reload after Create key shows no key and makes none. Screenshots go to var/test-artifacts/dashboard-crawl/.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from urllib.parse import parse_qs, urldefrag, urlsplit

import imageio_ffmpeg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.urls import Resolver404, resolve
from PIL import Image

from generation.models import Rendition
from generation.services.render_jobs import render_job_create
from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.models import Membership
from shop_video.tenancy.services import membership_add
from tests import factories
from tests.dashboard.conftest import job_succeed
from tests.e2e.test_dashboard_browser import PASSWORD, browser  # noqa: F401 (the fixture: Chromium or a CI failure)
from tests.e2e.worker import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = ROOT / "var" / "test-artifacts" / "dashboard-crawl"
PAGE_LIMIT = 60
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Links the crawl does not follow: files (they download), and anything that is not a dashboard page.
SKIPPED_PREFIXES = ("/media/", "/files/", "/static/", "/accounts/", "/admin/", "/api/", "/live/")
FILE_SUFFIXES = (".mp4", ".webp", ".jpg", ".jpeg", ".png", ".srt", ".vtt", ".csv", ".json", ".zip", ".m3u8", ".ts")


def _tiny_mp4(folder) -> bytes:
    """One second of H.264 at 64x114, as a real rendition would be (the page loads its metadata)."""
    path = folder / "tiny.mp4"
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x2266aa:s=64x114:d=1",
    ]
    subprocess.run([*command, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)], check=True, timeout=30)
    return path.read_bytes()


def _succeeded_job_with_files(merchant, folder) -> None:
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    job_succeed(job)
    for rendition in Rendition.objects.filter(job__merchant=merchant):  # acme_objects' own rendition too
        _rendition_files_write(rendition, folder)


def _rendition_files_write(rendition, folder) -> None:
    poster, preview = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (64, 114), (30, 90, 160)).save(poster, "JPEG")
    Image.new("RGB", (64, 114), (30, 90, 160)).save(preview, "WEBP")
    vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nCeramic Mug\n"
    for field, data in (
        (rendition.file, _tiny_mp4(folder)),
        (rendition.poster, poster.getvalue()),
        (rendition.preview, preview.getvalue()),
        (rendition.captions_vtt, vtt.encode()),
        (rendition.captions_srt, b"1\n00:00:00,000 --> 00:00:01,000\nCeramic Mug\n"),
    ):
        default_storage.save(field.name, ContentFile(data))


@pytest.fixture
def shop(acme_objects, merchant, sent_tasks, tmp_path):
    """acme with one of everything (tests/dashboard/conftest.acme_objects), more products, a finished video with
    its files, and its owner a member of a second shop (so the header has the shop switcher)."""
    for number in range(2, 5):
        factories.product_make(merchant=merchant, sku=f"LAMP-{number}", title=f"Desk Lamp {number}", photos=1)
    _succeeded_job_with_files(merchant, tmp_path)
    avatar = io.BytesIO()  # acme_objects' presenter names a photo: give it one, as an uploaded one would be
    Image.new("RGB", (64, 64), (200, 160, 120)).save(avatar, "JPEG")
    storages["private"].save(acme_objects["presenter"].avatar.name, ContentFile(avatar.getvalue()))
    membership_add(merchant=factories.merchant_make(slug="globex"), email="owner@acme.test", role=Membership.Role.OWNER)
    return acme_objects


def _crawlable(url: str, origin: str) -> str | None:
    url = urldefrag(url)[0]
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin or not parts.path.startswith("/app/"):
        return None
    if parts.path.startswith(SKIPPED_PREFIXES) or parts.path.lower().endswith(FILE_SUFFIXES):
        return None
    return url


def _shape(url: str) -> tuple:
    """The view a URL shows and the names of its query: /app/products/3/ is the same page as /app/products/4/, and
    /app/renders/new/?sku=A as ?sku=B, so each is visited once (the crawl stays fast as the catalog grows)."""
    parts = urlsplit(url)
    try:
        view = resolve(parts.path).view_name
    except Resolver404:
        view = parts.path  # a broken link: visited, and reported as a 404
    return view, tuple(sorted(parse_qs(parts.query)))


class PageWatch:
    """Console errors, page errors, failed and refused requests of one page, reset before each visit."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.problems.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("requestfailed", lambda request: self._failed(request))
        page.on(
            "response",
            lambda response: response.status >= 400 and self.problems.append(f"HTTP {response.status} {response.url}"),
        )

    def _failed(self, request) -> None:
        # A navigation away aborts the previous page's pending polls and media loads: not a failure of the page.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


def _visit(page, watch: PageWatch, url: str) -> list[str] | None:
    """The page's problems; None when the link turned out to be a file download, not a page."""
    from playwright.sync_api import Error

    try:
        response = page.goto(url, wait_until="load")
    except Error as error:
        if "Download is starting" in str(error):
            watch.take()
            return None
        raise
    page.wait_for_timeout(50)  # a late console error (a blocked resource) is reported after load
    problems = watch.take()
    if response is None or response.status >= 400:
        problems.append(f"status {response.status if response else 'none'}")
    return problems


def _screenshot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _name(url: str, origin: str) -> str:
    path = url.removeprefix(origin).strip("/").replace("/", "-").replace("?", "-").replace("=", "-").replace("&", "-")
    return path or "app"


def test_every_dashboard_page_at_desktop_and_phone_size(live_server, browser, shop):  # noqa: F811
    from playwright.sync_api import expect

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    origin = live_server.url
    context = browser.new_context(base_url=origin, viewport=SIZES["desktop"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = PageWatch(page)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("owner@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalog")
    watch.take()

    # Breadth first from the catalog, at desktop size.
    found, queue, problems = [], [f"{origin}/app/"], {}
    seen = {_shape(url) for url in queue}
    while queue and len(found) < PAGE_LIMIT:
        url = queue.pop(0)
        trouble = _visit(page, watch, url)
        if trouble is None:
            continue
        if trouble:
            problems[f"desktop {url}"] = trouble
        found.append(url)
        _screenshot(page, f"desktop-{len(found):02}-{_name(url, origin)}")
        links = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(link => link.href)")
        for link in links:
            target = _crawlable(link, origin)
            if target and _shape(target) not in seen:
                seen.add(_shape(target))
                queue.append(target)
    assert len(found) >= 12, found  # the crawl reached the whole dashboard, not just the first page

    # The same pages at phone size: nothing wider than the screen.
    page.set_viewport_size(SIZES["phone"])
    for number, url in enumerate(found, start=1):
        trouble = _visit(page, watch, url)
        if not page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"):
            trouble.append(f"wider than 390 px: {page.evaluate('() => document.documentElement.scrollWidth')} px")
        if trouble:
            problems[f"phone {url}"] = trouble
        _screenshot(page, f"phone-{number:02}-{_name(url, origin)}")
    assert not problems, problems

    # A mistyped address: the friendly page in the dashboard's look, with a way back (DEBUG is off here as in
    # `make run`), and nothing on it fails but its own 404.
    response = page.goto("/app/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()
    assert [problem for problem in watch.take() if "404" not in problem] == []
    _screenshot(page, "phone-not-found")

    # A destructive form asks first: cancelling keeps the key; confirming revokes it.
    key = shop["api_key"]
    page.goto("/app/api-keys/")
    revoke = page.get_by_role("button", name=f"Revoke key {key.prefix}")
    revoke.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Revoke the key {key.prefix}")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    _screenshot(page, "phone-confirm-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert not MerchantApiKey.objects.get(pk=key.pk).revoked
    revoke.click()
    dialog.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text(f"API key {key.prefix} was revoked")).to_be_visible()
    assert MerchantApiKey.objects.get(pk=key.pk).revoked

    # A reload after Create key neither shows the key again nor makes a second one.
    page.get_by_label("Name").fill("checkout")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("[data-new-key]")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Keys", exact=True)).to_be_visible()
    assert page.locator("[data-new-key]").count() == 0
    assert MerchantApiKey.objects.filter(name="checkout").count() == 1
    assert not watch.take()
    context.close()
