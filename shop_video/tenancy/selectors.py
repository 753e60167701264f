"""Reads for merchants. Every tenant-owned query starts from a Merchant obtained here."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from shop_video.tenancy.models import BrandKit, Merchant


class MerchantNotFound(ObjectDoesNotExist):
    pass


def merchant_get(*, slug: str) -> Merchant:
    try:
        return Merchant.objects.get(slug=slug)
    except Merchant.DoesNotExist:
        raise MerchantNotFound(f"No merchant with slug {slug!r}; create it with `manage.py create_merchant {slug}`.") from None


def brand_kit_default(*, merchant: Merchant) -> BrandKit | None:
    return merchant.brand_kits.filter(is_default=True).first()


def brand_kits_list(*, merchant: Merchant):
    return merchant.brand_kits.order_by("-is_default", "name", "pk")


def brand_kit_get(*, merchant: Merchant, kit_id: int) -> BrandKit:
    """BrandKit.DoesNotExist when the kit is not this merchant's (the API answers 404)."""
    return merchant.brand_kits.get(pk=kit_id)
