"""Who is calling: a merchant's API key (storefronts) or a signed-in member (the dashboard), and for which merchant.

Every API view reads the merchant from `request_merchant(request)` and scopes every query to it.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.models import Merchant, Membership

KEYWORD = "Api-Key"
SESSION_MERCHANT = "merchant_id"  # the dashboard's merchant switcher stores its choice here


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != KEYWORD:
            return None  # not ours: session auth may still apply
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(f"The Authorization header is empty after {KEYWORD}; send "
                                                  f"'Authorization: {KEYWORD} <your key>'.")
        try:
            api_key = MerchantApiKey.objects.get_from_key(key)
        except MerchantApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("This API key is not valid or was revoked; create a new one "
                                                  "in the dashboard or with manage.py create_api_key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired; create a new one.")
        MerchantApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return KEYWORD  # so a missing or bad key is a 401 with WWW-Authenticate, not a 403


def request_merchant(request) -> Merchant | None:
    """The merchant a request acts for: its API key's, or the signed-in member's current merchant."""
    if isinstance(request.auth, MerchantApiKey):
        return request.auth.merchant
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("merchant")
    chosen = request.session.get(SESSION_MERCHANT) if hasattr(request, "session") else None
    membership = (memberships.filter(merchant_id=chosen).first() if chosen else None) or memberships.first()
    return membership.merchant if membership else None


class IsMerchant(permissions.BasePermission):
    """A valid API key, or a signed-in member of at least one merchant."""

    message = "Send 'Authorization: Api-Key <your key>' (manage.py create_api_key makes one) or sign in."

    def has_permission(self, request, view):
        merchant = request_merchant(request)
        request.merchant = merchant
        return merchant is not None
