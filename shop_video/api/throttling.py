"""Rate limits per API key (storefronts) and per user (dashboard), from settings.API_RATE."""

from rest_framework.throttling import SimpleRateThrottle

from shop_video.api.models import MerchantApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, MerchantApiKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
