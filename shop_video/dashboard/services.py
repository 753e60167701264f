"""Writes the dashboard makes that belong to no other app: which merchant a session acts for, and the brand
kit edited through its form."""

from __future__ import annotations

from django.db import models

from shop_video.api.authentication import SESSION_MERCHANT
from shop_video.tenancy.models import BrandKit, Membership, Merchant


def dashboard_merchant_choose(*, session, user, merchant_id: int) -> Merchant:
    """Remember in the session which of the user's merchants the dashboard (and the session-authenticated API)
    acts for. Membership.DoesNotExist when the user is not a member of that merchant."""
    membership = Membership.objects.select_related("merchant").get(user=user, merchant_id=merchant_id)
    session[SESSION_MERCHANT] = membership.merchant_id
    return membership.merchant


BRAND_KIT_EDITABLE_FIELDS = ("name", "logo", "primary_colour", "secondary_colour", "accent_colour", "font", "music",
                             "watermark_position", "intro_enabled", "outro_enabled")


def brand_kit_update(*, brand_kit: BrandKit, changes: dict) -> BrandKit:
    """Change a brand kit's own fields. A file field's value is an uploaded file (replace), False (clear: the
    bundled font, no logo, silence) or None (keep). ValidationError names the field and what to change."""
    unknown = sorted(set(changes) - set(BRAND_KIT_EDITABLE_FIELDS))
    if unknown:
        raise ValueError(f"brand kit fields {unknown} cannot be edited here")
    for name, value in changes.items():
        if isinstance(BrandKit._meta.get_field(name), models.FileField):
            if value is None:
                continue
            value = "" if value is False else value
        setattr(brand_kit, name, value)
    brand_kit.full_clean()
    brand_kit.save()
    return brand_kit
