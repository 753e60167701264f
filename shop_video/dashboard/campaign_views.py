"""Campaigns in the dashboard: "Make videos" from the catalog list (the ticked products, or every product matching
its filters), the draft's estimate and dry run before launch, the campaign page with live progress and its
failures, and the list of campaigns. Thin views over generation.campaigns' services and selectors.

Roles (shop_video.tenancy.access, through member_view): any member reads; owners, admins and editors (who may start
renders) make, launch, pause, resume, cancel and retry campaigns. Another merchant's campaign is a 404.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from generation.campaigns.dry_run import campaign_dry_run
from generation.campaigns.models import Campaign
from generation.campaigns.selection import selection_products
from generation.campaigns.selectors import campaign_counts, campaign_eta, campaign_get, campaign_skips, campaigns_list
from generation.campaigns.services import (
    CampaignError,
    CampaignStateError,
    campaign_cancel,
    campaign_create,
    campaign_estimate,
    campaign_launch,
    campaign_pause,
    campaign_resume,
    campaign_retry_failed,
)
from generation.selectors import video_templates_visible
from shop_video.dashboard.access import member_view
from shop_video.dashboard.campaign_forms import CampaignForm, CatalogFilterForm, ProductPickForm
from shop_video.dashboard.campaign_selectors import (
    campaign_failures,
    campaign_recent_renders,
    campaign_selection_for,
    catalog_filter_choices,
    catalog_matching,
    engines_runnable,
    selection_describe,
)
from shop_video.dashboard.forms import errors_from
from shop_video.tenancy.access import Ability, role_refusal_message

CAMPAIGNS_SHOWN = 100
DRY_RUN_CHECKED = 20  # products put through a full render check on the draft page (the rest: SQL checks only)
LIVE_STATUSES = (Campaign.Status.RUNNING, Campaign.Status.PAUSED)


def _campaign_found(request, campaign_id: int) -> Campaign:
    try:
        return campaign_get(merchant=request.merchant, campaign_id=campaign_id)
    except ObjectDoesNotExist:
        raise Http404("No such campaign in this shop.") from None


def catalog_campaign_context(request, filters: dict) -> dict:
    """What the catalog list adds for "Make videos": the filters as a query string (pagination keeps them), the
    type and vendor suggestions, and how many products "all matching" would render (for those who may)."""
    return {
        "filters": filters,
        "filter_query": urlencode(filters),
        "filter_choices": catalog_filter_choices(merchant=request.merchant),
        "matching_count": catalog_matching(merchant=request.merchant, filters=filters).count()
        if request.can_edit
        else None,
    }


def _edit_required(request, what: str) -> None:
    if not request.can_edit:
        raise PermissionDenied(
            role_refusal_message(
                merchant=request.merchant, role=request.membership.role, ability=Ability.EDIT, what=what
            )
        )


@member_view
def campaigns(request):
    return render(
        request,
        "dashboard/campaigns.html",
        {"campaigns": list(campaigns_list(merchant=request.merchant)[:CAMPAIGNS_SHOWN])},
    )


@require_http_methods(["GET", "POST"])
@member_view
def campaign_new(request):
    """The form "Make videos" opens: the selection arrives as the catalog's filters and ticks (kept in hidden
    fields), the campaign's options are chosen here; a valid POST makes a draft and shows its estimate."""
    _edit_required(request, "make videos")
    posted = request.method == "POST"
    source = request.POST if posted else request.GET
    filters_form, pick = CatalogFilterForm(source), ProductPickForm(source)
    selection, selection_errors = None, []
    if filters_form.is_valid() and pick.is_valid():
        try:
            selection = campaign_selection_for(
                merchant=request.merchant,
                filters=filters_form.filters(),
                all_matching=pick.cleaned_data["all_matching"],
                product_ids=pick.cleaned_data["product"],
            )
        except ValidationError as exc:
            selection_errors = exc.messages
    else:
        selection_errors = [m for errors in (*filters_form.errors.values(), *pick.errors.values()) for m in errors]
    form = CampaignForm(
        request.POST if posted else None,
        templates=video_templates_visible(merchant=request.merchant),
        engines=engines_runnable(),
        initial={"token": secrets.token_urlsafe(16), "name": "Product videos"},
    )
    if posted and form.is_valid() and selection is not None:
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                merchant=request.merchant,
                name=data["name"],
                template=data["template"],
                selection=selection,
                aspect_ratios=data["aspect_ratios"],
                engine=data["engine"],
                keep_current=data["keep_current"],
                # the same form posted twice: one campaign
                idempotency_key=f"dashboard:{data['token']}" if data["token"] else "",
            )
        except CampaignError as exc:
            errors_from(form, exc)
        else:
            messages.success(request, f"Campaign “{campaign.name}” is a draft: check the estimate, then launch it.")
            return redirect("dashboard:campaign_detail", campaign_id=campaign.pk)
    selected = None
    if selection is not None:
        selected = (
            len(selection["skus"])
            if "skus" in selection
            else selection_products(merchant=request.merchant, selection=selection).count()
        )
    context = {
        "form": form,
        "filters_form": filters_form,
        "pick": pick,
        "selection_text": selection_describe(selection) if selection else "",
        "selected": selected,
        "selection_errors": selection_errors,
    }
    # Opened with nothing chosen (from the menu, say) is no bad request: the page says where to choose.
    nothing_chosen = not posted and not ({"product", "all_matching"} & set(request.GET))
    status = 400 if (posted or selection_errors) and not nothing_chosen else 200
    return render(request, "dashboard/campaign_new.html", context, status=status)


