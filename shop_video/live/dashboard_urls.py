from django.urls import path

from shop_video.live import views

app_name = "live"

urlpatterns = [
    path("", views.live_rooms, name="live_rooms"),
    path("<int:room_id>/", views.live_room, name="live_room"),
]
