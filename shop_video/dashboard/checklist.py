"""The first-run checklist on the catalog page: the four steps from an empty shop to a first video, each done or
not as the shop's own data says (nothing is stored about the checklist itself), with the page that does it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from catalog.models import Product
from generation.models import JobStatus, RenderJob, VideoTemplate
from shop_video.tenancy.models import BrandKit, Merchant


@dataclass(frozen=True)
class ChecklistStep:
    title: str
    done: bool
    url: str
    action: str  # the link's words when the step is still to do
    help: str


def _brand_kit_changed(*, merchant: Merchant) -> bool:
    """A kit with a logo, a font, music or a colour other than the new kit's (every shop gets a default one)."""
    defaults = {
        name: BrandKit._meta.get_field(name).default for name in ("primary_colour", "secondary_colour", "accent_colour")
    }
    return BrandKit.objects.filter(merchant=merchant).exclude(logo="", font="", music="", **defaults).exists()


def first_run_checklist_get(*, merchant: Merchant) -> list[ChecklistStep]:
    jobs = RenderJob.objects.filter(merchant=merchant)
    return [
        ChecklistStep(
            title="Import your catalog",
            done=Product.objects.filter(merchant=merchant).exists(),
            url=reverse("dashboard:imports"),
            action="Import a catalog feed",
            help="A Shopify, WooCommerce, Google or Meta export, or any CSV.",
        ),
        ChecklistStep(
            title="Set your brand kit",
            done=_brand_kit_changed(merchant=merchant),
            url=reverse("dashboard:brand_kit"),
            action="Add your logo and colours",
            help="Every new video uses them.",
        ),
        ChecklistStep(
            title="Pick a template",
            done=jobs.exists() or VideoTemplate.objects.filter(merchant=merchant).exists(),
            url=reverse("dashboard:templates"),
            action="Browse the templates",
            help="Copy one to make it yours, or render with a built-in.",
        ),
        ChecklistStep(
            title="Make your first video",
            done=jobs.filter(status=JobStatus.SUCCEEDED).exists(),
            url=reverse("dashboard:render_new"),
            action="Render a video",
            help="Choose a product and the sizes you need.",
        ),
    ]
