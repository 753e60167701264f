"""Who may see a dashboard page, and for which merchant.

Every view is wrapped in `member_view`: anonymous users go to the sign-in page; a user who belongs to no merchant
gets a page saying so (403); otherwise `request.merchant` is the merchant chosen in the switcher (or the user's
first) and every lookup in the view starts from it, so another merchant's ids are simply not found (404).
Viewers may read everything but change nothing; API keys and webhooks (secrets) are for owners and admins.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from shop_video.api.authentication import SESSION_MERCHANT
from shop_video.dashboard.selectors import membership_current, memberships_of_user
from shop_video.tenancy.models import Membership

Role = Membership.Role
EDIT_ROLES = (Role.OWNER, Role.ADMIN, Role.EDITOR)
MANAGE_ROLES = (Role.OWNER, Role.ADMIN)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def member_view(view=None, *, manage: bool = False):
    """Require a signed-in member. `manage`: the page is for owners and admins only (secrets live there);
    otherwise any member may read it and owners, admins and editors may post to it."""
    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_current(user=request.user, chosen_merchant_id=request.session.get(SESSION_MERCHANT))
            if membership is None:
                return render(request, "dashboard/no_merchant.html", status=403)
            request.membership = membership
            request.merchant = membership.merchant
            request.memberships = list(memberships_of_user(user=request.user))
            request.can_edit = membership.role in EDIT_ROLES
            request.can_manage = membership.role in MANAGE_ROLES
            if manage and not request.can_manage:
                raise PermissionDenied(f"Only owners and admins of {request.merchant} can use this page; "
                                       f"your role is {membership.get_role_display().lower()}.")
            if request.method not in SAFE_METHODS and not request.can_edit:
                raise PermissionDenied(f"Your role at {request.merchant} is viewer: you can look, not change. "
                                       "Ask an owner for the editor role.")
            return func(request, *args, **kwargs)
        return wrapper
    return decorate(view) if view is not None else decorate
