"""REST API for brand kits, always for request.merchant: another merchant's kit ids answer 404.

A kit's named music tracks (which templates pick by name or mood) are under /brand-kits/{kit_id}/music-tracks.

Files (logo, font, music, a track's file) are sent as multipart/form-data and checked by
shop_video.tenancy.brand_assets through the services; a refused file is a 400 naming the field. Responses give each file's absolute URL (null if none).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from shop_video.api.parsers import JSONParser
from shop_video.api.permissions import CanEdit
from shop_video.api.schema import api_error_responses
from shop_video.api.serializers import FileUrlField, IdsInRange, StrictSerializer, id_path_parameter
from shop_video.tenancy import selectors, services
from shop_video.tenancy.brand_assets import MUSIC_EXTENSIONS, MUSIC_MOODS
from shop_video.tenancy.models import (
    AI_LABEL_LANGUAGE_CHOICES,
    AI_LABEL_LANGUAGES,
    AI_LABEL_POSITION_CHOICES,
    AI_LABEL_POSITIONS,
    BrandKit,
    BrandMusicTrack,
)

TAGS = ["brand-kits"]
KIT_ID = id_path_parameter("kit_id", "The brand kit's id.")
TRACK_ID = id_path_parameter("track_id", "The music track's id.")
_HEX = r"^#[0-9a-fA-F]{6}$"
_HEX_ERRORS = {"invalid": "Use a hex colour like #1a2b3c."}


def _choice_errors(choices: tuple[str, ...], blank: str = "") -> dict:
    allowed = ", ".join(choices) + (f" ({blank})" if blank else "")
    return {"invalid_choice": f'"{{input}}" is not a valid choice; use one of {allowed}.'}


def _errors(*codes: int) -> dict:
    return api_error_responses(
        *codes,
        e400="The request is invalid; `fields` names each field and what to "
        "change (e.g. a logo that is not a PNG, JPEG, WebP or safe SVG).",
        e404="No such brand kit (or music track) for this merchant.",
    )


# --- Serializers ----------------------------------------------------------------------------------------------


class BrandMusicTrackSerializer(serializers.ModelSerializer):
    url = FileUrlField(source="file", help_text="Absolute URL of the track's audio file.")

    class Meta:
        model = BrandMusicTrack
        fields = ["id", "name", "mood", "url", "created_at"]
        read_only_fields = fields


class BrandMusicTrackCreateSerializer(StrictSerializer):
    noun = "music track"
    name = serializers.SlugField(
        max_length=50, help_text="What a template's music.track calls it, e.g. summer-theme; unique within the kit."
    )
    mood = serializers.ChoiceField(
        choices=MUSIC_MOODS,
        required=False,
        allow_blank=True,
        help_text="Lets a template ask for a mood (music.mood) instead of a name.",
    )
    file = serializers.FileField(
        allow_empty_file=True, help_text=f"{', '.join(MUSIC_EXTENSIONS)}; at most 50 MB and at least 1 s long."
    )


class BrandKitSerializer(serializers.ModelSerializer):
    logo = FileUrlField(help_text="Absolute URL of the logo (a transparent PNG); null if none.")
    font = FileUrlField(help_text="Absolute URL of the TTF/OTF font; null: the bundled font.")
    music = FileUrlField(
        help_text="Absolute URL of the default background track (used when a template names no "
        "track or mood); null: silence."
    )
    music_tracks = BrandMusicTrackSerializer(
        many=True, read_only=True, help_text="Named tracks a template picks by music.track or music.mood."
    )

    class Meta:
        model = BrandKit
        fields = [
            "id",
            "name",
            "is_default",
            "logo",
            "primary_colour",
            "secondary_colour",
            "accent_colour",
            "font",
            "music",
            "music_tracks",
            "watermark_position",
            "intro_enabled",
            "outro_enabled",
            "ai_label_position",
            "ai_label_language",
            "updated_at",
        ]
        read_only_fields = fields


class BrandKitUpdateSerializer(StrictSerializer):
    """Every field optional; a file field sent empty (or null in JSON) is cleared."""

    noun = "brand kit"

    name = serializers.CharField(max_length=100, required=False)
    is_default = serializers.BooleanField(
        required=False, help_text="Make this the kit new renders use (the previous default stops being one)."
    )
    logo = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=True,
        help_text="PNG, JPEG, WebP (at most 4096 px a side) or SVG (at most 1 MB; no "
        "scripts or outside references); stored as a transparent PNG.",
    )
    primary_colour = serializers.RegexField(
        _HEX, required=False, error_messages=_HEX_ERRORS, help_text="Background of every card, e.g. #111111."
    )
    secondary_colour = serializers.RegexField(
        _HEX, required=False, error_messages=_HEX_ERRORS, help_text="Card text, e.g. #ffffff."
    )
    accent_colour = serializers.RegexField(_HEX, required=False, error_messages=_HEX_ERRORS)
    font = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=True,
        help_text="TrueType or OpenType (.ttf/.otf, at most 20 MB) covering A-Z, a-z, 0-9.",
    )
    music = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=True,
        help_text=f"{', '.join(MUSIC_EXTENSIONS)}; at most 50 MB and at least 1 s long.",
    )
    watermark_position = serializers.ChoiceField(choices=BrandKit.WatermarkPosition.choices, required=False)
    intro_enabled = serializers.BooleanField(required=False)
    outro_enabled = serializers.BooleanField(required=False)
    ai_label_position = serializers.ChoiceField(
        choices=AI_LABEL_POSITION_CHOICES,  # the model's (value, label) pairs: one enum in the schema, not two
        required=False,
        error_messages=_choice_errors(AI_LABEL_POSITIONS),
        help_text="Where the visible AI-generated label goes unless the template's ai_label.position says; auto: a "
        "corner clear of the product.",
    )
    ai_label_language = serializers.ChoiceField(
        choices=AI_LABEL_LANGUAGE_CHOICES,
        required=False,
        allow_blank=True,
        error_messages=_choice_errors(AI_LABEL_LANGUAGES, blank="blank for the video's language"),
        help_text="The label's language unless the template's ai_label.language says; blank: the video's language.",
    )


class BrandKitCreateSerializer(BrandKitUpdateSerializer):
    name = serializers.CharField(max_length=100, help_text="Unique among the merchant's kits.")


# --- Views ----------------------------------------------------------------------------------------------------


def _kit_body(request, kit: BrandKit) -> dict:
    return BrandKitSerializer(kit, context={"request": request}).data


class BrandKitListView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kits_list",
        responses={200: BrandKitSerializer(many=True)},
        description="All the merchant's brand kits (the default first).",
    )
    def get(self, request):
        kits = selectors.brand_kits_list(merchant=request.merchant)
        return Response([_kit_body(request, kit) for kit in kits])

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kits_create",
        request={"multipart/form-data": BrandKitCreateSerializer, "application/json": BrandKitCreateSerializer},
        responses={201: BrandKitSerializer, **_errors(400, 415)},
        description="Make a brand kit; upload files as multipart/form-data. The merchant's first kit "
        "becomes its default.",
    )
    def post(self, request):
        given = BrandKitCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        kit = services.brand_kit_create(merchant=request.merchant, **given.validated_data)
        return Response(_kit_body(request, kit), status=status.HTTP_201_CREATED)


class BrandKitDetailView(IdsInRange, APIView):
    permission_classes = [CanEdit]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kits_retrieve",
        parameters=[KIT_ID],
        responses={200: BrandKitSerializer, **_errors(404)},
    )
    def get(self, request, kit_id: int):
        return Response(_kit_body(request, selectors.brand_kit_get(merchant=request.merchant, kit_id=kit_id)))

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kits_partial_update",
        parameters=[KIT_ID],
        request={"multipart/form-data": BrandKitUpdateSerializer, "application/json": BrandKitUpdateSerializer},
        responses={200: BrandKitSerializer, **_errors(400, 404, 415)},
        description="Change any fields; those left out are kept. A file field sent empty (multipart) or "
        "null (JSON) is cleared.",
    )
    def patch(self, request, kit_id: int):
        kit = selectors.brand_kit_get(merchant=request.merchant, kit_id=kit_id)  # 404 before 400
        given = BrandKitUpdateSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        kit = services.brand_kit_update(kit=kit, **given.validated_data)
        return Response(_kit_body(request, kit))

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kits_destroy",
        parameters=[KIT_ID],
        responses={204: None, **_errors(400, 404)},
        description="Delete a brand kit. The default kit can only be deleted when it is the last one; "
        "make another kit the default first.",
    )
    def delete(self, request, kit_id: int):
        services.brand_kit_delete(kit=selectors.brand_kit_get(merchant=request.merchant, kit_id=kit_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BrandMusicTrackListView(IdsInRange, APIView):
    permission_classes = [CanEdit]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kit_music_tracks_list",
        parameters=[KIT_ID],
        responses={200: BrandMusicTrackSerializer(many=True), **_errors(404)},
        description="The kit's named music tracks, oldest first (the order music.mood picks in).",
    )
    def get(self, request, kit_id: int):
        kit = selectors.brand_kit_get(merchant=request.merchant, kit_id=kit_id)
        tracks = selectors.brand_music_tracks_list(kit=kit)
        return Response(BrandMusicTrackSerializer(tracks, many=True, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kit_music_tracks_create",
        parameters=[KIT_ID],
        request={"multipart/form-data": BrandMusicTrackCreateSerializer},
        responses={201: BrandMusicTrackSerializer, **_errors(400, 404, 415)},
        description="Upload a named track as multipart/form-data (name, mood, file). The file must "
        "decode as audio; a template then picks it with music.track or music.mood.",
    )
    def post(self, request, kit_id: int):
        kit = selectors.brand_kit_get(merchant=request.merchant, kit_id=kit_id)  # 404 before 400
        given = BrandMusicTrackCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        track = services.brand_music_track_add(
            kit=kit,
            name=given.validated_data["name"],
            mood=given.validated_data.get("mood", ""),
            file=given.validated_data["file"],
        )
        return Response(
            BrandMusicTrackSerializer(track, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class BrandMusicTrackDetailView(IdsInRange, APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        tags=TAGS,
        operation_id="brand_kit_music_tracks_destroy",
        parameters=[KIT_ID, TRACK_ID],
        responses={204: None, **_errors(404)},
        description="Delete a track. Templates that name it are refused at render time until it is "
        "uploaded again or the template changes.",
    )
    def delete(self, request, kit_id: int, track_id: int):
        kit = selectors.brand_kit_get(merchant=request.merchant, kit_id=kit_id)
        services.brand_music_track_delete(track=selectors.brand_music_track_get(kit=kit, track_id=track_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The merchant's own settings ------------------------------------------------------------------------------


class MerchantSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    default_currency = serializers.CharField(
        read_only=True, help_text="ISO 4217; prices in feeds that name no currency are read in it."
    )


class MerchantUpdateSerializer(StrictSerializer):
    noun = "merchant"

    default_currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        error_messages={"invalid": "Write a 3-letter currency code like USD, EUR or GBP."},
        help_text="ISO 4217, e.g. EUR: the currency of prices in feeds that name none (Shopify and "
        "WooCommerce exports never do).",
    )


class MerchantView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["merchant"],
        operation_id="merchant_retrieve",
        responses={200: MerchantSerializer},
        description="The merchant the credentials act for, with its settings.",
    )
    def get(self, request):
        return Response(MerchantSerializer(request.merchant).data)

    @extend_schema(
        tags=["merchant"],
        operation_id="merchant_partial_update",
        request=MerchantUpdateSerializer,
        responses={200: MerchantSerializer, **api_error_responses(400, 415)},
        description="Change the merchant's settings; those left out are kept.",
    )
    def patch(self, request):
        given = MerchantUpdateSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        merchant = request.merchant
        if "default_currency" in given.validated_data:
            merchant = services.merchant_default_currency_set(
                merchant=merchant, currency=given.validated_data["default_currency"]
            )
        return Response(MerchantSerializer(merchant).data)
