"""The video library: every video the shop made (one card per rendition, and per requested aspect ratio of renders
not finished), filtered by product, template, aspect ratio and status, paginated; and each video's download,
saved as `<handle>-<template>-<ratio>.mp4` after the merchant check.

Share links: a card offers the video's public URL with a copy button. Renditions are public by design (their
folder is an unguessable token, served by the CDN or the media origin: docs/architecture.md), so the link plays
for anyone it is sent to, as the storefront embed does; the download view is for members only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render

from generation.library_selectors import (
    rendition_download_name,
    rendition_get,
    video_library_filter,
)
from generation.models import JobStatus
from generation.selectors import video_templates_visible
from generation.video_freshness import render_jobs_stale_reasons
from shop_video.dashboard.access import member_view
from shop_video.dashboard.forms import LibraryFilterForm
from shop_video.dashboard.views import _found
from shop_video.media import media_is_local

LIBRARY_PAGE_SIZE = 12  # renders per page; each shows up to one card per aspect ratio
# generation/video_freshness.STALE_FIELDS in a merchant's words: what changed since the video was made.
STALE_WORDS = {
    "title": "title",
    "price": "price",
    "compare_at_price": "compare-at price",
    "currency": "currency",
    "photos": "photos",
    "template": "template",
    "variant": "variant removed",
}


def _stale_words(jobs) -> dict[int, str]:
    """For each finished video that no longer shows its product as it is now: what changed, in words."""
    reasons = render_jobs_stale_reasons(jobs=[job for job in jobs if job.status == JobStatus.SUCCEEDED])
    return {job_id: ", ".join(STALE_WORDS[name] for name in names) for job_id, names in reasons.items() if names}


def _cards(request, job, aspect_ratio: str) -> list[dict]:
    """One card per rendition of a finished render, or per requested ratio of one still to finish (or failed)."""
    by_ratio = {rendition.aspect_ratio: rendition for rendition in job.renditions.all()}
    cards = []
    for ratio in job.aspect_ratios:
        if aspect_ratio and ratio != aspect_ratio:
            continue
        rendition = by_ratio.get(ratio)
        share_url = request.build_absolute_uri(rendition.file.url) if rendition else ""
        cards.append({"job": job, "ratio": ratio, "rendition": rendition, "share_url": share_url})
    return cards


@member_view
def video_library(request):
    templates = video_templates_visible(merchant=request.merchant)
    form = LibraryFilterForm(request.GET or None, templates=templates)
    # A bad value (a ratio or status not offered, a page past the last one allowed, a 5,000-character search)
    # shows the errors beside the filters and the unfiltered first page, never a 500.
    data = form.cleaned_data if form.is_valid() else {}
    jobs = video_library_filter(
        merchant=request.merchant,
        q=(data.get("q") or "").strip(),
        template_slug=data.get("template") or "",
        aspect_ratio=data.get("ratio") or "",
        status=data.get("status") or "",
    )
    page = Paginator(jobs, LIBRARY_PAGE_SIZE).get_page(data.get("page") or 1)
    cards = [card for job in page.object_list for card in _cards(request, job, data.get("ratio") or "")]
    stale = _stale_words(page.object_list)
    for card in cards:
        card["stale_because"] = stale.get(card["job"].pk, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/library.html",
        {"form": form, "page": page, "cards": cards, "filters_query": query.urlencode()},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@member_view
def rendition_download(request, rendition_id: int):
    """The video as an attachment named for the product, template and ratio: streamed from local disk, or a
    presigned bucket URL that tells the browser the same name (ResponseContentDisposition)."""
    rendition = _found(rendition_get, merchant=request.merchant, rendition_id=rendition_id)
    filename = rendition_download_name(rendition=rendition)
    storage = rendition.file.storage
    if not media_is_local(storage):
        disposition = f'attachment; filename="{filename}"'
        url = storage.url(rendition.file.name, parameters={"ResponseContentDisposition": disposition})
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = storage.open(rendition.file.name, "rb")
    except OSError:
        raise Http404("This video's file is missing; render it again.") from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="video/mp4")
    response["X-Content-Type-Options"] = "nosniff"
    return response
