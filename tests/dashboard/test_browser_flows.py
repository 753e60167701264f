"""The dashboard's working flows in a real browser (Chromium, as test_browser_crawl.py), mostly at phone size
(390x844) with desktop checks on two pages: a product's photos (move, cover, delete through the confirm dialog),
a campaign over the whole catalog (select all matching -> form -> estimate and dry run -> launch -> running with
counts -> pause), a presenter (added with a photo that passes the face check, then its voice heard), and a live
room (stopped, a product moved and removed, and its schedule refreshing by itself).

After every step: no console error or CSP violation, no failed request (PageWatch), and nothing wider than the
390 px screen. No Celery worker: render tasks are recorded (tests/dashboard/conftest), and a launched campaign's
advance step runs in this process once the launch commits, as its worker would. Screenshots go to
var/test-artifacts/dashboard-flows/.
"""

from __future__ import annotations

import re
import shutil

import pytest
from django.db import transaction

from catalog.models import ProductImage
from catalog.services import product_image_add
from generation.campaigns import dispatch as campaign_dispatch
from generation.campaigns.models import Campaign
from generation.campaigns.scheduler import campaign_advance
from generation.models import Presenter, RenderJob
from shop_video.live import services as live_services
from shop_video.live.models import LiveRoom
from tests import factories
from tests.dashboard.test_browser_crawl import SIZES, PageWatch, shop  # noqa: F401 (the fixture)
from tests.e2e.test_dashboard_browser import PASSWORD, browser  # noqa: F401 (the fixture: Chromium or a CI failure)
from tests.e2e.worker import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = ROOT / "var" / "test-artifacts" / "dashboard-flows"


@pytest.fixture
def flows(shop, merchant, monkeypatch):  # noqa: F811 (shop is the crawl's fixture)
    """The crawl's shop, plus a vase with four photos no render uses (so each may be deleted), a live room of
    three products, and a campaign's advance step run in this process when a launch or resume commits."""
    vase = factories.product_make(merchant=merchant, sku="VASE-1", title="Glass Vase", photos=3)
    product_image_add(product=vase, data=factories.photo_bytes(seed=9, colour=(10, 200, 90)))
    room = live_services.live_room_create(
        merchant=merchant,
        name="Evening live",
        skus=["MUG-1", "LAMP-2", "LAMP-3"],
        template_slug="quick-bumper",
        short_side=64,
    )
    monkeypatch.setattr(
        campaign_dispatch,
        "campaign_advance_send",
        lambda *, campaign_id: transaction.on_commit(lambda: campaign_advance(campaign_id=campaign_id)),
    )
    return {**shop, "vase": vase, "room": room}


class Steps:
    """One check per step: the page's problems since the last step, its width at phone size, a screenshot."""

    def __init__(self, page, watch: PageWatch, *, not_ready: str = ""):
        self.page, self.watch, self.number = page, watch, 0
        self.not_ready = not_ready  # a path whose 503 is the page's documented state (see the live room)

    def check(self, name: str) -> None:
        self.page.wait_for_timeout(50)  # a late console error (a blocked resource) is reported after the event
        problems = self._problems()
        width = self.page.viewport_size["width"]
        wide = self.page.evaluate("() => document.documentElement.scrollWidth")
        if width == SIZES["phone"]["width"] and wide > width:
            problems.append(f"wider than {width} px: {wide} px")
        self.number += 1
        size = "phone" if width == SIZES["phone"]["width"] else "desktop"
        self.page.screenshot(path=str(ARTIFACTS / f"{self.number:02}-{size}-{name}.png"), full_page=True)
        assert not problems, (name, problems)

    def desktop_check(self, name: str) -> None:
        """The same page at desktop size, then back to the phone."""
        self.page.set_viewport_size(SIZES["desktop"])
        self.check(name)
        self.page.set_viewport_size(SIZES["phone"])

    def _problems(self) -> list[str]:
        problems = self.watch.take()
        refused = [p for p in problems if self.not_ready and re.fullmatch(rf"HTTP 503 \S+{self.not_ready}", p)]
        # Chromium logs each refused request once more on the console, without its address: drop as many.
        logged = [p for p in problems if p.startswith("console: Failed to load resource")][: len(refused)]
        return [p for p in problems if p not in refused and p not in logged]


def _confirm(page, button_name: str, action: str = "Confirm") -> None:
    """Press a destructive button and answer the dialog it opens."""
    page.get_by_role("button", name=button_name).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=action).click()


def _order(product) -> list[int]:
    return list(product.images.order_by("position", "id").values_list("pk", flat=True))


