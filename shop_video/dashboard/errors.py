"""The site's 404 page with the dashboard's header: an address that matches no page never reaches a member_view,
so the member (if signed in) is looked up here, and the page offers the whole menu as its way back."""

from __future__ import annotations

from django.views import defaults

from shop_video.dashboard.access import member_attach


def page_not_found(request, exception):
    if request.user.is_authenticated and not hasattr(request, "merchant"):
        member_attach(request)
    return defaults.page_not_found(request, exception)
