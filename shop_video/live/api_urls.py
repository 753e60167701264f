"""Live room routes under /api/v1/ (shop_video/live/api.py), without trailing slashes like the others."""

from django.urls import path

from shop_video.live import api

urlpatterns = [
    path("live/rooms", api.LiveRoomListView.as_view(), name="api-live-rooms"),
    path("live/rooms/<int:room_id>", api.LiveRoomDetailView.as_view(), name="api-live-room"),
]
