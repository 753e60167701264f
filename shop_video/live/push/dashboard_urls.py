from django.urls import path

from shop_video.live.push import views

app_name = "live_push"

urlpatterns = [
    path("<int:room_id>/destinations/", views.destination_add, name="destination_add"),
    path("<int:room_id>/destinations/<int:destination_id>/start/", views.destination_start, name="destination_start"),
    path("<int:room_id>/destinations/<int:destination_id>/stop/", views.destination_stop, name="destination_stop"),
    path(
        "<int:room_id>/destinations/<int:destination_id>/delete/", views.destination_delete, name="destination_delete"
    ),
]
