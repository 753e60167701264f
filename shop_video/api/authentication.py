"""Who is calling: a merchant's API key (storefronts) or a signed-in member (the dashboard), and for which merchant.

Who the caller acts for is decided here, with the merchant rule of shop_video.tenancy.access (the dashboard's
too); what they may do is decided by the role permissions in shop_video.api.permissions, which set
`request.merchant` for the view to scope every query to.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions

from shop_video.api.models import MerchantApiKey
from shop_video.tenancy.access import SESSION_MERCHANT, membership_current
from shop_video.tenancy.models import Membership

KEYWORD = "Api-Key"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != KEYWORD:
            return None  # not ours: session auth may still apply
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(
                f"The Authorization header is empty after {KEYWORD}; send 'Authorization: {KEYWORD} <your key>'."
            )
        try:
            api_key = MerchantApiKey.objects.get_from_key(key)
        except MerchantApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(
                "This API key is not valid or was revoked; create a new one "
                "in the dashboard or with manage.py create_api_key."
            ) from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired; create a new one.")
        now = timezone.now()
        # To the minute: a write on every request would cost a storefront's busiest key a row update each time.
        if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
            MerchantApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return KEYWORD  # so a missing or bad key is a 401 with WWW-Authenticate, not a 403


def request_membership(request) -> Membership | None:
    """The signed-in member's current membership (the switcher's choice, else their first); None for an API key
    or a user who belongs to no merchant."""
    if isinstance(request.auth, MerchantApiKey):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_MERCHANT) if hasattr(request, "session") else None
    return membership_current(user=user, chosen_merchant_id=chosen)
