"""A campaign's life: created as a draft (everything checked, nothing half-made), launched, paused, resumed,
cancelled, its failures retried. Renders are not made here: scheduler.py makes them lazily, a chunk at a time."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from generation.aspect_ratios import ASPECT_RATIOS
from generation.campaigns import dispatch
from generation.campaigns.estimate import campaign_cost, products_by_template, spec_parse_for
from generation.campaigns.models import Campaign, CampaignPending, CampaignSkip, Recurrence
from generation.campaigns.quota import render_quota_check
from generation.campaigns.selection import selection_clean, selection_products
from generation.campaigns.selectors import campaign_counts, campaign_eta
from generation.engines.base import EngineError
from generation.engines.registry import engine_queue
from generation.models import JobStatus, RenderJob, VideoTemplate
from generation.selectors import TemplateNotFound, video_template_get
from generation.services.job_states import render_job_cancel
from shop_video.tenancy.models import Merchant

NAME_MAX_CHARS = 200
RULES_MAX = 50
SKUS_SHOWN = 100


class CampaignError(ValidationError):
    """A refusal that says what to change (a 400 in the API)."""


class CampaignStateError(Exception):
    """The campaign is not in a state that allows this (a 409 in the API)."""


def campaign_create(
    *,
    merchant: Merchant,
    name: str,
    template: str,
    selection: dict,
    aspect_ratios: list[str] | None = None,
    engine: str | None = None,
    template_rules: dict[str, str] | None = None,
    keep_current: bool = False,
    recurrence: str = "",
    idempotency_key: str = "",
) -> Campaign:
    """A draft campaign. Refuses (CampaignError, nothing created) an empty or over-large selection, an unknown
    template or engine, or a spent quota. The same idempotency_key again returns the campaign it made."""
    if idempotency_key:
        existing = Campaign.objects.filter(merchant=merchant, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX_CHARS:
        raise CampaignError(f"name must be 1 to {NAME_MAX_CHARS} characters.")
    aspect_ratios = _aspect_ratios_clean(aspect_ratios or ["9:16"])
    engine = _engine_clean(engine)
    rules = _rules_clean(template_rules or {})
    for slug in {template, *rules.values()}:
        _template_get(merchant=merchant, slug=slug)
    if recurrence not in Recurrence.values:
        raise CampaignError(f"recurrence must be one of {', '.join(v or '(empty: once)' for v in Recurrence.values)}.")
    try:
        selection = selection_clean(selection)
    except ValidationError as exc:
        raise CampaignError(exc.messages) from None
    selected = selection_products(merchant=merchant, selection=selection).count()
    if not selected:
        raise CampaignError(
            "The selection matches none of your products (archived ones are never selected); widen the filters, "
            "check the SKUs, or import the products first."
        )
    if selected > settings.CAMPAIGN_MAX_PRODUCTS:
        raise CampaignError(
            f"The selection matches {selected:,} products; a campaign takes at most "
            f"{settings.CAMPAIGN_MAX_PRODUCTS:,}. Narrow the filters, or split it into several campaigns."
        )
    try:
        render_quota_check(merchant=merchant)
    except ValidationError as exc:
        raise CampaignError(exc.messages) from None
    try:
        with transaction.atomic():
            return Campaign.objects.create(
                merchant=merchant,
                name=name,
                template_slug=template,
                template_rules=rules,
                aspect_ratios=aspect_ratios,
                engine=engine,
                selection=selection,
                keep_current=keep_current,
                recurrence=recurrence,
                products_total=selected,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:  # a concurrent request with the same key made it first
        return Campaign.objects.get(merchant=merchant, idempotency_key=idempotency_key)


def _aspect_ratios_clean(aspect_ratios: list[str]) -> list[str]:
    cleaned = []
    for ratio in aspect_ratios:
        if ratio not in ASPECT_RATIOS:
            raise CampaignError(f"Aspect ratio {ratio!r} is not offered; use one of {', '.join(ASPECT_RATIOS)}.")
        if ratio not in cleaned:
            cleaned.append(ratio)
    return cleaned


def _engine_clean(engine: str | None) -> str:
    engine = (engine or "").strip()
    if engine:
        try:
            engine_queue(engine)
        except EngineError as exc:
            raise CampaignError(str(exc)) from None
    return engine


def _rules_clean(rules) -> dict[str, str]:
    if not isinstance(rules, dict) or len(rules) > RULES_MAX:
        raise CampaignError(f'template_rules must be an object of at most {RULES_MAX} {{"product type": "template"}}.')
    cleaned: dict[str, str] = {}
    for product_type, slug in rules.items():
        if not isinstance(slug, str) or not product_type.strip() or len(product_type) > 200 or len(slug) > 64:
            raise CampaignError("template_rules: each product type (1-200 characters) names a template slug.")
        cleaned[product_type.strip()] = slug
    return cleaned


def _template_get(*, merchant: Merchant, slug: str) -> VideoTemplate:
    try:
        template = video_template_get(merchant=merchant, slug=slug)
    except TemplateNotFound as exc:
        raise CampaignError(f"{exc} Choose one of them, or create the template first.") from None
    try:
        spec_parse_for(template)
    except ValidationError as exc:
        raise CampaignError(exc.messages) from None
    return template


def campaign_template_for(*, campaign: Campaign, product_type: str) -> str:
    wanted = product_type.strip().lower()
    for rule_type, slug in campaign.template_rules.items():
        if rule_type.lower() == wanted:
            return slug
    return campaign.template_slug


def campaign_estimate(*, campaign: Campaign) -> dict:
    """Products, shots, worker seconds per engine (GPU or CPU, from measured rates), storage, and when it would
    finish at the current fleet; renders nothing."""
    products = selection_products(merchant=campaign.merchant, selection=campaign.selection)
    counts = products_by_template(products=products, default_slug=campaign.template_slug, rules=campaign.template_rules)
    templates = {
        slug: (spec_parse_for(_template_get(merchant=campaign.merchant, slug=slug)), count)
        for slug, count in counts.items()
    }
    cost = campaign_cost(templates=templates, engine=campaign.engine or None, aspect_ratios=campaign.aspect_ratios)
    return {"products": sum(counts.values()), "products_by_template": counts, **cost}


# --- Moves -------------------------------------------------------------------------------------------------


def _move(campaign: Campaign, *, allowed: tuple[str, ...], to: str, verb: str, **fields) -> None:
    moved = Campaign.objects.filter(pk=campaign.pk, status__in=allowed).update(
        status=to, updated_at=timezone.now(), **fields
    )
    campaign.refresh_from_db()
    if not moved:
        raise CampaignStateError(
            f"Campaign {campaign.pk} is {campaign.status}; only a {' or '.join(allowed)} campaign can be {verb}."
        )


def campaign_launch(*, campaign: Campaign) -> Campaign:
    try:
        render_quota_check(merchant=campaign.merchant)
    except ValidationError as exc:
        raise CampaignError(exc.messages) from None
    versions = {
        slug: _template_get(merchant=campaign.merchant, slug=slug).version
        for slug in {campaign.template_slug, *campaign.template_rules.values()}
    }
    with transaction.atomic():
        _move(
            campaign,
            allowed=(Campaign.Status.DRAFT,),
            to=Campaign.Status.RUNNING,
            verb="launched",
            launched_at=timezone.now(),
            template_versions=versions,
            status_reason="",
        )
        dispatch.campaign_advance_send(campaign_id=campaign.pk)
    return campaign


def campaign_pause(*, campaign: Campaign, reason: str = "paused on request") -> Campaign:
    """No new renders are made; those already queued or running finish."""
    _move(campaign, allowed=(Campaign.Status.RUNNING,), to=Campaign.Status.PAUSED, verb="paused", status_reason=reason)
    return campaign


def campaign_resume(*, campaign: Campaign) -> Campaign:
    try:
        render_quota_check(merchant=campaign.merchant)
    except ValidationError as exc:
        raise CampaignError(exc.messages) from None
    with transaction.atomic():
        _move(campaign, allowed=(Campaign.Status.PAUSED,), to=Campaign.Status.RUNNING, verb="resumed", status_reason="")
        dispatch.campaign_advance_send(campaign_id=campaign.pk)
    return campaign


def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """No new renders; queued ones are cancelled (running ones finish: their worker time is already spent)."""
    with transaction.atomic():
        _move(
            campaign,
            allowed=(Campaign.Status.DRAFT, Campaign.Status.RUNNING, Campaign.Status.PAUSED),
            to=Campaign.Status.CANCELLED,
            verb="cancelled",
            status_reason="cancelled on request",
            finished_at=timezone.now(),
        )
        CampaignPending.objects.filter(campaign=campaign).delete()
        for job in RenderJob.objects.filter(campaign=campaign, status=JobStatus.QUEUED).only("pk"):
            render_job_cancel(job=job)
    return campaign


def campaign_retry_failed(*, campaign: Campaign) -> int:
    """Render again every product whose latest render in this campaign failed, and every skipped product (its
    photo or text may have been fixed since). Returns how many; a finished campaign runs again."""
    if campaign.status in (Campaign.Status.DRAFT, Campaign.Status.CANCELLED):
        raise CampaignStateError(f"Campaign {campaign.pk} is {campaign.status}; launch it (or make a new one) instead.")
    latest: dict[int, str] = {}
    for product_id, status in (
        RenderJob.objects.filter(campaign=campaign).order_by("product_id", "id").values_list("product_id", "status")
    ):
        latest[product_id] = status  # the newest render of each product wins
    failed = {pid for pid, status in latest.items() if status in (JobStatus.FAILED, JobStatus.CANCELLED)}
    failed |= set(CampaignSkip.objects.filter(campaign=campaign).values_list("product_id", flat=True))
    if not failed:
        return 0
    with transaction.atomic():
        CampaignPending.objects.bulk_create(
            [CampaignPending(campaign=campaign, product_id=pid, reason=CampaignPending.Reason.RETRY) for pid in failed],
            ignore_conflicts=True,
        )
        CampaignSkip.objects.filter(campaign=campaign, product_id__in=failed).delete()
        Campaign.objects.filter(pk=campaign.pk).exclude(status=Campaign.Status.PAUSED).update(
            status=Campaign.Status.RUNNING, finished_at=None, status_reason=""
        )
        dispatch.campaign_advance_send(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return len(failed)


def campaign_progress(*, campaign: Campaign) -> dict:
    counts = campaign_counts(campaign=campaign)
    eta = campaign_eta(campaign=campaign, counts=counts)
    return {"status": campaign.status, "counts": counts, "eta": eta.isoformat() if eta else None}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def campaign_payload(campaign: Campaign, *, counts: dict | None = None) -> dict:
    """A campaign as the API and its webhooks show it. A long SKU list shows its first SKUS_SHOWN and its size."""
    counts = counts if counts is not None else campaign_counts(campaign=campaign)
    eta = campaign_eta(campaign=campaign, counts=counts)
    selection = campaign.selection
    if "skus" in selection:
        selection = {"skus": selection["skus"][:SKUS_SHOWN], "skus_total": len(selection["skus"])}
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "status": campaign.status,
        "status_reason": campaign.status_reason or None,
        "template": campaign.template_slug,
        "template_rules": campaign.template_rules,
        "aspect_ratios": campaign.aspect_ratios,
        "engine": campaign.engine or None,
        "selection": selection,
        "keep_current": campaign.keep_current,
        "recurrence": campaign.recurrence or None,
        "counts": counts,
        "eta": _iso(eta),
        "created_at": _iso(campaign.created_at),
        "launched_at": _iso(campaign.launched_at),
        "finished_at": _iso(campaign.finished_at),
    }
