"""The template editor in Chromium (no worker needed): the preview redraws from the unsaved form, a merge field is
inserted at the cursor, scenes are reordered by keyboard and by drag and drop, the save keeps the new order, and
the page has no script errors and no sideways scroll on a phone. Screenshots go to
var/test-artifacts/templates/."""

from __future__ import annotations

import re

import pytest

from generation.models import VideoTemplate
from generation.services.video_templates import video_template_copy
from tests import factories
from tests.dashboard.test_template_preview import ARTIFACTS
from tests.e2e.test_dashboard_browser import PASSWORD, browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def _legends(page) -> list[str]:
    return [text.split(": ", 1)[1] for text in page.locator("[data-scene] legend").all_inner_texts()]


def _drag(page, source: int, target: int, *, below: bool = False) -> None:
    """Drag a scene by its handle with the mouse, as a person does (HTML5 drag and drop)."""
    handle = page.locator("[data-scene] .drag-handle").nth(source).bounding_box()
    box = page.locator("[data-scene]").nth(target).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 30, box["y"] + (box["height"] - 8 if below else 8), steps=8)
    page.mouse.up()


def test_the_editor_previews_reorders_and_saves_in_a_browser(live_server, browser, builtin_templates):  # noqa: F811
    from playwright.sync_api import expect

    merchant = factories.merchant_make(slug="acme")
    factories.product_make(merchant=merchant, sku="LAMP-1", title="Desk Lamp", photos=1)
    builtin = VideoTemplate.objects.get(merchant=None, slug="quick-bumper")
    mine = video_template_copy(template=builtin, merchant=merchant, replace=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/accounts/login/?next=/app/templates/quick-bumper/edit/")
        page.get_by_label("Email").fill("owner@acme.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Edit Quick bumper (6 s) (copy)")
        frame = page.locator("#preview-frame")
        page.wait_for_function("() => document.getElementById('preview-frame').naturalWidth === 360")

        # The price card, with a new headline and a merge field inserted at the cursor: redrawn, unsaved.
        page.get_by_label("Show in preview").nth(1).check()
        headline = page.get_by_label("Headline", exact=True)
        headline.fill("Flash sale ")
        chips = page.get_by_role("group", name="Insert a merge field into headline")
        chips.get_by_role("button", name="Price", exact=True).click()
        expect(headline).to_have_value("Flash sale {{ variant.price|price }}")
        expect(page.locator("#preview-status")).to_have_text("The selected scene with your changes (not saved yet).")
        assert frame.get_attribute("src").startswith("data:image/jpeg;base64,")
        page.screenshot(path=str(ARTIFACTS / "editor-desktop.png"), full_page=True)

        # Keyboard: Move down on the first scene; then drag it back up, then down again with the mouse.
        assert _legends(page) == ["Product shots", "Price card"]
        page.locator("[data-scene]").nth(0).locator("[data-move=down]").focus()
        page.keyboard.press("Enter")
        assert _legends(page) == ["Price card", "Product shots"]
        expect(
            page.get_by_role("button", name=re.compile(r"^Move up\s*: scene 2$"))
        ).to_be_focused()  # the labels follow the order
        page.set_viewport_size({"width": 1280, "height": 2400})  # both scenes in view while dragging
        page.evaluate("() => window.scrollTo(0, 0)")
        _drag(page, 1, 0)  # the second scene's handle dropped on the top of the first
        assert _legends(page) == ["Product shots", "Price card"]
        _drag(page, 0, 1, below=True)
        assert _legends(page) == ["Price card", "Product shots"]
        page.get_by_role("button", name="Save template").click()
        expect(page.get_by_text("saved (version 2)")).to_be_visible()
        mine.refresh_from_db()
        assert [scene["type"] for scene in mine.spec["scenes"]] == ["price_card", "product_shots"]
        assert mine.spec["scenes"][0]["headline"] == "Flash sale {{ variant.price|price }}"

        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        page.wait_for_function("() => document.getElementById('preview-frame').naturalWidth === 360")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / "editor-phone.png"), full_page=True)
        page.goto("/app/templates/")
        page.evaluate(
            "() => document.querySelectorAll('img[loading=lazy]').forEach(image => { image.loading = 'eager'; })"
        )
        page.wait_for_function("() => [...document.images].every(image => image.complete && image.naturalWidth > 0)")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(ARTIFACTS / "gallery-desktop.png"), full_page=True)
        assert not errors, errors
    finally:
        context.close()