def _progress_context(campaign: Campaign) -> dict:
    counts = campaign_counts(campaign=campaign)
    done = counts["succeeded"] + counts["failed"] + counts["cancelled"] + counts["skipped"]
    return {
        "campaign": campaign,
        "live": campaign.status in LIVE_STATUSES,
        "counts": counts,
        "done": done,
        "eta": campaign_eta(campaign=campaign, counts=counts),
        "failures": campaign_failures(campaign=campaign),
        "skips": campaign_skips(campaign=campaign, limit=20),
        "renders": campaign_recent_renders(campaign=campaign),
    }


def _draft_context(campaign: Campaign) -> dict:
    """A draft's estimate and dry run (nothing is rendered); a template deleted since is said, not a 500."""
    context = {"estimate": None, "dry_run": None, "draft_error": ""}
    try:
        context["estimate"] = campaign_estimate(campaign=campaign)
        context["dry_run"] = campaign_dry_run(campaign=campaign, limit=DRY_RUN_CHECKED)
    except ValidationError as exc:
        context["draft_error"] = " ".join(exc.messages)
    return context


@member_view
def campaign_detail(request, campaign_id: int):
    campaign = _campaign_found(request, campaign_id)
    context = _progress_context(campaign)
    if request.htmx:
        return render(request, "dashboard/_campaign_progress.html", context)
    context["selection_text"] = selection_describe(campaign.selection)
    if campaign.status == Campaign.Status.DRAFT:
        context.update(_draft_context(campaign))
    return render(request, "dashboard/campaign_detail.html", context)


_ACTIONS = {
    "launch": (campaign_launch, "Campaign “{name}” is running: its videos are being made."),
    "pause": (campaign_pause, "Campaign “{name}” is paused: renders already started will finish."),
    "resume": (campaign_resume, "Campaign “{name}” is running again."),
    "cancel": (campaign_cancel, "Campaign “{name}” was cancelled; its queued renders were cancelled too."),
    "retry": (campaign_retry_failed, "{count} product(s) of “{name}” will be rendered again."),
}


@require_POST
@member_view
def campaign_action(request, campaign_id: int, action: str):
    campaign = _campaign_found(request, campaign_id)
    service, done = _ACTIONS[action]
    try:
        result = service(campaign=campaign)
    except (CampaignError, CampaignStateError) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        if action == "retry" and not result:
            messages.success(request, f"Campaign “{campaign.name}” has no failed or skipped products to retry.")
        else:
            messages.success(request, done.format(name=campaign.name, count=result if action == "retry" else 0))
    return redirect("dashboard:campaign_detail", campaign_id=campaign.pk)
