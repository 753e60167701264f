from django.urls import path

from shop_video.dashboard import campaign_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("shop/", views.merchant_switch, name="merchant_switch"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("imports/", views.imports, name="imports"),
    path("imports/currency/", views.merchant_currency, name="merchant_currency"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("templates/", views.templates_gallery, name="templates"),
    path("templates/<slug:slug>/copy/", views.template_copy, name="template_copy"),
    path("templates/<slug:slug>/edit/", views.template_edit, name="template_edit"),
    path("renders/", views.renders, name="renders"),
    path("renders/new/", views.render_new, name="render_new"),
    path("renders/<int:job_id>/", views.job_detail, name="job_detail"),
    path("renders/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("campaigns/", campaign_views.campaigns, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign_detail, name="campaign_detail"),
    *(
        path(
            f"campaigns/<int:campaign_id>/{action}/",
            campaign_views.campaign_action,
            {"action": action},
            name=f"campaign_{action}",
        )
        for action in ("launch", "pause", "resume", "cancel", "retry")
    ),
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
