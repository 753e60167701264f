"""A merchant's monthly render quota in render-seconds: the worker seconds its shots took (started -> finished)
this calendar month (UTC), against settings.RENDER_QUOTA_SECONDS_PER_MONTH or the merchant's RenderQuota.
One-off renders (API, dashboard) and campaigns are refused once it is spent; a running campaign pauses."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import DurationField, ExpressionWrapper, F, Sum
from django.utils import timezone

from generation.campaigns.models import RenderQuota
from generation.models import Shot
from shop_video.tenancy.models import Merchant


class QuotaExceeded(ValidationError):
    """A 400 in the API, with the message saying how much was used and when it renews."""


def month_start(now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime | None = None) -> datetime:
    return (month_start(now) + timedelta(days=32)).replace(day=1)


def render_quota_seconds(*, merchant: Merchant) -> int:
    """The merchant's monthly render-seconds; 0 means no limit."""
    own = RenderQuota.objects.filter(merchant=merchant).values_list("monthly_render_seconds", flat=True).first()
    return settings.RENDER_QUOTA_SECONDS_PER_MONTH if own is None else own


def render_seconds_used(*, merchant: Merchant) -> float:
    took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    total = (
        Shot.objects.filter(job__merchant=merchant, finished_at__gte=month_start(), started_at__isnull=False)
        .aggregate(total=Sum(took))
        .get("total")
    )
    return total.total_seconds() if total else 0.0


def render_quota_left(*, merchant: Merchant) -> float | None:
    """Render-seconds left this month, None when unlimited."""
    quota = render_quota_seconds(merchant=merchant)
    if not quota:
        return None
    return max(0.0, quota - render_seconds_used(merchant=merchant))


def render_quota_check(*, merchant: Merchant) -> None:
    """Raise QuotaExceeded once this month's render-seconds are spent."""
    quota = render_quota_seconds(merchant=merchant)
    if not quota:
        return
    used = render_seconds_used(merchant=merchant)
    if used >= quota:
        raise QuotaExceeded(render_quota_message(used=used, quota=quota))


def render_quota_message(*, used: float, quota: int) -> str:
    return (
        f"This month's render quota is spent ({used:,.0f} of {quota:,} render-seconds used); it renews on "
        f"{next_month_start():%Y-%m-%d}. Ask your administrator to raise the merchant's quota, or render fewer products."
    )
