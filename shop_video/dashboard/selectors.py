"""Reads the dashboard needs that belong to no other app: who the signed-in user acts for, and the merchant's
API keys. Every read takes the merchant (or the user) it is scoped to."""

from __future__ import annotations

from django.db.models import QuerySet

from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.models import Membership, Merchant


def memberships_of_user(*, user) -> QuerySet[Membership]:
    """The shops a user belongs to, oldest membership first (the first is the default shop)."""
    return Membership.objects.filter(user=user).select_related("merchant").order_by("pk")


def membership_current(*, user, chosen_merchant_id) -> Membership | None:
    """The membership a dashboard request acts through: the merchant chosen in the switcher (the session's
    SESSION_MERCHANT, shared with the API's session authentication) if the user still belongs to it, else the
    user's first one; None for a user who belongs to no merchant. The same rule as
    shop_video.api.authentication.request_merchant."""
    memberships = memberships_of_user(user=user)
    membership = None
    if chosen_merchant_id:
        membership = memberships.filter(merchant_id=chosen_merchant_id).first()
    return membership or memberships.first()


def api_key_list(*, merchant: Merchant) -> QuerySet[MerchantApiKey]:
    """The merchant's keys, usable ones first, newest first. Only prefixes and hashes are stored."""
    return MerchantApiKey.objects.filter(merchant=merchant).order_by("revoked", "-created")
