"""The product page: a product's variants and prices, description, photos (upload, delete, reorder, choose the
cover, fetch a failed one again) and its videos.

Every change is a POST answered with a redirect to the page (a reload repeats nothing); the upload's per-file
report travels in the session to the page it redirects to, where it is shown at the top. Photos are looked up
through the merchant (another merchant's ids are 404) and changed by catalog.services.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from catalog.selectors import product_get, product_image_get, product_images_all, product_photo_counts
from catalog.services import (
    product_image_cover_set,
    product_image_delete,
    product_image_fetch_retry,
    product_image_move,
    product_photos_upload,
)
from shop_video.dashboard import forms
from shop_video.dashboard.access import member_view
from shop_video.dashboard.product_selectors import product_videos_latest

MOVES = {"earlier": -1, "later": 1}


def _report_key(product_id: int) -> str:
    return f"dashboard:upload-report:{product_id}"


@require_http_methods(["GET", "POST"])
@member_view
def product_detail(request, product_id: int):
    try:
        product = product_get(merchant=request.merchant, product_id=product_id)
    except ObjectDoesNotExist:
        raise Http404("Not found in this shop.") from None
    form = forms.PhotosUploadForm()
    report, status = request.session.pop(_report_key(product.pk), None), 200
    if request.method == "POST":
        form = forms.PhotosUploadForm(request.POST, request.FILES)
        if form.is_valid():
            report = _photos_upload(product=product, uploads=form.cleaned_data["photos"])
            if report["added"] or report["duplicates"]:
                request.session[_report_key(product.pk)] = report
                return redirect("dashboard:product_detail", product.pk)
            form, status = forms.PhotosUploadForm(), 400  # nothing changed: the report says why, no redirect needed
        else:
            status = 400
    images = list(product_images_all(product=product))
    return render(
        request,
        "dashboard/product.html",
        {
            "product": product,
            "variants": product.variants.order_by("position", "sku"),
            "images": images,
            "counts": product_photo_counts(images=images),
            # The first ready photo: the one render_job_create starts from (failed ones before it are skipped).
            "cover_id": next((image.pk for image in images if image.status == "ready" and image.file), None),
            "videos": product_videos_latest(product=product),
            "form": form,
            "report": report,
        },
        status=status,
    )


def _photos_upload(*, product, uploads) -> dict:
    """The upload as a report of plain names and messages (it is kept in the session until the page shows it)."""
    limit = settings.IMAGE_MAX_BYTES
    # A file over the limit is refused by its size without being read into memory.
    outcome = product_photos_upload(
        product=product, files=[(upload.name, upload.read()) for upload in uploads if upload.size <= limit]
    )
    rejected = [{"file": error["file"], "message": error["message"]} for error in outcome.rejected]
    rejected += [
        {"file": upload.name, "message": f"the file is {upload.size:,} bytes; the limit is {limit:,} bytes"}
        for upload in uploads
        if upload.size > limit
    ]
    return {"added": [name for name, _ in outcome.added], "duplicates": outcome.duplicates, "rejected": rejected}


def _photo_change(request, image_id: int, change, done: str):
    """Look the photo up through the merchant, apply `change`, and go back to its product's page saying so."""
    try:
        image = product_image_get(merchant=request.merchant, image_id=image_id)
    except ObjectDoesNotExist:
        raise Http404("Not found in this shop.") from None
    try:
        change(image)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("dashboard:product_detail", image.product_id)


@require_POST
@member_view
def product_photo_delete(request, image_id: int):
    return _photo_change(request, image_id, lambda image: product_image_delete(image=image), "Photo deleted.")


@require_POST
@member_view
def product_photo_move(request, image_id: int):
    direction = request.POST.get("direction", "")

    def move(image):
        if direction not in MOVES:
            raise ValidationError("Choose whether to move the photo earlier or later.")
        product_image_move(image=image, offset=MOVES[direction])

    return _photo_change(request, image_id, move, f"Photo moved {direction}.")


@require_POST
@member_view
def product_photo_cover(request, image_id: int):
    return _photo_change(
        request,
        image_id,
        lambda image: product_image_cover_set(image=image),
        "Cover photo set: new videos start from it.",
    )


@require_POST
@member_view
def product_photo_retry(request, image_id: int):
    return _photo_change(
        request,
        image_id,
        lambda image: product_image_fetch_retry(image=image),
        "Fetching the photo again; this page shows the result in a moment.",
    )
