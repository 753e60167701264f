"""The shop's integration settings, for owners and admins (secrets live here): API keys and webhook endpoints with
their delivery log.

Every form that succeeds redirects (POST-redirect-GET), so reloading the page never makes a second key or
endpoint. A new key's whole value is never stored (only its hash): it waits in the session for the one page view
after the redirect, which shows it and forgets it. A new endpoint's signing secret is stored (deliveries are
signed with it), so only its id waits in the session.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shop_video.api.services import api_key_create, api_key_revoke
from shop_video.dashboard import forms
from shop_video.dashboard.access import member_view
from shop_video.dashboard.selectors import api_key_list
from shop_video.dashboard.views import _back, _found
from shop_video.webhooks.selectors import webhook_delivery_list, webhook_endpoint_get, webhook_endpoint_list
from shop_video.webhooks.services import (
    DeliveryInProgress,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
)

DELIVERIES_SHOWN = 50
SESSION_NEW_API_KEY = "dashboard.new_api_key"
SESSION_NEW_ENDPOINT = "dashboard.new_webhook_endpoint"


# --- API keys ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view(manage=True)
def api_keys(request):
    form = forms.ApiKeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                api_key, secret = api_key_create(merchant=request.merchant, name=form.cleaned_data["name"])
            except ValidationError as exc:
                forms.errors_from(form, exc)
            else:
                # Kept for the next page view only, and only for this shop (a switch in between drops it).
                request.session[SESSION_NEW_API_KEY] = {
                    "merchant": request.merchant.pk,
                    "name": api_key.name,
                    "secret": secret,
                }
                return redirect("dashboard:api_keys")
        status = 400
    else:
        status = 200
    new_key = request.session.pop(SESSION_NEW_API_KEY, None) if request.method == "GET" else None
    if new_key and new_key.get("merchant") != request.merchant.pk:
        new_key = None
    return render(
        request,
        "dashboard/api_keys.html",
        {"form": form, "new_key": new_key, "keys": api_key_list(merchant=request.merchant)},
        status=status,
    )


@require_POST
@member_view(manage=True)
def api_key_revoke_view(request, prefix: str):
    if not api_key_revoke(merchant=request.merchant, prefix=prefix):
        raise Http404("No usable API key with that prefix in this shop.")
    messages.success(request, f"API key {prefix} was revoked; requests with it are now refused.")
    return redirect("dashboard:api_keys")


# --- webhooks ----------------------------------------------------------------------------------------------------


def _endpoint_just_created(request):
    """The endpoint made by the POST that redirected here, once (its secret is shown on this view only)."""
    endpoint_id = request.session.pop(SESSION_NEW_ENDPOINT, None)
    if not isinstance(endpoint_id, int):
        return None
    try:
        return webhook_endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
    except ObjectDoesNotExist:  # deleted meanwhile, or another shop's after a switch
        return None


def _webhooks_page(request, *, endpoint=None, form=None, status=200):
    deliveries = webhook_delivery_list(merchant=request.merchant, endpoint_id=endpoint.pk if endpoint else None)
    return render(
        request,
        "dashboard/webhooks.html",
        {
            "form": form or forms.WebhookEndpointForm(),
            "created": _endpoint_just_created(request) if request.method == "GET" else None,
            "endpoint": endpoint,
            "endpoints": webhook_endpoint_list(merchant=request.merchant),
            "deliveries": deliveries[:DELIVERIES_SHOWN],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@member_view(manage=True)
def webhooks(request):
    if request.method != "POST":
        return _webhooks_page(request)
    form = forms.WebhookEndpointForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = webhook_endpoint_create(
                merchant=request.merchant, url=data["url"], events=data["events"], description=data["description"]
            )
        except ValidationError as exc:
            forms.errors_from(form, exc)
        else:
            request.session[SESSION_NEW_ENDPOINT] = endpoint.pk
            return redirect("dashboard:webhooks")
    return _webhooks_page(request, form=form, status=400)


@member_view(manage=True)
def webhook_endpoint_detail(request, endpoint_id: int):
    endpoint = _found(webhook_endpoint_get, merchant=request.merchant, endpoint_id=endpoint_id)
    return _webhooks_page(request, endpoint=endpoint)


@require_POST
@member_view(manage=True)
def webhook_endpoint_delete_view(request, endpoint_id: int):
    endpoint = _found(webhook_endpoint_get, merchant=request.merchant, endpoint_id=endpoint_id)
    _found(webhook_endpoint_delete, merchant=request.merchant, endpoint_id=endpoint.pk)
    messages.success(request, f"Webhook endpoint {endpoint.url} was deleted with its delivery log.")
    return redirect("dashboard:webhooks")


@require_POST
@member_view(manage=True)
def webhook_delivery_resend_view(request, delivery_id: int):
    try:
        delivery = _found(webhook_delivery_resend, merchant=request.merchant, delivery_id=delivery_id)
    except (ValidationError, DeliveryInProgress) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"Delivery {delivery.message_id} ({delivery.event}) will be sent again.")
    return _back(request, reverse("dashboard:webhooks"))
