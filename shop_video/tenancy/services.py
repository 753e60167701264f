"""Writes for merchants, their members and their brand kits."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from shop_video.tenancy.brand_assets import (
    MUSIC_EXTENSIONS,
    MUSIC_MOODS,
    CheckedAsset,
    font_clean,
    logo_clean,
    music_clean,
)
from shop_video.tenancy.models import BrandKit, BrandMusicTrack, Membership, Merchant


@transaction.atomic
def merchant_create(
    *,
    slug: str,
    name: str = "",
    owner_email: str | None = None,
    owner_password: str | None = None,
    default_currency: str = "USD",
) -> Merchant:
    """A merchant with a default brand kit and, if an e-mail is given, an owner (created if new).
    `default_currency` prices feeds that name none (Shopify and WooCommerce exports never do)."""
    default_currency = currency_code_clean(default_currency)
    if slug != slugify(slug) or not slug:
        raise ValidationError(
            f"Merchant slug {slug!r} must be lowercase letters, digits and hyphens, e.g. {slugify(slug) or 'my-shop'!r}."
        )
    if Merchant.objects.filter(slug=slug).exists():
        raise ValidationError(f"A merchant with slug {slug!r} already exists; choose another slug.")
    merchant = Merchant.objects.create(
        slug=slug, name=name or slug.replace("-", " ").title(), default_currency=default_currency
    )
    BrandKit.objects.create(merchant=merchant, name="Default", is_default=True)
    if owner_email:
        membership_add(merchant=merchant, email=owner_email, role=Membership.Role.OWNER, password=owner_password)
    return merchant


def merchant_default_currency_set(*, merchant: Merchant, currency: str) -> Merchant:
    """The currency imports read prices in when a feed names none."""
    merchant.default_currency = currency_code_clean(currency)
    merchant.save(update_fields=["default_currency"])
    return merchant


def currency_code_clean(currency: str) -> str:
    """An ISO 4217 code as three capital letters; ValidationError saying what to write otherwise."""
    code = (currency or "").strip().upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise ValidationError(f"Currency {currency!r} is not a 3-letter currency code: write one like USD, EUR or GBP.")
    return code


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


BRAND_KIT_EDITABLE_FIELDS = (
    "name",
    "is_default",
    "logo",
    "primary_colour",
    "secondary_colour",
    "accent_colour",
    "font",
    "music",
    "watermark_position",
    "intro_enabled",
    "outro_enabled",
    "ai_label_position",
    "ai_label_language",
)
BRAND_KIT_FILE_CHECKS = {"logo": logo_clean, "font": font_clean, "music": music_clean}


def brand_kit_create(*, merchant: Merchant, **fields) -> BrandKit:
    """A new brand kit; the merchant's first one is its default."""
    if "is_default" not in fields:
        fields["is_default"] = not merchant.brand_kits.filter(is_default=True).exists()
    return brand_kit_update(kit=BrandKit(merchant=merchant), **fields)


@transaction.atomic
def brand_kit_update(*, kit: BrandKit, **fields) -> BrandKit:
    """Change a brand kit (saving it if it is new). Fields left out are kept. A file field takes an upload,
    which is checked (brand_assets) and stored in its checked form, or None/False to clear it (no logo, the
    bundled font, silence). Making a kit the default unsets the merchant's previous default. ValidationError
    names the field and what to change."""
    unknown = sorted(set(fields) - set(BRAND_KIT_EDITABLE_FIELDS))
    if unknown:
        raise ValueError(f"brand kit fields {unknown} cannot be edited; editable: {BRAND_KIT_EDITABLE_FIELDS}")
    errors: dict[str, list] = {}
    for name, value in fields.items():
        if name in BRAND_KIT_FILE_CHECKS:
            if value is None or value is False or value == "":
                value = ""
            elif not isinstance(value, CheckedAsset):
                try:
                    value = BRAND_KIT_FILE_CHECKS[name](value)
                except ValidationError as exc:
                    errors[name] = exc.messages
                    continue
        setattr(kit, name, value)
    if "name" in fields and kit.merchant.brand_kits.filter(name=kit.name).exclude(pk=kit.pk).exists():
        errors.setdefault("name", []).append(f"A brand kit named {kit.name!r} already exists; choose another name.")
    if kit.is_default:
        # Before full_clean: the one-default constraint would otherwise refuse the change (rolled back on error).
        kit.merchant.brand_kits.filter(is_default=True).exclude(pk=kit.pk).update(is_default=False)
    try:
        kit.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    if errors:
        raise ValidationError(errors)
    kit.save()
    return kit


def brand_kit_delete(*, kit: BrandKit) -> None:
    """Delete a kit that is not the default (renders use the default; make another kit the default first)."""
    if kit.is_default and kit.merchant.brand_kits.exclude(pk=kit.pk).exists():
        raise ValidationError(
            {"is_default": ["This is the default brand kit; make another kit the default first, then delete this one."]}
        )
    kit.delete()


@transaction.atomic
def brand_music_track_add(*, kit: BrandKit, name: str, mood: str, file) -> BrandMusicTrack:
    """Add a named track to a brand kit; the upload is checked like the kit's own music (brand_assets).
    ValidationError {field: [message]} names every problem at once and stores nothing."""
    track = BrandMusicTrack(kit=kit, name=name, mood=mood or "")
    errors: dict[str, list] = {}
    if not file:
        errors["file"] = ["Upload the track's audio file (" + ", ".join(MUSIC_EXTENSIONS) + ")."]
    else:
        try:
            track.file = file if isinstance(file, CheckedAsset) else music_clean(file)
        except ValidationError as exc:
            errors["file"] = exc.messages
    if track.mood and track.mood not in MUSIC_MOODS:
        errors["mood"] = [f"Mood {track.mood!r} is unknown; use one of {', '.join(MUSIC_MOODS)}, or leave it empty."]
    try:
        # validate_constraints would word a duplicate name generically; ours says what to do.
        track.full_clean(exclude=["file", *errors], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if "name" not in errors and kit.music_tracks.filter(name=name).exists():
        errors["name"] = [
            f"This brand kit already has a track named {name!r}; choose another name or delete that track first."
        ]
    if errors:
        raise ValidationError(errors)
    track.save()
    return track


def brand_music_track_delete(*, track: BrandMusicTrack) -> None:
    """Remove a track. Templates naming it are refused at render time with a message saying so (the file stays
    in storage, as every replaced brand file does)."""
    track.delete()
