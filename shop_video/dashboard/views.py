"""The merchant dashboard: thin views over the services and selectors of the other apps.

Every view is a `member_view` (access.py): `request.merchant` is the merchant the signed-in member acts for, and
every object is looked up through it, so another merchant's ids are 404. Live parts (an import's progress, a
render's progress) are the same view answering an htmx request with a fragment of the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog.import_requests import catalog_import_request_create
from catalog.models import CatalogImport, ProductImage
from catalog.selectors import (
    catalog_import_get,
    catalog_imports_list,
    import_mapping_names,
)
from shop_video.dashboard import forms
from shop_video.dashboard.access import member_view
from shop_video.dashboard.campaign_forms import CatalogFilterForm
from shop_video.dashboard.campaign_selectors import catalog_filtered
from shop_video.dashboard.campaign_views import catalog_campaign_context
from shop_video.dashboard.services import dashboard_merchant_choose
from shop_video.tenancy.models import BrandKit, Membership
from shop_video.tenancy.selectors import brand_kit_default
from shop_video.tenancy.services import brand_kit_update, merchant_default_currency_set

PAGE_SIZE = 24
IMPORT_ERRORS_SHOWN = 500


def _found(selector, **kwargs):
    """Call a merchant-scoped selector; anything it does not find (another merchant's id included) is a 404."""
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404("Not found in this shop.") from None


def _back(request, fallback: str):
    """Redirect to the form's `next` if it is a path on this site, else to `fallback` (a URL name)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


# --- the shop --------------------------------------------------------------------------------------------------


@require_POST
@member_view
def merchant_switch(request):
    try:
        merchant = dashboard_merchant_choose(
            session=request.session, user=request.user, merchant_id=int(request.POST.get("merchant", ""))
        )
    except (ValueError, Membership.DoesNotExist):
        raise Http404("You are not a member of that shop.") from None
    messages.success(request, f"You are now working in {merchant}.")
    return redirect("dashboard:catalog")


# --- catalog ---------------------------------------------------------------------------------------------------


def _product_row(product) -> dict:
    variants = list(product.variants.all())
    images = list(product.images.all())
    ready = [image for image in images if image.status == ProductImage.Status.READY and image.file]
    return {
        "product": product,
        "variant": variants[0] if variants else None,
        "variant_count": len(variants),
        "thumbnail": ready[0] if ready else None,
        "photo_count": len(ready),
        "pending_count": sum(image.status == ProductImage.Status.PENDING for image in images),
    }


@member_view
def catalog(request):
    form = CatalogFilterForm(request.GET or None)  # search, type, vendor, in stock, has photos
    filters = form.filters()
    products = catalog_filtered(merchant=request.merchant, filters=filters)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/catalog.html",
        {
            "form": form,
            "query": filters.get("q", ""),
            "page": page,
            "rows": [_product_row(p) for p in page.object_list],
            **catalog_campaign_context(request, filters),  # "Make videos": ticks, select all matching
        },
    )


# --- imports ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view
def imports(request, currency_form=None):
    mapping_names = import_mapping_names(merchant=request.merchant)
    form = forms.CatalogImportForm(mapping_names=mapping_names)
    status = 400 if currency_form is not None else 200
    if request.method == "POST" and currency_form is None:
        form = forms.CatalogImportForm(request.POST, request.FILES, mapping_names=mapping_names)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = catalog_import_request_create(
                    merchant=request.merchant,
                    file=data["file"],
                    feed_format=data["format"],
                    mapping_name=data["mapping"],
                    archive_missing=data["archive_missing"],
                )
            except ValidationError as exc:
                forms.errors_from(form, exc)
            else:
                messages.success(request, f"Import of {record.source} started.")
                return redirect("dashboard:import_detail", import_id=record.pk)
        status = 400
    return render(
        request,
        "dashboard/imports.html",
        {
            "form": form,
            "currency_form": currency_form
            or forms.DefaultCurrencyForm(initial={"default_currency": request.merchant.default_currency}),
            "imports": catalog_imports_list(merchant=request.merchant)[:50],
        },
        status=status,
    )


@require_http_methods(["POST"])
@member_view
def merchant_currency(request):
    """The merchant's default currency, set from the imports page (prices in feeds that name none)."""
    form = forms.DefaultCurrencyForm(request.POST)
    if form.is_valid():
        merchant_default_currency_set(merchant=request.merchant, currency=form.cleaned_data["default_currency"])
        messages.success(request, f"Prices without a currency are now read as {request.merchant.default_currency}.")
        return redirect("dashboard:imports")
    return imports(request, currency_form=form)


@member_view
def import_detail(request, import_id: int):
    record = _found(catalog_import_get, merchant=request.merchant, import_id=import_id)
    context = {
        "record": record,
        "finished": record.status in (CatalogImport.Status.SUCCEEDED, CatalogImport.Status.FAILED),
        "row_errors": record.errors[:IMPORT_ERRORS_SHOWN],
        "row_errors_hidden": max(0, len(record.errors) - IMPORT_ERRORS_SHOWN),
    }
    template = "dashboard/_import_status.html" if request.htmx else "dashboard/import_detail.html"
    return render(request, template, context)


# --- renders (the templates are in template_views.py) ---------------------------------------------------------------------------------------


# --- brand kit -------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view
def brand_kit(request):
    kit = brand_kit_default(merchant=request.merchant) or BrandKit(
        merchant=request.merchant, name="Default", is_default=True
    )
    form = forms.BrandKitForm(instance=kit)
    status = 200
    if request.method == "POST":
        form = forms.BrandKitForm(request.POST, request.FILES, instance=kit)
        if form.is_valid():
            try:
                brand_kit_update(kit=kit, **form.changes())
            except ValidationError as exc:
                forms.errors_from(form, exc)
            else:
                messages.success(request, "Brand kit saved. New renders use it.")
                return redirect("dashboard:brand_kit")
        status = 400
    return render(request, "dashboard/brand_kit.html", {"form": form, "kit": kit}, status=status)
