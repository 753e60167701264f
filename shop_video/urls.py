import re

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shop_video import views
from shop_video.api.views import MeView, api_not_found
from shop_video.media import PRIVATE_FILES_URL
from shop_video.ops import probes
from shop_video.private_files import PrivateFileView, public_media_serve

urlpatterns = [
    path("", views.home, name="home"),
    # Probes and metrics (shop_video/ops/probes.py; ProbeMiddleware answers them before any other middleware)
    path("healthz", probes.healthz, name="healthz"),
    path("readyz", probes.readyz, name="readyz"),
    path("metrics", probes.metrics, name="metrics"),
    # --- dashboard: the merchant web app at /app/, its sign-in and sign-out at /accounts/ ---
    path("app/", include("shop_video.dashboard.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # --- end dashboard ---
    path("live/", include("shop_video.live.urls")),  # public HLS streams; the room key is the secret
    path("app/live/", include("shop_video.live.dashboard_urls")),
    path("app/live/", include("shop_video.live.push.dashboard_urls")),  # a room's push destinations
    path("admin/", admin.site.urls),
    # Private files (feeds, photos, brand files, presenters, shots), to their own merchant only
    path(f"{PRIVATE_FILES_URL.strip('/')}/<path:name>", PrivateFileView.as_view(), name="private_file"),
    path("api/v1/me", MeView.as_view(), name="api-me"),
    path("api/v1/", include("catalog.api_urls")),
    path("api/v1/", include("generation.api_urls")),
    path("api/v1/", include("shop_video.webhooks.api_urls")),
    path("api/v1/", include("shop_video.tenancy.api_urls")),
    path("api/v1/", include("shop_video.live.api_urls")),  # live rooms: the product on air, push figures
    path("api/v1/", include("shop_video.live.push.api_urls")),  # live rooms' push destinations
    path("api/v1/", include("generation.campaigns.api_urls")),  # whole-catalog campaigns
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so no inline script runs here either; only
    # its template's small <style> block needs inline styles
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    re_path(r"^api/", api_not_found),  # last among the API routes
]
# `make run` (DEBUG, or its DEBUG-off LOCAL_SERVER): public media with safe headers (production: its own origin,
# deploy/README.md)
if (settings.DEBUG or settings.LOCAL_SERVER) and "://" not in settings.MEDIA_URL:
    # Not django.conf.urls.static.static(): it serves nothing with DEBUG off, as LOCAL_SERVER runs.
    urlpatterns.append(
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            public_media_serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
# Not found: templates/404.html with the signed-in member's menu (shop_video/dashboard/errors.py)
handler404 = "shop_video.dashboard.errors.page_not_found"
