"""Rate limits per API key (storefronts) and per user (dashboard), from settings.API_RATE."""

from rest_framework.throttling import SimpleRateThrottle

from shop_video.api.models import MerchantApiKey
from shop_video.embed_fast_path import EMBED_RATE_WAIT_ENVIRON


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def allow_request(self, request, view):
        # The embed's fast path counted this request in its shared window and found the key's budget spent.
        self._fast_path_wait = request.META.get(EMBED_RATE_WAIT_ENVIRON)
        if self._fast_path_wait is not None:
            return False
        return super().allow_request(request, view)

    def wait(self):
        return self._fast_path_wait if self._fast_path_wait is not None else super().wait()

    def get_cache_key(self, request, view):
        if isinstance(request.auth, MerchantApiKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
