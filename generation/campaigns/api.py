"""REST API for campaigns under /api/v1/ (docs/campaigns.md). Thin: parse, call a service or selector, shape.

POST /campaigns                         201 a draft; Idempotency-Key
GET  /campaigns                         newest first, cursor pages, ?status=
GET  /campaigns/{id}                    status, counts by state, ETA, the first skipped products
GET  /campaigns/{id}/estimate           products, shots, GPU/CPU seconds per engine, storage, finish time
GET  /campaigns/{id}/dry-run?limit=     products that would be skipped and why; renders nothing
POST /campaigns/{id}/launch|pause|resume|cancel|retry-failed
GET  /campaigns/{id}/renders            its renders, ?status= ?sku=
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from generation.api_serializers import RenderSerializer
from generation.campaigns import services
from generation.campaigns.api_serializers import (
    RENDER_STATUSES,
    CampaignCreateSerializer,
    CampaignCursorPagination,
    CampaignDryRunSerializer,
    CampaignEstimateSerializer,
    CampaignSerializer,
    selection_as_given,
)
from generation.campaigns.dry_run import DRY_RUN_LIMIT_DEFAULT, DRY_RUN_LIMIT_MAX, campaign_dry_run
from generation.campaigns.models import CampaignStatus
from generation.campaigns.selectors import campaign_get, campaign_renders, campaign_skips, campaigns_list
from shop_video.api.exceptions import Conflict
from shop_video.api.idempotency import HEADER, IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER, idempotent
from shop_video.api.parsers import JSONParser
from shop_video.api.permissions import CanEdit
from shop_video.api.schema import api_error_responses as _errors
from shop_video.api.serializers import IdsInRange, id_path_parameter

_ID = id_path_parameter("campaign_id", "A campaign's id.")
_BUSY_409 = "A request with this Idempotency-Key is still running; retry shortly."


def _campaign_location(request, body: dict) -> dict:
    campaign_id = (body or {}).get("id")
    return (
        {"Location": request.build_absolute_uri(reverse("api-campaign-detail", args=[campaign_id]))}
        if campaign_id
        else {}
    )


def _query_choice(request, name: str, choices: list[str]) -> str | None:
    value = request.query_params.get(name) or None
    if value and value not in choices:
        raise ValidationError({name: [f"{value[:100]!r} is not one of {', '.join(choices)}."]})
    return value


class CampaignListCreateView(generics.GenericAPIView):
    permission_classes = [CanEdit]
    parser_classes = [JSONParser]
    pagination_class = CampaignCursorPagination
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return campaigns_list(
            merchant=self.request.merchant, status=_query_choice(self.request, "status", CampaignStatus.values)
        )

    @extend_schema(
        operation_id="campaigns_list",
        summary="List campaigns",
        tags=["campaigns"],
        parameters=[OpenApiParameter("status", str, enum=CampaignStatus.values)],
        responses={200: CampaignSerializer(many=True), **_errors(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([services.campaign_payload(campaign) for campaign in page])

    @extend_schema(
        operation_id="campaigns_create",
        summary="Create a campaign (a draft)",
        tags=["campaigns"],
        request=CampaignCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER],
        responses={
            201: CampaignSerializer,
            **_errors(
                400,
                409,
                422,
                e400="Nothing was created: an empty selection, an unknown template, a selection over the cap or a "
                "spent quota, each with what to change.",
                e409=_BUSY_409,
            ),
        },
        description="A template (or one per product type), aspect ratios, an engine and a product selection. "
        "Check it with GET .../estimate and .../dry-run, then POST .../launch.",
    )
    @idempotent(replay_headers=_campaign_location)
    def post(self, request):
        given = CampaignCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        campaign = services.campaign_create(
            merchant=request.merchant,
            name=data["name"],
            template=data["template"],
            template_rules=data.get("template_rules"),
            aspect_ratios=data.get("aspect_ratios"),
            engine=data.get("engine"),
            selection=selection_as_given(data["selection"]),
            keep_current=data["keep_current"],
            recurrence=data["recurrence"],
            idempotency_key=request.headers.get(HEADER, ""),
        )
        body = services.campaign_payload(campaign)
        return Response(body, status=status.HTTP_201_CREATED, headers=_campaign_location(request, body))


class CampaignDetailView(IdsInRange, APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        operation_id="campaigns_retrieve",
        summary="Get a campaign: status, counts by state, ETA",
        tags=["campaigns"],
        parameters=[_ID],
        responses={200: CampaignSerializer, **_errors(404)},
    )
    def get(self, request, campaign_id: int):
        campaign = campaign_get(merchant=request.merchant, campaign_id=campaign_id)
        return Response({**services.campaign_payload(campaign), "skipped": campaign_skips(campaign=campaign)})


class CampaignEstimateView(IdsInRange, APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        operation_id="campaigns_estimate",
        summary="Estimate a campaign's cost and finish time",
        tags=["campaigns"],
        parameters=[_ID],
        responses={200: CampaignEstimateSerializer, **_errors(404)},
        description="Worker seconds per engine come from this install's recent shots (rate_source says which), "
        "else docs/capacity.md's figures; the finish time assumes RENDER_FLEET's workers per queue.",
    )
    def get(self, request, campaign_id: int):
        campaign = campaign_get(merchant=request.merchant, campaign_id=campaign_id)
        return Response(services.campaign_estimate(campaign=campaign))


class CampaignDryRunView(IdsInRange, APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        operation_id="campaigns_dry_run",
        summary="Which products would be skipped, and why",
        tags=["campaigns"],
        parameters=[
            _ID,
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": DRY_RUN_LIMIT_MAX},
                description=f"Products given every check of a real render (default {DRY_RUN_LIMIT_DEFAULT}); the "
                "photo and variant checks cover the whole selection.",
            ),
        ],
        responses={200: CampaignDryRunSerializer, **_errors(400, 404)},
    )
    def get(self, request, campaign_id: int):
        campaign = campaign_get(merchant=request.merchant, campaign_id=campaign_id)
        limit = request.query_params.get("limit", str(DRY_RUN_LIMIT_DEFAULT))
        if not (limit.isdigit() and len(limit) <= 4 and 1 <= int(limit) <= DRY_RUN_LIMIT_MAX):
            raise ValidationError({"limit": [f"Must be a whole number from 1 to {DRY_RUN_LIMIT_MAX}."]})
        return Response(campaign_dry_run(campaign=campaign, limit=int(limit)))


class CampaignRendersView(IdsInRange, generics.GenericAPIView):
    permission_classes = [CanEdit]
    serializer_class = RenderSerializer
    pagination_class = CampaignCursorPagination

    def get_queryset(self):
        campaign = campaign_get(merchant=self.request.merchant, campaign_id=self.kwargs["campaign_id"])
        return campaign_renders(
            campaign=campaign,
            status=_query_choice(self.request, "status", RENDER_STATUSES),
            sku=(self.request.query_params.get("sku") or "")[:255] or None,
        )

    @extend_schema(
        operation_id="campaigns_renders",
        summary="A campaign's renders",
        tags=["campaigns"],
        parameters=[
            _ID,
            OpenApiParameter("status", str, enum=RENDER_STATUSES),
            OpenApiParameter("sku", str, description="Only renders of this SKU."),
        ],
        responses={200: RenderSerializer(many=True), **_errors(400, 404)},
    )
    def get(self, request, campaign_id: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _action_view(action: str, summary: str, description: str, move):
    """POST /campaigns/{id}/<action>: 200 with the campaign, 409 when its state does not allow it."""

    @extend_schema(
        operation_id=f"campaigns_{action.replace('-', '_')}",
        summary=summary,
        tags=["campaigns"],
        request=None,
        parameters=[_ID, IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER],
        responses={
            200: CampaignSerializer,
            **_errors(400, 404, 409, 422, e409="The campaign's state does not allow this (the message says it)."),
        },
        description=description,
    )
    @idempotent
    def post(self, request, campaign_id: int):
        campaign = campaign_get(merchant=request.merchant, campaign_id=campaign_id)
        try:
            move(campaign=campaign)
        except services.CampaignStateError as exc:
            raise Conflict(str(exc)) from None
        campaign.refresh_from_db()
        return Response(services.campaign_payload(campaign))

    name = "Campaign" + "".join(part.title() for part in action.split("-")) + "View"
    return type(
        name, (IdsInRange, APIView), {"permission_classes": [CanEdit], "parser_classes": [JSONParser], "post": post}
    )


ACTION_VIEWS = {
    "launch": _action_view(
        "launch",
        "Launch a draft campaign",
        "Renders are made a few at a time (the merchant's in-flight cap); 400 when the quota is spent.",
        services.campaign_launch,
    ),
    "pause": _action_view(
        "pause", "Pause a campaign", "No new renders; those queued or running finish.", services.campaign_pause
    ),
    "resume": _action_view(
        "resume", "Resume a paused campaign", "400 while the quota is spent.", services.campaign_resume
    ),
    "cancel": _action_view(
        "cancel",
        "Cancel a campaign",
        "No new renders, queued ones cancelled; running ones finish.",
        services.campaign_cancel,
    ),
    "retry-failed": _action_view(
        "retry-failed",
        "Render failed and skipped products again",
        "Each product whose latest render failed, and each skipped product, is queued ahead of the rest.",
        services.campaign_retry_failed,
    ),
}
