"""Writes the dashboard makes that belong to no other app: which merchant a session acts for. (Its brand-kit
form saves through shop_video.tenancy.services.brand_kit_update.)"""

from __future__ import annotations

from shop_video.tenancy.access import SESSION_MERCHANT
from shop_video.tenancy.models import Membership, Merchant


def dashboard_merchant_choose(*, session, user, merchant_id: int) -> Merchant:
    """Remember in the session which of the user's merchants the dashboard (and the session-authenticated API)
    acts for. Membership.DoesNotExist when the user is not a member of that merchant."""
    membership = Membership.objects.select_related("merchant").get(user=user, merchant_id=merchant_id)
    session[SESSION_MERCHANT] = membership.merchant_id
    return membership.merchant
