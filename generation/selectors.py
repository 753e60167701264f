"""Reads for generation; every one is scoped to a merchant."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from catalog.models import Product, Variant
from catalog.selectors import SkuAmbiguous, VariantNotFound, variant_get_by_ref
from generation.models import JobStatus, RenderJob, Rendition, VideoTemplate
from shop_video.tenancy.models import Merchant


class TemplateNotFound(ObjectDoesNotExist):
    pass


def video_template_get(*, merchant: Merchant, slug: str) -> VideoTemplate:
    """The merchant's own template of that slug, else the built-in one."""
    found = (
        VideoTemplate.objects.filter(Q(merchant=merchant) | Q(merchant__isnull=True), slug=slug)
        .order_by(F("merchant_id").asc(nulls_last=True))
        .first()
    )  # the merchant's own copy first
    if found is None:
        available = ", ".join(video_template_list(merchant=merchant).values_list("slug", flat=True)) or "none"
        raise TemplateNotFound(f"No template {slug!r} for merchant {merchant.slug!r}; available: {available}.")
    return found


def video_template_list(*, merchant: Merchant) -> QuerySet[VideoTemplate]:
    return VideoTemplate.objects.filter(Q(merchant=merchant) | Q(merchant__isnull=True)).order_by("slug")


def render_job_get(*, merchant: Merchant, job_id: int) -> RenderJob:
    return RenderJob.objects.select_related("product", "template").get(merchant=merchant, pk=job_id)


def render_job_renditions(*, job: RenderJob) -> QuerySet[Rendition]:
    return job.renditions.order_by("aspect_ratio")


def render_job_list(*, merchant: Merchant, limit: int = 50) -> QuerySet[RenderJob]:
    """The merchant's latest jobs, newest first."""
    return (
        RenderJob.objects.filter(merchant=merchant)
        .select_related("product", "template", "variant")
        .order_by("-created_at", "-id")[:limit]
    )


def video_template_previews(*, merchant: Merchant) -> dict[int, Rendition]:
    """A preview clip per template id: the newest rendition this merchant rendered with it (templates carry no
    clip of their own). Templates the merchant never rendered with have none."""
    previews: dict[int, Rendition] = {}
    renditions = (
        Rendition.objects.filter(job__merchant=merchant, job__status=RenderJob.Status.SUCCEEDED)
        .select_related("job")
        .order_by("-job__finished_at", "-id")
    )
    for rendition in renditions[:500]:
        previews.setdefault(rendition.job.template_id, rendition)
    return previews


def preset_previews() -> dict[int, Rendition]:
    """A built-in's own preview per template id (services/preset_previews.py): the rendition of its preview job,
    once that succeeded and while its spec is still the template's."""
    templates = (
        VideoTemplate.objects.filter(merchant=None, preview_job__status=RenderJob.Status.SUCCEEDED)
        .select_related("preview_job")
        .prefetch_related("preview_job__renditions")
    )
    return {
        template.pk: rendition
        for template in templates
        if template.preview_job.template_spec == template.spec
        for rendition in template.preview_job.renditions.all()[:1]
    }


def render_jobs_filter(
    *, merchant: Merchant, status: str | None = None, sku: str | None = None, campaign_id: int | None = None
):
    jobs = (
        RenderJob.objects.filter(merchant=merchant)
        .select_related("template", "variant", "product")  # product: the stale check's title
        .prefetch_related("renditions")
    )
    if status:
        jobs = jobs.filter(status=status)
    if sku:
        jobs = jobs.filter(variant__sku=sku)
    if campaign_id is not None:
        jobs = jobs.filter(campaign_id=campaign_id)
    return jobs


def product_latest_renditions(*, merchant: Merchant, sku: str, aspect_ratio: str | None) -> list[Rendition] | None:
    """The renditions of the product's latest succeeded job that has the aspect ratio asked for (any, if none).
    `sku` names the product as catalog.selectors.variant_get_by_ref does: its handle or id, else a SKU that is on
    this product only. One query when found; only when nothing is, more tell a product without videos ([]) from
    an unknown reference (None), and raise SkuAmbiguous for a SKU on several products."""
    by_sku = Variant.objects.filter(merchant=merchant, sku=sku)
    sku_on_one_product = Q(product_id__in=by_sku.values("product_id")) & ~Exists(
        by_sku.exclude(product_id=OuterRef("product_id"))
    )
    named = Q(product__key=sku) | (~Exists(Product.objects.filter(merchant=merchant, key=sku)) & sku_on_one_product)
    found = _renditions_latest(RenderJob.objects.filter(named), merchant=merchant, aspect_ratio=aspect_ratio)
    if found:
        return found
    try:
        variant = variant_get_by_ref(merchant=merchant, ref=sku)
    except SkuAmbiguous:
        raise
    except VariantNotFound:
        return None
    jobs = RenderJob.objects.filter(product_id=variant.product_id)  # named by a variant's own key (woo-<ID>)
    return _renditions_latest(jobs, merchant=merchant, aspect_ratio=aspect_ratio)


def _renditions_latest(jobs: QuerySet[RenderJob], *, merchant: Merchant, aspect_ratio: str | None) -> list[Rendition]:
    jobs = jobs.filter(merchant=merchant, status=JobStatus.SUCCEEDED)
    renditions = Rendition.objects.all()
    if aspect_ratio:
        jobs = jobs.filter(Exists(Rendition.objects.filter(job=OuterRef("pk"), aspect_ratio=aspect_ratio)))
        renditions = renditions.filter(aspect_ratio=aspect_ratio)
    latest = jobs.order_by("-finished_at", "-pk").values("pk")[:1]
    # The job, its product, variant and template come in the same query, for its stale check
    # (generation/video_freshness.py); their large fields stay behind.
    renditions = renditions.select_related("job__product", "job__variant", "job__template").defer(
        "job__template_spec", "job__template__spec", "job__product__description", "job__metadata"
    )
    return list(renditions.filter(job_id=Subquery(latest)).order_by("aspect_ratio"))


def video_templates_visible(*, merchant: Merchant) -> list[VideoTemplate]:
    """Built-ins and the merchant's own; the merchant's own shadows a built-in of the same slug (as in
    video_template_get)."""
    chosen: dict[str, VideoTemplate] = {}
    for template in video_template_list(merchant=merchant):
        if template.slug not in chosen or template.merchant_id is not None:
            chosen[template.slug] = template
    return list(chosen.values())
