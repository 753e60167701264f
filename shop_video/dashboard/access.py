"""Who may see a dashboard page, and for which merchant.

Every view is wrapped in `member_view`: anonymous users go to the sign-in page; a user who belongs to no merchant
gets a page saying so (403); otherwise `request.merchant` is the merchant chosen in the switcher (or the user's
first) and every lookup in the view starts from it, so another merchant's ids are simply not found (404).
Viewers may read everything but change nothing; API keys and webhooks (secrets) are for owners and admins: the
role table and the merchant rule are shop_video.tenancy.access's, shared with the API.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from shop_video.dashboard.selectors import memberships_of_user
from shop_video.tenancy.access import SESSION_MERCHANT, Ability, membership_current, role_can, role_refusal_message

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def member_attach(request):
    """Put the signed-in user's current membership on the request (`merchant`, `memberships`, `can_edit`,
    `can_manage`: what the header and the pages read); None, and nothing attached, for a user of no merchant."""
    membership = membership_current(user=request.user, chosen_merchant_id=request.session.get(SESSION_MERCHANT))
    if membership is None:
        return None
    request.membership = membership
    request.merchant = membership.merchant
    request.memberships = list(memberships_of_user(user=request.user))
    request.can_edit = role_can(role=membership.role, ability=Ability.EDIT)
    request.can_manage = role_can(role=membership.role, ability=Ability.MANAGE)
    return membership


def member_view(view=None, *, manage: bool = False):
    """Require a signed-in member. `manage`: the page is for owners and admins only (secrets live there);
    otherwise any member may read it and owners, admins and editors may post to it."""

    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = member_attach(request)
            if membership is None:
                return render(request, "dashboard/no_merchant.html", status=403)
            needed = Ability.MANAGE if manage else (Ability.READ if request.method in SAFE_METHODS else Ability.EDIT)
            if not role_can(role=membership.role, ability=needed):
                raise PermissionDenied(
                    role_refusal_message(
                        merchant=request.merchant, role=membership.role, ability=needed, what="use this page"
                    )
                )
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
