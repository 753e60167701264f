"""Reads the dashboard needs that belong to no other app: who the signed-in user acts for, and the merchant's
API keys. Every read takes the merchant (or the user) it is scoped to."""

from __future__ import annotations

from django.db.models import QuerySet

from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.models import Membership, Merchant


def memberships_of_user(*, user) -> QuerySet[Membership]:
    """The shops a user belongs to, oldest membership first (the first is the default shop)."""
    return Membership.objects.filter(user=user).select_related("merchant").order_by("pk")


def api_key_list(*, merchant: Merchant) -> QuerySet[MerchantApiKey]:
    """The merchant's keys, usable ones first, newest first. Only prefixes and hashes are stored."""
    return MerchantApiKey.objects.filter(merchant=merchant).order_by("revoked", "-created")
