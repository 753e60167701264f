"""API keys: made (the secret shown once), listed by prefix, revoked for good."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from shop_video.api.models import MerchantApiKey
from shop_video.embed_cache import embed_version_bump_on_commit
from shop_video.tenancy.models import Merchant


def api_key_create(*, merchant: Merchant, name: str) -> tuple[MerchantApiKey, str]:
    name = name.strip()
    if not name or len(name) > 50:
        raise ValidationError("An API key needs a name of 1 to 50 characters, e.g. 'storefront'.")
    return MerchantApiKey.objects.create_key(merchant=merchant, name=name)


def api_key_revoke(*, merchant: Merchant, prefix: str) -> bool:
    revoked = MerchantApiKey.objects.filter(merchant=merchant, prefix=prefix, revoked=False).update(revoked=True)
    embed_version_bump_on_commit(merchant_id=merchant.pk)  # its cached embed answers stop being served
    return bool(revoked)
