"""Reads for merchants. Every tenant-owned query starts from a Merchant obtained here."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from shop_video.tenancy.models import BrandKit, BrandMusicTrack, Merchant


class MerchantNotFound(ObjectDoesNotExist):
    pass


def merchant_get(*, slug: str) -> Merchant:
    try:
        return Merchant.objects.get(slug=slug)
    except Merchant.DoesNotExist:
        raise MerchantNotFound(
            f"No merchant with slug {slug!r}; create it with `manage.py create_merchant {slug}`."
        ) from None


def brand_kit_default(*, merchant: Merchant) -> BrandKit | None:
    return merchant.brand_kits.filter(is_default=True).first()


def brand_kits_list(*, merchant: Merchant):
    return merchant.brand_kits.order_by("-is_default", "name", "pk").prefetch_related("music_tracks")


def brand_kit_get(*, merchant: Merchant, kit_id: int) -> BrandKit:
    """BrandKit.DoesNotExist when the kit is not this merchant's (the API answers 404)."""
    return merchant.brand_kits.get(pk=kit_id)


def brand_music_tracks_list(*, kit: BrandKit):
    return kit.music_tracks.order_by("created_at", "pk")


def brand_music_track_get(*, kit: BrandKit, track_id: int) -> BrandMusicTrack:
    """BrandMusicTrack.DoesNotExist when the track is not this kit's (the API answers 404)."""
    return kit.music_tracks.get(pk=track_id)


def brand_music_for(*, kit: BrandKit | None, track: str | None, mood: str | None) -> str | None:
    """The stored name of the music file a template asks for (scratch_path makes it a local path on a worker):
    the track named `track` if given, and None when the kit has no such track (callers refuse that rather than
    play something else); else the first-added track with `mood`; else the kit's default `music`; else None."""
    if kit is None:
        return None
    if track:
        named = kit.music_tracks.filter(name=track).first()
        return named.file.name if named else None
    if mood:
        matching = brand_music_tracks_list(kit=kit).filter(mood=mood).first()
        if matching:
            return matching.file.name
    return kit.music.name or None
