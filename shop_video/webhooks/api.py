"""REST API for webhooks, always for request.merchant: another merchant's ids answer 404.

The signing secret is shown in the create response and, to the owner, on demand at /webhooks/{id}/secret (as
Stripe and Svix do); lists and details never include it.
"""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shop_video.api.exceptions import Conflict
from shop_video.api.pagination import ApiCursorPagination
from shop_video.api.permissions import CanManage
from shop_video.api.schema import api_error_responses
from shop_video.api.serializers import IdsInRange, StrictSerializer, id_path_parameter
from shop_video.webhooks import selectors, services
from shop_video.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# --- Serializers ----------------------------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=services.EVENTS),
        help_text="Event types sent to this endpoint; empty means all of them.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="whsec_<base64>: verify signatures with it (Standard Webhooks).")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


@extend_schema_field({"type": "string", "enum": list(services.EVENTS)})
class _EventTypeField(serializers.CharField):
    """Documented as the enum; checked by the service, whose message names the unknown type and the known ones
    (a ChoiceField inside a ListField would report the error by list index)."""


class WebhookEndpointCreateSerializer(StrictSerializer):
    noun = "webhook endpoint"

    url = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        trim_whitespace=False,
        help_text="A public http(s) URL; private addresses are refused.",
    )
    events = serializers.ListField(
        child=_EventTypeField(max_length=64),
        required=False,
        max_length=len(services.EVENTS) * 2,
        help_text=f"Any of {', '.join(services.EVENTS)}; empty or absent means all.",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebhookEndpointUpdateSerializer(WebhookEndpointCreateSerializer):
    url = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="A public http(s) URL; private addresses are refused.",
    )
    is_active = serializers.BooleanField(required=False)


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="whsec_<base64>; the HMAC key is the base64-decoded part after whsec_.")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "url", "at", "response_code", "error", "duration_ms", "response_body"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Empty for a one-off URL (e.g. a render's webhook_url)."
    )
    payload = serializers.SerializerMethodField()
    attempt_count = serializers.IntegerField(source="attempts", read_only=True)
    attempts = WebhookAttemptSerializer(source="attempt_log", many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "url",
            "event",
            "message_id",
            "status",
            "payload",
            "attempt_count",
            "next_attempt_at",
            "last_response_code",
            "last_error",
            "created_at",
            "delivered_at",
            "attempts",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, delivery: WebhookDelivery) -> dict:
        return json.loads(delivery.body)


def _errors(*codes: int) -> dict:
    return api_error_responses(
        *codes,
        e404="No such webhook, delivery or page (cursor) for this merchant.",
        e409="The delivery is still being attempted.",
    )


TAGS = ["webhooks"]
ENDPOINT_ID, DELIVERY_ID = id_path_parameter("endpoint_id"), id_path_parameter("delivery_id")


# --- Views --------------------------------------------------------------------------------------------------


class WebhookEndpointListView(APIView):
    """The merchant's webhook endpoints."""

    permission_classes = [CanManage]

    @extend_schema(tags=TAGS, operation_id="webhooks_list", responses={200: WebhookEndpointSerializer(many=True)})
    def get(self, request):
        endpoints = selectors.webhook_endpoint_list(merchant=request.merchant)
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_create",
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **_errors(400)},
        description="The response is the only one besides GET /webhooks/{id}/secret that shows the signing secret.",
    )
    def post(self, request):
        given = WebhookEndpointCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_create(merchant=request.merchant, **given.validated_data)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(IdsInRange, APIView):
    permission_classes = [CanManage]

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_retrieve",
        parameters=[ENDPOINT_ID],
        responses={200: WebhookEndpointSerializer, **_errors(404)},
    )
    def get(self, request, endpoint_id: int):
        endpoint = selectors.webhook_endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_update",
        parameters=[ENDPOINT_ID],
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer, **_errors(400, 404)},
        description="Change url (checked again), events, is_active or description.",
    )
    def patch(self, request, endpoint_id: int):
        selectors.webhook_endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)  # 404 before 400
        given = WebhookEndpointUpdateSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(
            merchant=request.merchant, endpoint_id=endpoint_id, **given.validated_data
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_destroy",
        parameters=[ENDPOINT_ID],
        responses={204: None, **_errors(404)},
        description="Deletes the endpoint and its delivery log; pending deliveries are dropped.",
    )
    def delete(self, request, endpoint_id: int):
        services.webhook_endpoint_delete(merchant=request.merchant, endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointSecretView(IdsInRange, APIView):
    permission_classes = [CanManage]

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_secret_retrieve",
        parameters=[ENDPOINT_ID],
        responses={200: WebhookSecretSerializer, **_errors(404)},
    )
    def get(self, request, endpoint_id: int):
        endpoint = selectors.webhook_endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
        return Response({"secret": endpoint.secret})


class WebhookDefaultSecretView(APIView):
    permission_classes = [CanManage]

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_default_secret_retrieve",
        responses={200: WebhookSecretSerializer},
        description="The secret that signs one-off deliveries (a URL given with one request, e.g. a "
        "render's webhook_url), which have no endpoint of their own.",
    )
    def get(self, request):
        return Response({"secret": services.webhook_secret_default_get(merchant=request.merchant)})


class _NewestFirst(ApiCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50


_STATUS_PARAMETER = OpenApiParameter(
    "status",
    str,
    enum=[choice for choice, _ in WebhookDelivery.Status.choices],
    description="Only deliveries in this state.",
)


class _DeliveryListBase(ListAPIView):
    serializer_class = WebhookDeliverySerializer
    pagination_class = _NewestFirst

    def _status(self) -> str | None:
        value = self.request.query_params.get("status") or None
        if value is not None and value not in WebhookDelivery.Status.values:
            raise serializers.ValidationError({"status": [f"Use one of {', '.join(WebhookDelivery.Status.values)}."]})
        return value


class WebhookEndpointDeliveryListView(IdsInRange, _DeliveryListBase):
    permission_classes = [CanManage]

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_deliveries_list",
        parameters=[ENDPOINT_ID, _STATUS_PARAMETER],
        responses={200: WebhookDeliverySerializer(many=True), **_errors(400, 404)},
        description="Deliveries to this endpoint, newest first, each with its attempts.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.webhook_delivery_list(
            merchant=self.request.merchant, endpoint_id=self.kwargs["endpoint_id"], status=self._status()
        )


class WebhookDeliveryListView(_DeliveryListBase):
    permission_classes = [CanManage]

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_all_deliveries_list",
        parameters=[_STATUS_PARAMETER],
        responses={200: WebhookDeliverySerializer(many=True), **_errors(400, 404)},
        description="Every delivery of the merchant (endpoints and one-off URLs), newest first.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.webhook_delivery_list(merchant=self.request.merchant, status=self._status())


class WebhookDeliveryResendView(IdsInRange, APIView):
    permission_classes = [CanManage]

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_deliveries_resend",
        parameters=[DELIVERY_ID],
        request=None,
        responses={202: WebhookDeliverySerializer, **_errors(400, 404, 409)},
        description="Send the same message (same webhook-id and body) again, with a new round of "
        "attempts. Refused while the delivery is still being attempted.",
    )
    def post(self, request, delivery_id: int):
        try:
            delivery = services.webhook_delivery_resend(merchant=request.merchant, delivery_id=delivery_id)
        except services.DeliveryInProgress as exc:
            raise Conflict(str(exc)) from None
        delivery = selectors.webhook_delivery_list(merchant=request.merchant).get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
