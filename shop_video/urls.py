from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from shop_video import views
from shop_video.api.views import MeView, api_not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # --- dashboard: the merchant web app at /app/, its sign-in and sign-out at /accounts/ ---
    path("app/", include("shop_video.dashboard.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # --- end dashboard ---
    path("live/", include("shop_video.live.urls")),  # public HLS streams; the room key is the secret
    path("app/live/", include("shop_video.live.dashboard_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/me", MeView.as_view(), name="api-me"),
    path("api/v1/", include("catalog.api_urls")),
    path("api/v1/", include("generation.api_urls")),
    path("api/v1/", include("shop_video.webhooks.api_urls")),
    path("api/v1/", include("shop_video.tenancy.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),  # last among the API routes
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
