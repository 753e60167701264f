"""REST routes for the catalog under /api/v1/ (no trailing slashes). A product's `ref` is its id or a SKU of one
of its variants; it is one path segment (`str:`), so routes of other apps below products/<sku>/ (videos) are
not shadowed; a SKU containing a slash is reached by the product's id."""

from django.urls import path

from catalog import api

urlpatterns = [
    path("catalog/imports", api.CatalogImportsView.as_view(), name="catalog-import-list"),
    path("catalog/imports/<int:import_id>", api.CatalogImportDetailView.as_view(), name="catalog-import-detail"),
    path("products", api.ProductListView.as_view(), name="product-list"),
    path("products/<str:ref>", api.ProductDetailView.as_view(), name="product-detail"),
    path("products/<str:ref>/images", api.ProductImagesView.as_view(), name="product-images"),
]
