"""REST routes for campaigns under /api/v1/ (views in generation/campaigns/api.py)."""

from django.urls import path

from generation.campaigns import api

urlpatterns = [
    path("campaigns", api.CampaignListCreateView.as_view(), name="api-campaigns"),
    path("campaigns/<int:campaign_id>", api.CampaignDetailView.as_view(), name="api-campaign-detail"),
    path("campaigns/<int:campaign_id>/estimate", api.CampaignEstimateView.as_view(), name="api-campaign-estimate"),
    path("campaigns/<int:campaign_id>/dry-run", api.CampaignDryRunView.as_view(), name="api-campaign-dry-run"),
    path("campaigns/<int:campaign_id>/renders", api.CampaignRendersView.as_view(), name="api-campaign-renders"),
    *(
        path(f"campaigns/<int:campaign_id>/{action}", view.as_view(), name=f"api-campaign-{action}")
        for action, view in api.ACTION_VIEWS.items()
    ),
]
