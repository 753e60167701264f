"""REST API of a live room's push destinations under /api/v1/live/rooms/{room_id}/destinations.

Destinations carry stream keys and put the shop on air on a platform under its account, so every route is for
owners and admins (CanManage, as for webhooks). The stream key is write-only: every response shows it masked (its
last four characters at most)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from shop_video.api.permissions import CanManage
from shop_video.api.schema import api_error_responses
from shop_video.api.serializers import IdsInRange, StrictSerializer, id_path_parameter
from shop_video.live.models import LiveRoom
from shop_video.live.push import selectors, services, validation
from shop_video.live.push.models import LiveDestination

NOT_FOUND = "Not found: no such object for this merchant. Check the id."
TAGS = ["live"]
ROOM_ID = id_path_parameter("room_id", "The live room's id.")
DESTINATION_ID = id_path_parameter("destination_id", "The destination's id.")


MANAGE_WHAT = "manage live destinations and their stream keys"  # ends CanManage's refusal


class DestinationSerializer(serializers.ModelSerializer):
    stream_key = serializers.CharField(source="stream_key_masked", help_text="Masked: never shown again in full.")
    on_air_now = serializers.SerializerMethodField(help_text="Started and within its schedule now.")

    class Meta:
        model = LiveDestination
        fields = [
            "id",
            "name",
            "url",
            "stream_key",
            "started",
            "schedule_start",
            "schedule_end",
            "time_zone",
            "on_air_now",
            "state",
            "last_error",
            "bitrate_kbps",
            "dropped_frames",
            "reconnects",
            "seconds_on_air",
            "created_at",
        ]
        read_only_fields = fields

    def get_on_air_now(self, destination: LiveDestination) -> bool:
        return services.destination_on_air_now(destination)


class DestinationCreateSerializer(StrictSerializer):
    noun = "destination"

    name = serializers.CharField(max_length=validation.MAX_NAME, help_text="e.g. the platform's name.")
    url = serializers.CharField(
        max_length=validation.MAX_URL, trim_whitespace=False, help_text="rtmp:// or rtmps:// ingest URL (public host)."
    )
    stream_key = serializers.CharField(
        max_length=validation.MAX_STREAM_KEY, write_only=True, help_text="Stored encrypted; shown masked afterwards."
    )
    schedule_start = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM; blank: around the clock.")
    schedule_end = serializers.TimeField(
        required=False, allow_null=True, help_text="HH:MM; before the start: overnight."
    )
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC", help_text="IANA name.")


def _errors(*codes: int) -> dict:
    return api_error_responses(*codes, e404="No such live room or destination for this merchant.")


def _destination(request, room_id: int, destination_id: int) -> LiveDestination:
    try:
        return selectors.live_destination_get(merchant=request.merchant, room_id=room_id, destination_id=destination_id)
    except LiveDestination.DoesNotExist:
        raise NotFound(NOT_FOUND) from None


class DestinationListView(IdsInRange, APIView):
    permission_classes = [CanManage]
    manage_what = MANAGE_WHAT

    @extend_schema(
        tags=TAGS,
        operation_id="live_destinations_list",
        parameters=[ROOM_ID],
        responses={200: DestinationSerializer(many=True), **_errors(404)},
    )
    def get(self, request, room_id: int):
        try:
            destinations = selectors.live_destinations_list(merchant=request.merchant, room_id=room_id)
        except LiveRoom.DoesNotExist:
            raise NotFound(NOT_FOUND) from None
        return Response(DestinationSerializer(destinations, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="live_destinations_create",
        parameters=[ROOM_ID],
        request=DestinationCreateSerializer,
        responses={201: DestinationSerializer, **_errors(400, 404)},
        description="Added stopped: POST .../start puts it on air (within its schedule).",
    )
    def post(self, request, room_id: int):
        try:
            room = LiveRoom.objects.get(merchant=request.merchant, pk=room_id)
        except LiveRoom.DoesNotExist:
            raise NotFound(NOT_FOUND) from None
        given = DestinationCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        destination = services.live_destination_create(room=room, **given.validated_data)
        return Response(DestinationSerializer(destination).data, status=status.HTTP_201_CREATED)


class DestinationDetailView(IdsInRange, APIView):
    permission_classes = [CanManage]
    manage_what = MANAGE_WHAT

    @extend_schema(
        tags=TAGS,
        operation_id="live_destinations_retrieve",
        parameters=[ROOM_ID, DESTINATION_ID],
        responses={200: DestinationSerializer, **_errors(404)},
    )
    def get(self, request, room_id: int, destination_id: int):
        return Response(DestinationSerializer(_destination(request, room_id, destination_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="live_destinations_destroy",
        parameters=[ROOM_ID, DESTINATION_ID],
        responses={204: None, **_errors(404)},
        description="Deletes it (and its stream key); a push in progress stops within a second.",
    )
    def delete(self, request, room_id: int, destination_id: int):
        services.live_destination_delete(destination=_destination(request, room_id, destination_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DestinationStartView(IdsInRange, APIView):
    permission_classes = [CanManage]
    manage_what = MANAGE_WHAT

    @extend_schema(
        tags=TAGS,
        operation_id="live_destinations_start",
        parameters=[ROOM_ID, DESTINATION_ID],
        request=None,
        responses={200: DestinationSerializer, **_errors(404)},
        description="On air within its schedule (around the clock without one); a worker connects within seconds.",
    )
    def post(self, request, room_id: int, destination_id: int):
        destination = services.live_destination_start(destination=_destination(request, room_id, destination_id))
        return Response(DestinationSerializer(destination).data)


class DestinationStopView(IdsInRange, APIView):
    permission_classes = [CanManage]
    manage_what = MANAGE_WHAT

    @extend_schema(
        tags=TAGS,
        operation_id="live_destinations_stop",
        parameters=[ROOM_ID, DESTINATION_ID],
        request=None,
        responses={200: DestinationSerializer, **_errors(404)},
        description="The push ends cleanly within a second or two.",
    )
    def post(self, request, room_id: int, destination_id: int):
        destination = services.live_destination_stop(destination=_destination(request, room_id, destination_id))
        return Response(DestinationSerializer(destination).data)
