"""REST routes for templates and renders under /api/v1/ (views in generation/api.py)."""

from django.urls import path

from generation import api
from generation.presenter import api as presenter_api

urlpatterns = [
    path("templates", api.TemplateListView.as_view(), name="api-templates"),
    path("templates/<slug:slug>", api.TemplateDetailView.as_view(), name="api-template-detail"),
    path("templates/<slug:slug>/copy", api.TemplateCopyView.as_view(), name="api-template-copy"),
    path("templates/<slug:slug>/prompts", api.TemplatePromptsView.as_view(), name="api-template-prompts"),
    path("renders", api.RenderListCreateView.as_view(), name="api-renders"),
    path("renders/<int:pk>", api.RenderDetailView.as_view(), name="api-render-detail"),
    path("renders/<int:pk>/cancel", api.RenderCancelView.as_view(), name="api-render-cancel"),
    path("presenters", presenter_api.PresenterListView.as_view(), name="api-presenters"),
    path("presenters/<slug:slug>", presenter_api.PresenterDetailView.as_view(), name="api-presenter-detail"),
    # path: a SKU may contain "/" (sent as %2F, which reaches the view decoded).
    path("products/<path:sku>/videos", api.ProductVideosView.as_view(), name="api-product-videos"),
]
