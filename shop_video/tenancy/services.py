"""Writes for merchants and their members."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from shop_video.tenancy.models import BrandKit, Membership, Merchant


@transaction.atomic
def merchant_create(*, slug: str, name: str = "", owner_email: str | None = None,
                    owner_password: str | None = None) -> Merchant:
    """A merchant with a default brand kit and, if an e-mail is given, an owner (created if new)."""
    if slug != slugify(slug) or not slug:
        raise ValidationError(f"Merchant slug {slug!r} must be lowercase letters, digits and hyphens, e.g. {slugify(slug) or 'my-shop'!r}.")
    if Merchant.objects.filter(slug=slug).exists():
        raise ValidationError(f"A merchant with slug {slug!r} already exists; choose another slug.")
    merchant = Merchant.objects.create(slug=slug, name=name or slug.replace("-", " ").title())
    BrandKit.objects.create(merchant=merchant, name="Default", is_default=True)
    if owner_email:
        membership_add(merchant=merchant, email=owner_email, role=Membership.Role.OWNER, password=owner_password)
    return merchant


def membership_add(*, merchant: Merchant, email: str, role: str, password: str | None = None) -> Membership:
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_model(username=email.lower(), email=email.lower())
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    membership, _ = Membership.objects.update_or_create(user=user, merchant=merchant, defaults={"role": role})
    return membership
