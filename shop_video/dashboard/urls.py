from django.urls import path

from shop_video.dashboard import template_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("shop/", views.merchant_switch, name="merchant_switch"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("imports/", views.imports, name="imports"),
    path("imports/currency/", views.merchant_currency, name="merchant_currency"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("templates/", template_views.templates_gallery, name="templates"),
    path("templates/<slug:slug>/copy/", template_views.template_copy, name="template_copy"),
    path("templates/<slug:slug>/edit/", template_views.template_edit, name="template_edit"),
    path("templates/<slug:slug>/json/", template_views.template_json, name="template_json"),
    path("templates/<slug:slug>/preview/", template_views.template_preview, name="template_preview"),
    path("templates/<slug:slug>/delete/", template_views.template_delete, name="template_delete"),
    path("templates/<slug:slug>/revert/", template_views.template_revert, name="template_revert"),
    path("renders/", views.renders, name="renders"),
    path("renders/new/", views.render_new, name="render_new"),
    path("renders/<int:job_id>/", views.job_detail, name="job_detail"),
    path("renders/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("brand/", views.brand_kit, name="brand_kit"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<str:prefix>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", views.webhook_endpoint_detail, name="webhook_endpoint"),
    path("webhooks/<int:endpoint_id>/delete/", views.webhook_endpoint_delete_view, name="webhook_endpoint_delete"),
    path(
        "webhooks/deliveries/<int:delivery_id>/resend/",
        views.webhook_delivery_resend_view,
        name="webhook_delivery_resend",
    ),
]
