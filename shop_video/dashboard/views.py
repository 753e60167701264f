"""The merchant dashboard: thin views over the services and selectors of the other apps.

Every view is a `member_view` (access.py): `request.merchant` is the merchant the signed-in member acts for, and
every object is looked up through it, so another merchant's ids are 404. Live parts (an import's progress, a
render's progress) are the same view answering an htmx request with a fragment of the page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog.import_requests import catalog_import_request_create
from catalog.models import CatalogImport, ProductImage
from catalog.selectors import (
    catalog_import_get,
    catalog_imports_list,
    import_mapping_names,
    product_get,
    product_images_all,
    products_filter,
    variant_sku_choices,
)
from catalog.services import product_photos_upload
from generation.engines.registry import engine_uses_families
from generation.models import FINISHED_STATUSES, JobStatus
from generation.selectors import (
    render_job_get,
    render_job_list,
    render_job_renditions,
    video_templates_visible,
)
from generation.services.job_states import render_job_cancel
from generation.services.render_jobs import render_job_create
from shop_video.api.services import api_key_create, api_key_revoke
from shop_video.dashboard import forms
from shop_video.dashboard.access import member_view
from shop_video.dashboard.display import quality_rows
from shop_video.dashboard.selectors import api_key_list
from shop_video.dashboard.services import dashboard_merchant_choose
from shop_video.tenancy.models import BrandKit, Membership
from shop_video.tenancy.selectors import brand_kit_default
from shop_video.tenancy.services import brand_kit_update, merchant_default_currency_set
from shop_video.webhooks.selectors import webhook_delivery_list, webhook_endpoint_get, webhook_endpoint_list
from shop_video.webhooks.services import (
    DeliveryInProgress,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
)

PAGE_SIZE = 24
IMPORT_ERRORS_SHOWN = 500
DELIVERIES_SHOWN = 50


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
    form = forms.SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(products_filter(merchant=request.merchant, q=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/catalog.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "rows": [_product_row(p) for p in page.object_list],
        },
    )


@require_http_methods(["GET", "POST"])
@member_view
def product_detail(request, product_id: int):
    product = _found(product_get, merchant=request.merchant, product_id=product_id)
    form = forms.PhotosUploadForm()
    report, status = None, 200
    if request.method == "POST":
        form = forms.PhotosUploadForm(request.POST, request.FILES)
        if form.is_valid():
            uploads = form.cleaned_data["photos"]
            limit = settings.IMAGE_MAX_BYTES
            # A file over the limit is refused by its size without being read into memory.
            report = product_photos_upload(
                product=product, files=[(upload.name, upload.read()) for upload in uploads if upload.size <= limit]
            )
            report.rejected.extend(
                {"file": upload.name, "message": f"the file is {upload.size:,} bytes; the limit is {limit:,} bytes"}
                for upload in uploads
                if upload.size > limit
            )
            status = 200 if report.added or report.duplicates else 400
            form = forms.PhotosUploadForm()
        else:
            status = 400
    return render(
        request,
        "dashboard/product.html",
        {
            "product": product,
            "variants": product.variants.order_by("position", "sku"),
            "images": product_images_all(product=product),
            "form": form,
            "report": report,
        },
        status=status,
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


@member_view
def renders(request):
    return render(request, "dashboard/renders.html", {"jobs": render_job_list(merchant=request.merchant)})


@require_http_methods(["GET", "POST"])
@member_view
def render_new(request):
    templates = video_templates_visible(merchant=request.merchant)  # one choice per slug: a copy wins
    initial = {"sku": request.GET.get("sku", ""), "template": request.GET.get("template", "")}
    form = forms.RenderForm(request.POST if request.method == "POST" else None, initial=initial, templates=templates)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = render_job_create(
                    merchant=request.merchant,
                    template_slug=data["template"],
                    sku=data["sku"].strip(),
                    aspect_ratios=data["aspect_ratios"],
                    engine=data["engine"],
                    short_side=data["short_side"],
                    family=(data["family"] or None) if engine_uses_families(data["engine"]) else None,
                )
            except ValidationError as exc:
                forms.errors_from(form, exc)
            else:
                messages.success(request, f"Render {job.pk} of {job.product} is queued.")
                return redirect("dashboard:job_detail", job_id=job.pk)
        status = 400
    return render(
        request,
        "dashboard/render_new.html",
        {
            "form": form,
            "sku_choices": variant_sku_choices(merchant=request.merchant),
            "family_engines": [name for name, _ in form.fields["engine"].choices if engine_uses_families(name)],
        },
        status=status,
    )


@member_view
def job_detail(request, job_id: int):
    job = _found(render_job_get, merchant=request.merchant, job_id=job_id)
    context = {
        "job": job,
        "finished": job.status in FINISHED_STATUSES,
        "renditions": [(rendition, quality_rows(rendition.quality)) for rendition in render_job_renditions(job=job)]
        if job.status == JobStatus.SUCCEEDED
        else [],
    }
    template = "dashboard/_job_status.html" if request.htmx else "dashboard/job_detail.html"
    return render(request, template, context)


@require_POST
@member_view
def job_cancel(request, job_id: int):
    job = _found(render_job_get, merchant=request.merchant, job_id=job_id)
    if render_job_cancel(job=job):
        messages.success(request, f"Render {job.pk} was cancelled.")
    else:
        messages.error(request, f"Render {job.pk} had already finished; nothing was cancelled.")
    return redirect("dashboard:job_detail", job_id=job.pk)


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


# --- API keys ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view(manage=True)
def api_keys(request):
    form = forms.ApiKeyForm(request.POST if request.method == "POST" else None)
    new_key, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                api_key, secret = api_key_create(merchant=request.merchant, name=form.cleaned_data["name"])
            except ValidationError as exc:
                forms.errors_from(form, exc)
                status = 400
            else:
                new_key, status = {"key": api_key, "secret": secret}, 201
                form = forms.ApiKeyForm()
        else:
            status = 400
    return render(
        request,
        "dashboard/api_keys.html",
        {
            "form": form,
            "new_key": new_key,
            "keys": api_key_list(merchant=request.merchant),
        },
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


def _webhooks_page(request, *, endpoint=None, form=None, created=None, status=200):
    deliveries = webhook_delivery_list(merchant=request.merchant, endpoint_id=endpoint.pk if endpoint else None)
    return render(
        request,
        "dashboard/webhooks.html",
        {
            "form": form or forms.WebhookEndpointForm(),
            "created": created,
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
            return _webhooks_page(request, created=endpoint, status=201)
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
