"""REST API for presenter profiles, always for request.merchant: another merchant's presenters answer 404.

The photo is sent as multipart/form-data and must show exactly one face; a refusal is a 400 naming `avatar` and
what to change. docs/api.md section 8.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from generation.models import Presenter, PresenterFraming
from generation.presenter import services
from generation.presenter.selectors import PresenterNotFound, presenter_get, presenters_for
from shop_video.api.parsers import JSONParser
from shop_video.api.permissions import CanEdit
from shop_video.api.schema import api_error_responses
from shop_video.api.serializers import BoundedFloatField, FileUrlField, StrictSerializer

TAGS = ["presenters"]
SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The presenter's slug.")


def _errors(*codes: int) -> dict:
    return api_error_responses(
        *codes,
        e400="The request is invalid; `fields` names each field and what to change "
        "(e.g. a photo with no face or two faces).",
        e404="No such presenter for this merchant.",
    )


class PresenterSerializer(serializers.ModelSerializer):
    avatar = FileUrlField(help_text="Absolute URL of the normalised photo.")

    class Meta:
        model = Presenter
        fields = [
            "slug",
            "name",
            "avatar",
            "face",
            "tts_engine",
            "voice",
            "speed",
            "language",
            "framing",
            "is_default",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _UnsaidBoolean(serializers.BooleanField):
    """A multipart form that leaves the field out means "not said", not false (DRF reads a missing HTML checkbox
    as false): the merchant's first presenter must still become the default."""

    default_empty_html = serializers.empty


class PresenterUpdateSerializer(StrictSerializer):
    noun = "presenter"

    name = serializers.CharField(max_length=200, required=False)
    slug = serializers.SlugField(max_length=64, required=False)
    avatar = serializers.ImageField(
        required=False,
        allow_empty_file=True,
        help_text="A front-facing, well-lit photo of the presenter alone (exactly one "
        "face); JPEG, PNG or WebP, at most 15 MB.",
    )
    tts_engine = serializers.CharField(max_length=32, required=False, help_text="espeak (built in) or piper.")
    voice = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="e.g. en-us, de, fr-fr for espeak; a voice file name for piper. Blank: the language's default voice.",
    )
    speed = BoundedFloatField(required=False, min_value=0.5, max_value=2.0, help_text="Speaking rate; 1.0 is normal.")
    language = serializers.CharField(
        max_length=16, required=False, help_text="en, de, fr, ...: picks the script of a presenter scene."
    )
    framing = serializers.ChoiceField(choices=PresenterFraming.choices, required=False)
    is_default = _UnsaidBoolean(
        required=False, help_text="Make this the presenter scenes use (the previous default stops being one)."
    )


class PresenterCreateSerializer(PresenterUpdateSerializer):
    name = serializers.CharField(max_length=200)
    avatar = serializers.FileField(
        allow_empty_file=True, help_text=PresenterUpdateSerializer().fields["avatar"].help_text
    )


def _body(request, presenter: Presenter) -> dict:
    return PresenterSerializer(presenter, context={"request": request}).data


def _get(request, slug: str) -> Presenter:
    try:
        return presenter_get(merchant=request.merchant, slug=slug)
    except PresenterNotFound:
        # Not the slug echoed back: a 404 must look the same whether or not another shop has that presenter.
        raise NotFound("No such presenter for this merchant; GET /api/v1/presenters lists yours.") from None


class PresenterListView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="presenters_list",
        responses={200: PresenterSerializer(many=True)},
        description="The merchant's presenters, the default first.",
    )
    def get(self, request):
        return Response([_body(request, presenter) for presenter in presenters_for(merchant=request.merchant)])

    @extend_schema(
        tags=TAGS,
        operation_id="presenters_create",
        request={"multipart/form-data": PresenterCreateSerializer},
        responses={201: PresenterSerializer, **_errors(400, 415)},
        description="Make a presenter from a photo (multipart/form-data). The merchant's first presenter "
        "becomes its default; presenter scenes use the default unless they name another.",
    )
    def post(self, request):
        given = PresenterCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        presenter = services.presenter_create(merchant=request.merchant, **given.validated_data)
        return Response(_body(request, presenter), status=status.HTTP_201_CREATED)


class PresenterDetailView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="presenters_retrieve",
        parameters=[SLUG],
        responses={200: PresenterSerializer, **_errors(404)},
    )
    def get(self, request, slug: str):
        return Response(_body(request, _get(request, slug)))

    @extend_schema(
        tags=TAGS,
        operation_id="presenters_partial_update",
        parameters=[SLUG],
        request={"multipart/form-data": PresenterUpdateSerializer, "application/json": PresenterUpdateSerializer},
        responses={200: PresenterSerializer, **_errors(400, 404, 415)},
        description="Change any fields; those left out are kept. A new photo is checked like a new one.",
    )
    def patch(self, request, slug: str):
        presenter = _get(request, slug)  # 404 before 400
        given = PresenterUpdateSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        return Response(_body(request, services.presenter_update(presenter=presenter, **given.validated_data)))

    @extend_schema(
        tags=TAGS,
        operation_id="presenters_destroy",
        parameters=[SLUG],
        responses={204: None, **_errors(404)},
        description="Delete a presenter; renders already made keep their video. If it was the default, "
        "another presenter becomes the default.",
    )
    def delete(self, request, slug: str):
        services.presenter_delete(presenter=_get(request, slug))
        return Response(status=status.HTTP_204_NO_CONTENT)
