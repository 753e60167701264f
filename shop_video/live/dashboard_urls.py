from django.urls import path

from shop_video.live import views

app_name = "live"

urlpatterns = [
    path("", views.live_rooms, name="live_rooms"),
    path("<int:room_id>/", views.live_room, name="live_room"),
    path("<int:room_id>/active/", views.live_room_active, name="live_room_active"),
    path("<int:room_id>/delete/", views.live_room_delete, name="live_room_delete"),
    path("<int:room_id>/items/", views.live_room_item_add, name="live_room_item_add"),
    path("items/<int:item_id>/move/", views.live_room_item_move, name="live_room_item_move"),
    path("items/<int:item_id>/remove/", views.live_room_item_remove, name="live_room_item_remove"),
]