def test_photos_campaign_presenter_and_live_room_flows_at_phone_size(live_server, browser, flows):  # noqa: F811
    from playwright.sync_api import expect

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    room = flows["room"]
    context = browser.new_context(base_url=live_server.url, viewport=SIZES["phone"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = PageWatch(page)
    # Before its segments are rendered a room's playlist answers 503 and the player asks again (live/player.js).
    steps = Steps(page, watch, not_ready=re.escape(room.stream_path))
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("owner@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalog")
    steps.check("catalog")

    # 1. The product page: move a photo, choose the cover, delete one through the confirm dialog.
    vase = flows["vase"]
    first, second, third, fourth = _order(vase)
    page.goto(f"/app/products/{vase.pk}/")
    expect(page.locator("#photo-counts")).to_contain_text("4 photos")
    steps.check("product")
    page.get_by_role("button", name="Later (photo 1)").click()
    expect(page.get_by_text("Photo moved later.")).to_be_visible()
    assert _order(vase) == [second, first, third, fourth]
    steps.check("product-photo-moved")
    page.get_by_role("button", name="Set as cover (photo 3)").click()
    expect(page.get_by_text("Cover photo set")).to_be_visible()
    assert _order(vase) == [third, second, first, fourth]
    expect(page.locator(".photo-manager li").first.get_by_text("cover")).to_be_visible()
    steps.check("product-cover-set")
    page.get_by_role("button", name="Delete photo 4").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete photo 4 of Glass Vase?")
    steps.check("product-delete-dialog")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Photo deleted.")).to_be_visible()
    assert _order(vase) == [third, second, first] and not ProductImage.objects.filter(pk=fourth).exists()
    expect(page.locator("#photo-counts")).to_contain_text("3 photos")
    steps.check("product-photo-deleted")
    steps.desktop_check("product")

    # 2. A campaign over every matching product: the form, the estimate and dry run, launch, pause.
    page.goto("/app/")
    select_all = page.get_by_label(re.compile(r"Select all \d+ matching products"))
    matching = int(re.search(r"\d+", page.locator("label[for=all-matching]").inner_text())[0])
    select_all.check()
    expect(page.locator("[data-pick]").first).to_be_disabled()  # every box ticked and locked: the filters count
    steps.check("catalog-select-all")
    page.get_by_role("button", name="Make videos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make videos")
    expect(page.get_by_text(f"For {matching} products")).to_be_visible()
    page.get_by_label("Campaign name").fill("Summer")
    page.get_by_label("Template").select_option("product-showcase")
    page.get_by_label("1:1", exact=True).check()
    steps.check("campaign-form")
    page.get_by_role("button", name="Continue to the estimate").click()
    expect(page.get_by_role("heading", name="Before you launch")).to_be_visible()
    expect(page.get_by_role("table", name="Estimate")).to_be_visible()
    expect(page.get_by_role("heading", name="Dry run: products that would be skipped")).to_be_visible()
    campaign = Campaign.objects.get(name="Summer")
    assert (campaign.status, campaign.aspect_ratios) == (Campaign.Status.DRAFT, ["9:16", "1:1"])
    steps.check("campaign-draft")
    steps.desktop_check("campaign-draft")
    page.get_by_role("button", name=f"Launch ({matching} products)").click()
    expect(page.locator("#campaign-progress")).to_have_attribute("data-status", "running")
    jobs = RenderJob.objects.filter(campaign=campaign)
    assert jobs.exists()  # the launch's advance made this campaign's renders
    counts = page.locator("#campaign-progress dl.counts")
    expect(counts.locator("div", has_text="Queued").locator("dd")).to_have_text(str(jobs.count()))
    expect(page.get_by_text(f"of {matching} products done").first).to_be_visible()
    steps.check("campaign-running")
    pause = page.get_by_role("button", name="Pause")
    pause.click()
    if page.get_by_role("dialog").is_visible():
        page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("#campaign-progress")).to_have_attribute("data-status", "paused")
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.PAUSED
    steps.check("campaign-paused")

    # 3. A presenter: added with a real portrait (it passes the face check), then its voice heard.
    page.goto("/app/presenters/")
    page.get_by_role("link", name="Add a presenter").click()
    page.get_by_label(re.compile(r"^Name")).fill("Maya")
    page.get_by_label("Photo").set_input_files(
        {"name": "maya.jpg", "mimeType": "image/jpeg", "buffer": factories.portrait_bytes()}
    )
    steps.check("presenter-form")
    page.get_by_role("button", name="Add presenter").click()
    expect(page.get_by_text("Presenter Maya added.")).to_be_visible()
    maya = Presenter.objects.get(merchant=room.merchant, name="Maya")
    assert maya.avatar.name
    expect(page.get_by_role("img", name="Photo of Maya")).to_be_visible()
    with page.expect_response(lambda response: "/presenters/voice-sample/" in response.url) as sample:
        page.get_by_role("button", name="Listen to this voice").click()
    assert sample.value.status == 200 and sample.value.headers["content-type"] == "audio/wav"
    steps.check("presenter-listen")

    # 4. A live room: stop it, move and remove products, and the schedule follows a change made elsewhere.
    page.goto(f"/app/live/{room.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evening live")
    steps.check("room")
    _confirm(page, "Stop the room")
    expect(page.get_by_text("Evening live is stopped")).to_be_visible()
    assert not LiveRoom.objects.get(pk=room.pk).is_active
    expect(page.locator("#schedule")).to_contain_text("The room is stopped")
    expect(page.locator("video[data-stream]")).to_have_count(0)  # no player asking a stream that answers 410
    steps.check("room-stopped")
    items = {item.sku: item for item in room.items.all()}
    page.locator(f"#item-{items['LAMP-3'].pk}-earlier").click()
    expect(page.get_by_text("LAMP-3 moved earlier")).to_be_visible()
    assert list(room.items.order_by("position").values_list("sku", flat=True)) == ["MUG-1", "LAMP-3", "LAMP-2"]
    steps.check("room-moved")
    page.locator(f"#item-{items['MUG-1'].pk}-remove").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("MUG-1 removed from the room.")).to_be_visible()
    assert list(room.items.order_by("position").values_list("sku", flat=True)) == ["LAMP-3", "LAMP-2"]
    steps.check("room-removed")
    # A product added elsewhere (another member, the API): the schedule shows it without a reload.
    live_services.live_room_item_add(room=room, sku="LAMP-4")
    with page.expect_response(lambda r: "part=schedule" in r.url, timeout=8_000) as refreshed:
        pass
    assert refreshed.value.status == 200
    expect(page.locator("#schedule tbody tr")).to_have_count(3)
    expect(page.locator("#schedule tbody tr").last).to_contain_text("LAMP-4")
    steps.check("room-schedule-refreshed")
    steps.desktop_check("room")
    context.close()
