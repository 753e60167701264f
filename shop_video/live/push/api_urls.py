"""Push destination routes under /api/v1/ (shop_video/live/push/api.py), no trailing slashes like the others."""

from django.urls import path

from shop_video.live.push import api

ROOM = "live/rooms/<int:room_id>/destinations"

urlpatterns = [
    path(ROOM, api.DestinationListView.as_view(), name="api-live-destinations"),
    path(f"{ROOM}/<int:destination_id>", api.DestinationDetailView.as_view(), name="api-live-destination"),
    path(f"{ROOM}/<int:destination_id>/start", api.DestinationStartView.as_view(), name="api-live-destination-start"),
    path(f"{ROOM}/<int:destination_id>/stop", api.DestinationStopView.as_view(), name="api-live-destination-stop"),
]
