from django.urls import path

from shop_video.dashboard import (
    campaign_views,
    library_views,
    presenter_views,
    product_views,
    render_views,
    settings_views,
    template_views,
    views,
)

app_name = "dashboard"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("shop/", views.merchant_switch, name="merchant_switch"),
    path("products/<int:product_id>/", product_views.product_detail, name="product_detail"),
    path("photos/<int:image_id>/delete/", product_views.product_photo_delete, name="product_photo_delete"),
    path("photos/<int:image_id>/move/", product_views.product_photo_move, name="product_photo_move"),
    path("photos/<int:image_id>/cover/", product_views.product_photo_cover, name="product_photo_cover"),
    path("photos/<int:image_id>/retry/", product_views.product_photo_retry, name="product_photo_retry"),
    path("presenters/", presenter_views.presenters, name="presenters"),
    path("presenters/new/", presenter_views.presenter_new, name="presenter_new"),
    path("presenters/voice-sample/", presenter_views.presenter_voice_sample, name="presenter_voice_sample"),
    path("presenters/<slug:slug>/", presenter_views.presenter_edit, name="presenter_edit"),
    path("presenters/<slug:slug>/delete/", presenter_views.presenter_delete_view, name="presenter_delete"),
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
    path("renders/", render_views.renders, name="renders"),
    path("renders/new/", render_views.render_new, name="render_new"),
    path("renders/<int:job_id>/", render_views.job_detail, name="job_detail"),
    path("renders/<int:job_id>/cancel/", render_views.job_cancel, name="job_cancel"),
    path("videos/", library_views.video_library, name="video_library"),
    path("videos/<int:rendition_id>/download/", library_views.rendition_download, name="rendition_download"),
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
    path("api-keys/", settings_views.api_keys, name="api_keys"),
    path("api-keys/<str:prefix>/revoke/", settings_views.api_key_revoke_view, name="api_key_revoke"),
    path("webhooks/", settings_views.webhooks, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", settings_views.webhook_endpoint_detail, name="webhook_endpoint"),
    path(
        "webhooks/<int:endpoint_id>/delete/",
        settings_views.webhook_endpoint_delete_view,
        name="webhook_endpoint_delete",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/resend/",
        settings_views.webhook_delivery_resend_view,
        name="webhook_delivery_resend",
    ),
]
