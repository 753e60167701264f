from django.urls import path

from shop_video.live import views

app_name = "live_stream"

urlpatterns = [
    path("<slug:key>/index.m3u8", views.stream_playlist, name="playlist"),
    path("<slug:key>/seg/<int:segment_id>/<int:index>.ts", views.stream_chunk, name="chunk"),
]
