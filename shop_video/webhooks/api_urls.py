"""REST routes under /api/v1/ (being written)."""

urlpatterns = []
