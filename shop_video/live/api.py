"""REST API of live rooms (read only): each room with its stream address, the product on air and its push
figures. Always request.merchant's rooms: another merchant's id answers 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from shop_video.api.permissions import CanEdit
from shop_video.api.schema import api_error_responses
from shop_video.api.serializers import IdsInRange, id_path_parameter
from shop_video.live import selectors
from shop_video.live.models import LiveRoom
from shop_video.live.payloads import live_room_payload
from shop_video.live.push.models import PushState


class OnAirSerializer(serializers.Serializer):
    sku = serializers.CharField()
    title = serializers.CharField()
    price = serializers.CharField(allow_null=True)
    compare_at_price = serializers.CharField(allow_null=True)
    currency = serializers.CharField(allow_null=True)
    product_url = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField()


class PushFiguresSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PushState.choices)
    bitrate_kbps = serializers.FloatField(read_only=True)
    dropped_frames = serializers.IntegerField(read_only=True)
    reconnects = serializers.IntegerField(read_only=True)
    seconds_on_air = serializers.FloatField(read_only=True)


class DestinationFiguresSerializer(PushFiguresSerializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()


class RoomPushSerializer(PushFiguresSerializer):
    destinations = DestinationFiguresSerializer(many=True)


class LiveRoomSerializer(serializers.Serializer):
    """Describes live_room_payload for the schema (read only)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    slug = serializers.CharField()
    is_active = serializers.BooleanField()
    aspect_ratio = serializers.CharField()
    stream_url = serializers.CharField()
    on_air = OnAirSerializer(allow_null=True, help_text="The product on air now; null before the first.")
    push = RoomPushSerializer(help_text="Summed over the room's destinations; state: the best of theirs.")


def _payload(request, room: LiveRoom) -> dict:
    return live_room_payload(room=room, stream_url=request.build_absolute_uri(room.stream_path))


class LiveRoomListView(APIView):
    permission_classes = [CanEdit]
    http_method_names = ["get", "head", "options"]

    @extend_schema(responses={200: LiveRoomSerializer(many=True), **api_error_responses(401)})
    def get(self, request):
        rooms = selectors.live_rooms_list(merchant=request.merchant).prefetch_related("destinations")
        return Response([_payload(request, room) for room in rooms])


class LiveRoomDetailView(IdsInRange, APIView):
    permission_classes = [CanEdit]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        parameters=[id_path_parameter("room_id", "The live room's id.")],
        responses={200: LiveRoomSerializer, **api_error_responses(401, 404)},
    )
    def get(self, request, room_id: int):
        try:
            room = selectors.live_room_get(merchant=request.merchant, room_id=room_id)
        except LiveRoom.DoesNotExist:
            raise NotFound("Not found: no such object for this merchant. Check the id.") from None
        return Response(_payload(request, room))
