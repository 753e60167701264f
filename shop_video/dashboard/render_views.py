"""Renders in the dashboard: the list, the form that starts one, and a render's page whose status section is
polled (htmx) while it runs: its stage, percentage and ETA (generation/render_progress.py), a banner that matches
its state, a failure in merchant's words (merchant_errors.py), and its videos with named downloads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from catalog.selectors import variant_sku_choices
from generation.campaigns.quota import render_quota_check
from generation.engines.registry import engine_uses_families
from generation.models import FINISHED_STATUSES, JobStatus
from generation.render_progress import MeasuredRates, render_job_progress
from generation.selectors import render_job_get, render_job_list, render_job_renditions, video_templates_visible
from generation.services.job_states import render_job_cancel
from generation.services.render_jobs import render_job_create
from shop_video.dashboard import forms
from shop_video.dashboard.access import member_view
from shop_video.dashboard.display import quality_rows
from shop_video.dashboard.merchant_errors import merchant_error_describe
from shop_video.dashboard.views import _found


@member_view
def renders(request):
    jobs = list(render_job_list(merchant=request.merchant))
    rates = MeasuredRates()
    rows = [{"job": job, "progress": render_job_progress(job=job, rates=rates)} for job in jobs]
    return render(request, "dashboard/renders.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@member_view
def render_new(request):
    templates = video_templates_visible(merchant=request.merchant)  # one choice per slug: a copy wins
    initial = {"sku": request.GET.get("sku", "")[:255], "template": request.GET.get("template", "")[:100]}
    form = forms.RenderForm(request.POST if request.method == "POST" else None, initial=initial, templates=templates)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                render_quota_check(merchant=request.merchant)  # a spent monthly quota: a form error saying so
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
                # No flash message: the render's own status section says "queued", and changes with the job.
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
    failed = job.status == JobStatus.FAILED
    context = {
        "job": job,
        "finished": job.status in FINISHED_STATUSES,
        "progress": render_job_progress(job=job),
        "failure": merchant_error_describe(technical=job.error) if failed else None,
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
    if not render_job_cancel(job=job):
        messages.error(request, f"Render {job.pk} had already finished; nothing was cancelled.")
    # Cancelled: the status section says so (a flash message would repeat it).
    return redirect("dashboard:job_detail", job_id=job.pk)
