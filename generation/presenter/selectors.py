"""Reads of presenter profiles, always scoped to one merchant."""

from __future__ import annotations

from generation.models import Presenter
from shop_video.tenancy.models import Merchant


class PresenterNotFound(Exception):
    pass


def presenters_for(*, merchant: Merchant):
    return Presenter.objects.filter(merchant=merchant).order_by("-is_default", "slug")


def presenter_get(*, merchant: Merchant, slug: str) -> Presenter:
    presenter = Presenter.objects.filter(merchant=merchant, slug=slug).first()
    if presenter is None:
        known = ", ".join(presenters_for(merchant=merchant).values_list("slug", flat=True)) or "none yet"
        raise PresenterNotFound(f"No presenter {slug!r} in {merchant.slug!r} (yours: {known}).")
    return presenter


def presenter_default(*, merchant: Merchant) -> Presenter | None:
    return Presenter.objects.filter(merchant=merchant, is_default=True).first()
