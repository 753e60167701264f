"""The dashboard in a real browser: Debian's Chromium (headless, driven by Playwright) against the live test
server, with a real Celery worker doing the import and the render.

Sign in -> upload two photos to a product (file input), then one by drag and drop -> import a CSV feed and watch
it finish -> render with the motion engine and watch the progress reach 100 % -> play the video -> the template
gallery's preview -> a live room made from its page, its stream playing there -> the same pages at phone size
(375 x 812).
Full-page screenshots of every step go to the test's tmp folder and to var/test-artifacts/dashboard/ (CI keeps it).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from django.db import connections

from generation.assembly.job_timeline import timeline_for_job
from generation.models import RenderJob
from tests import factories
from tests.e2e.worker import ROOT, celery_worker, queues_purge

pytestmark = [pytest.mark.e2e, pytest.mark.one_broker, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "test-artifacts" / "dashboard"
PASSWORD = "a-long-test-password"  # tests/factories.merchant_make's
FEED = (
    "sku,title,description,price,currency,image\n"
    "CUP-1,Espresso Cup,A small cup.,12.50,USD,\n"
    "CUP-2,Latte Glass,A tall glass.,14.00,USD,\n"
    "CUP-3,Broken Row,,twelve,USD,\n"
)


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI needs the browser tests to run: {reason} (.ci/run installs chromium)")
    pytest.skip(f"{reason}; install it with `apt-get install chromium` (and pip install -e '.[dev]')")


@pytest.fixture
def browser(monkeypatch):
    if not Path(CHROMIUM).exists():
        _unavailable(f"Debian's Chromium is not at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    # Playwright's sync API keeps an asyncio loop in this thread; the test's own ORM calls are still plain
    # synchronous code, so let Django allow them (this test only).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()
            # Django keeps connections per asyncio context, so ORM calls made while Playwright's loop exists got a
            # connection of their own: close it, or the test database cannot be dropped at the end of the run.
            connections.close_all()


class Screenshots:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()

    def take(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shutil.copy2(path, ARTIFACTS / path.name)
        return path


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_merchant_signs_in_uploads_imports_renders_and_plays_the_video(
    live_server, browser, tmp_path, builtin_templates
):
    from playwright.sync_api import expect

    merchant = factories.merchant_make(slug="acme")
    product = factories.product_make(merchant=merchant, sku="LAMP-1", title="Desk Lamp", photos=0)
    photos = []
    for seed, colour in ((1, (200, 60, 40)), (2, (40, 90, 200))):
        path = tmp_path / f"lamp-{seed}.jpg"
        path.write_bytes(factories.photo_bytes(width=640, height=480, seed=seed, colour=colour))
        photos.append(str(path))
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED, encoding="utf-8")
    shots = Screenshots(tmp_path / "screenshots")
    worker_log = tmp_path / "worker.log"
    queues_purge()
    started = time.monotonic()

    with celery_worker(worker_log):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        page = context.new_page()
        try:
            # 1. Sign in: the site root sends an anonymous visitor to the sign-in page.
            page.goto("/")
            expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
            shots.take(page, "sign-in")
            page.get_by_label("Email").fill("owner@acme.test")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Catalog")
            expect(page.get_by_text("Desk Lamp")).to_be_visible()
            shots.take(page, "catalog")

            # 2. A product: two photos through the upload zone's file input.
            page.get_by_role("link", name="Desk Lamp").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Desk Lamp")
            page.get_by_label("Photos").set_input_files(photos)
            page.get_by_role("button", name="Upload photos").click()
            expect(page.get_by_text("Added: lamp-1.jpg")).to_be_visible()
            expect(page.get_by_text("Added: lamp-2.jpg")).to_be_visible()
            expect(page.locator(".photos img")).to_have_count(2)
            assert product.images.filter(status="ready").count() == 2
            shots.take(page, "photos-uploaded")
            # The same zone takes a file dropped on it (a canvas-drawn JPEG, dropped with a DataTransfer).
            page.locator("[data-dropzone]").evaluate("""async (zone) => {
                const canvas = Object.assign(document.createElement('canvas'), {width: 320, height: 240});
                const g = canvas.getContext('2d');
                g.fillStyle = '#2a9d8f'; g.fillRect(0, 0, 320, 240); g.fillStyle = '#fff'; g.fillRect(100, 60, 120, 120);
                const blob = await new Promise(done => canvas.toBlob(done, 'image/jpeg', 0.9));
                const data = new DataTransfer();
                data.items.add(new File([blob], 'dropped.jpg', {type: 'image/jpeg'}));
                zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true}));
                zone.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
            }""")
            expect(page.get_by_text("Added: dropped.jpg")).to_be_visible()
            expect(page.locator(".photos img")).to_have_count(3)

            # 3. A feed import: its page polls (htmx) until the worker has finished it, then lists the bad row.
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
            page.get_by_label("Feed file").set_input_files(str(feed))
            page.get_by_role("button", name="Start import").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("feed.csv")
            import_url = page.url
            shots.take(page, "import-started")
            expect(page.locator("[data-import-status]")).to_have_text("Imported with 1 error", timeout=90_000)
            expect(page.locator('[data-count="created"]')).to_have_text("2")
            expect(page.locator('[data-count="failed"]')).to_have_text("1")
            expect(page.get_by_role("table")).to_contain_text("price")
            shots.take(page, "import-finished")

            # 4. A render with the motion engine, small and short, while the worker runs it.
            page.goto("/app/renders/new/?sku=LAMP-1")
            page.get_by_label("Template").select_option("quick-bumper")
            page.get_by_label("Engine").select_option("motion")
            expect(page.get_by_label("Model family")).to_be_hidden()  # the dit engine's option only
            page.get_by_label("Size (short side)").select_option("180")
            expect(page.get_by_label("9:16")).to_be_checked()
            shots.take(page, "render-form")
            page.get_by_role("button", name="Start render").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Desk Lamp")
            shots.take(page, "render-queued")

            # 5. The progress bar, refreshed by htmx, climbs to 100 and the status says succeeded.
            seen = []
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                status = page.locator("[data-job-status]").inner_text()
                seen.append(int(page.locator("#job-progress").get_attribute("aria-valuenow")))
                if status in ("Succeeded", "Failed", "Cancelled"):
                    break
                page.wait_for_timeout(400)
            assert status == "Succeeded", (
                f"{status}: {page.locator('#job-status').inner_text()}\n"
                f"{worker_log.read_text(errors='replace')[-3000:]}"
            )
            assert seen[-1] == 100 and seen == sorted(seen), seen
            expect(page.locator("#job-progress")).to_have_attribute("value", "100")
            expect(page.locator("#live-announcer")).to_contain_text("succeeded; the videos are ready")
            expect(page.get_by_role("button", name="Cancel render")).to_be_hidden()
            expect(page.get_by_role("link", name="Download 9:16 MP4")).to_be_visible()

            # 6. The video plays: it loads from /media/, play() resolves and the clock advances.
            video = page.locator("video").first
            playback = video.evaluate("""async (v) => {
                v.muted = true;
                if (v.readyState < 2) await new Promise((ok, no) => {
                    v.addEventListener('loadeddata', ok, {once: true});
                    v.addEventListener('error', () => no(new Error('video error ' + (v.error && v.error.code))), {once: true});
                    v.load();
                });
                await v.play();
                const start = v.currentTime;
                await new Promise(r => setTimeout(r, 1200));
                const result = {readyState: v.readyState, start, now: v.currentTime, duration: v.duration,
                                width: v.videoWidth, height: v.videoHeight, poster: v.poster};
                v.pause();
                return result;
            }""")
            assert playback["readyState"] >= 2 and playback["now"] > playback["start"], playback
            assert (playback["width"], playback["height"]) == (180, 320), playback
            # quick-bumper is a 6 s preset; its cuts land on the music's beats, so the exact length is the job's
            # own timeline's.
            job = RenderJob.objects.filter(merchant=merchant).latest("pk")
            expected = timeline_for_job(job, "9:16").duration
            assert 4.5 < expected < 7.0, expected
            assert abs(playback["duration"] - expected) < 0.2 and playback["poster"].endswith(".jpg"), playback
            shots.take(page, "video-playing")

            # The video library: the video's card with its poster, and its download named for the product,
            # template and ratio (not 9x16.mp4).
            render_url = page.url
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Videos").click()
            card = page.locator(".library-card", has_text="Desk Lamp").filter(has=page.locator("img"))
            expect(card).to_have_count(1)
            with page.expect_download() as download:
                card.get_by_role("link", name="Download").click()
            assert download.value.suggested_filename == "lamp-1-quick-bumper-9x16.mp4"
            shots.take(page, "library")
            page.goto(render_url)

            # The template gallery now has a preview clip for the template just used.
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
            expect(page.locator(".card", has_text="Quick bumper").locator("video")).to_have_count(1)
            expect(page.locator(".card", has_text="Product showcase")).to_contain_text("A still of its first scene")
            shots.take(page, "templates")
            page.go_back()

            # 7. A live room from the dashboard: a bad SKU is named, then the room's page shows its stream address
            # and its schedule, whose segment the worker renders and cuts.
            job_url = page.url
            page.goto("/app/live/")
            expect(page.get_by_role("heading", level=1)).to_have_text("Live rooms")
            expect(
                page.get_by_role("navigation", name="Main").get_by_role("link", name="Live rooms")
            ).to_have_attribute("aria-current", "page")
            page.get_by_label("Name").fill("Lamp live")
            page.get_by_label("SKUs, in playing order").fill("LAMP-1, NOPE-9")
            page.get_by_label("Template").select_option("quick-bumper")
            page.get_by_role("button", name="Create room").click()
            expect(page.get_by_role("alert")).to_contain_text("NOPE-9")
            page.get_by_label("SKUs, in playing order").fill("LAMP-1")
            page.get_by_role("button", name="Create room").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Lamp live")
            expect(page.locator("code", has_text="/live/")).to_contain_text("/index.m3u8")
            expect(page.get_by_role("table")).to_contain_text("Desk Lamp")
            deadline = time.monotonic() + 180
            while "Ready" not in page.get_by_role("table").inner_text() and time.monotonic() < deadline:
                page.wait_for_timeout(1000)
                page.reload()
            expect(page.get_by_role("table")).to_contain_text("Ready")
            # The stream plays in the page (hls.js in Chromium): pictures arrive and the clock advances.
            playback = page.locator("video[data-stream]").evaluate("""async (v) => {
                v.muted = true;
                const deadline = Date.now() + 30000;
                while (v.readyState < 2 && !v.dataset.playerError && Date.now() < deadline)
                    await new Promise(r => setTimeout(r, 200));
                if (v.dataset.playerError || v.readyState < 2) return {error: v.dataset.playerError || 'no data', now: 0, start: 0};
                await v.play();
                const start = v.currentTime;
                // A live stream starts near its edge, with little buffered: allow it a few chunks to get going.
                const until = Date.now() + 12000;
                while (v.currentTime < start + 1 && Date.now() < until) await new Promise(r => setTimeout(r, 250));
                return {start, now: v.currentTime, width: v.videoWidth, height: v.videoHeight,
                        error: v.error ? 'media error ' + v.error.code : v.dataset.playerError};
            }""")
            assert not playback.get("error") and playback["now"] >= playback["start"] + 1, playback
            assert (playback["width"], playback["height"]) == (540, 960), playback
            shots.take(page, "live-room")
            page.goto(job_url)

            # 8. Phone size: the same pages fit 375 px without sideways scrolling.
            page.set_viewport_size({"width": 375, "height": 812})
            page.reload()
            expect(page.locator("[data-job-status]")).to_have_text("Succeeded")
            assert _no_horizontal_scroll(page)
            shots.take(page, "phone-render")
            page.goto("/app/")
            assert _no_horizontal_scroll(page)
            shots.take(page, "phone-catalog")
            page.goto("/app/api-keys/")
            page.get_by_label("Name").fill("storefront")
            page.get_by_role("button", name="Create key").click()
            expect(page.get_by_role("button", name="Copy key")).to_be_visible()
            assert page.locator("[data-new-key]").inner_text().count(".") == 1
            shots.take(page, "phone-api-key")
            wide = []
            for url in (
                "/app/api-keys/",
                f"/app/products/{product.pk}/",
                "/app/imports/",
                import_url,
                "/app/templates/",
                "/app/renders/",
                "/app/renders/new/",
                "/app/videos/",
                "/app/brand/",
                "/app/webhooks/",
            ):
                page.goto(url)
                if not _no_horizontal_scroll(page):
                    wide.append(url)
            assert not wide, f"wider than 375 px: {wide}"
        except Exception:
            shots.take(page, "failure")
            raise
        finally:
            context.close()
    print(
        f"dashboard browser flow: {time.monotonic() - started:.1f} s; progress seen {sorted(set(seen))}; "
        f"screenshots in {shots.folder} and {ARTIFACTS}"
    )
