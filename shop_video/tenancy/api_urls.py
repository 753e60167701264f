"""The merchant's settings and brand-kit routes under /api/v1/ (shop_video/tenancy/api.py), without trailing
slashes like the others."""

from django.urls import path

from shop_video.tenancy import api

urlpatterns = [
    path("merchant", api.MerchantView.as_view(), name="api-merchant"),
    path("brand-kits", api.BrandKitListView.as_view(), name="api-brand-kits"),
    path("brand-kits/<int:kit_id>", api.BrandKitDetailView.as_view(), name="api-brand-kit"),
    path(
        "brand-kits/<int:kit_id>/music-tracks", api.BrandMusicTrackListView.as_view(), name="api-brand-kit-music-tracks"
    ),
    path(
        "brand-kits/<int:kit_id>/music-tracks/<int:track_id>",
        api.BrandMusicTrackDetailView.as_view(),
        name="api-brand-kit-music-track",
    ),
]
