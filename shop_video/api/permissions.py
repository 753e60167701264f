"""What a caller may do through the API, by the role table of shop_video.tenancy.access (the dashboard's too).

Every API view names one of these in `permission_classes`:

- `CanEdit`: safe methods (GET, HEAD, OPTIONS) need the read ability (every member), the others need edit
  (owners, admins, editors).
- `CanManage`: every method needs manage (owners, admins): webhooks and anything else that shows a secret.

An API key acts for its merchant with every ability. The default permission (settings.REST_FRAMEWORK) is
`RoleNotDeclared`, which refuses everyone: a new view answers 403 until it declares its role.
"""

from __future__ import annotations

from rest_framework import permissions

from shop_video.api.authentication import request_membership
from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.access import Ability, role_can, role_refusal_message

NO_MERCHANT = "Send 'Authorization: Api-Key <your key>' (manage.py create_api_key makes one) or sign in."


class _RolePermission(permissions.BasePermission):
    """Sets request.merchant (and request.membership for a member) and checks the ability the method needs."""

    what = "do this"  # ends the manage refusal: "Only owners and admins of acme can <what>" (or a view's manage_what)

    def ability(self, request) -> Ability:
        raise NotImplementedError

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, MerchantApiKey):
            request.merchant, request.membership = request.auth.merchant, None
            return True  # a key has every ability for its merchant
        membership = request_membership(request)
        if membership is None:
            self.message = NO_MERCHANT
            return False
        request.merchant, request.membership = membership.merchant, membership
        needed = self.ability(request)
        if role_can(role=membership.role, ability=needed):
            return True
        self.message = role_refusal_message(
            merchant=membership.merchant,
            role=membership.role,
            ability=needed,
            what=getattr(view, "manage_what", self.what),
        )
        return False


class CanEdit(_RolePermission):
    """Members read; owners, admins and editors change."""

    def ability(self, request) -> Ability:
        return Ability.READ if request.method in permissions.SAFE_METHODS else Ability.EDIT


class CanManage(_RolePermission):
    """Owners and admins only, for every method: the view shows or makes secrets."""

    what = "manage webhooks and their signing secrets"

    def ability(self, request) -> Ability:
        return Ability.MANAGE


class RoleNotDeclared(permissions.BasePermission):
    """The default: refuses a view that did not name CanEdit or CanManage, so a new route fails (403, and the role
    walk test) until it says who may use it."""

    message = "This API route declares no role permission (a server bug); it is refused until it does."

    def has_permission(self, request, view) -> bool:
        return False


ROLE_PERMISSIONS = (CanEdit, CanManage)
