"""A campaign's dry run: which products would be skipped, and why, without spending any render time.

Cheap checks run over the whole selection in SQL (no ready photo, no variant, SKUs that name nothing); the full
checks of a real render (render_job_create: template, prompts, every card and caption drawn, then rolled back, so
no row stays and no task is sent) and the prompt's length against the model run on the first `limit` products
that pass them. Bounded: counts for everything, examples up to EXAMPLES_MAX."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from catalog.models import Product, ProductImage, Variant
from generation.campaigns.selection import selection_products
from generation.campaigns.services import campaign_template_for
from generation.engines.dit.family import family_get
from generation.engines.registry import engine_uses_families
from generation.services.render_jobs import render_job_create

DRY_RUN_LIMIT_DEFAULT = 100
DRY_RUN_LIMIT_MAX = 500
EXAMPLES_MAX = 100
WORDS_PER_TOKEN = 0.7  # T5-style tokenizers: about 1.4 tokens a word; the worker counts exactly


class _Rollback(Exception):
    pass


def campaign_dry_run(*, campaign, limit: int = DRY_RUN_LIMIT_DEFAULT) -> dict:
    products = selection_products(merchant=campaign.merchant, selection=campaign.selection)
    ready = Exists(ProductImage.objects.filter(product=OuterRef("pk"), status=ProductImage.Status.READY))
    has_variant = Exists(Variant.objects.filter(product=OuterRef("pk")))
    reasons: dict[str, int] = {}
    examples: list[dict] = []

    def skip(product: Product, kind: str, reason: str) -> None:
        reasons[kind] = reasons.get(kind, 0) + 1
        if len(examples) < EXAMPLES_MAX:
            examples.append({"product": product.key, "title": product.title, "kind": kind, "reason": reason})

    no_variant = products.filter(~has_variant)
    no_photo = products.filter(has_variant).filter(~ready)
    for kind, queryset, reason in (
        ("no_variant", no_variant, "the product has no variant (no SKU or price) to render"),
        ("no_photo", no_photo, "no ready photo: upload one, or import a feed row with an image"),
    ):
        count = queryset.count()
        for product in queryset.only("key", "title")[: EXAMPLES_MAX - len(examples)]:
            skip(product, kind, reason)
        if count:
            reasons[kind] = count  # every one, not only the examples listed
    checked = 0
    for product in products.filter(has_variant, ready).only("key", "title", "product_type")[:limit]:
        checked += 1
        kind, reason = _full_check(campaign, product)
        if kind:
            skip(product, kind, reason)
    result = {
        "products": products.count(),
        "checked_in_full": checked,
        "would_skip": reasons,
        "skipped": examples,
    }
    if "skus" in campaign.selection:
        result["unknown_skus"] = _unknown_skus(campaign)
    return result


def _full_check(campaign, product: Product) -> tuple[str, str]:
    try:
        with transaction.atomic():
            job = render_job_create(
                merchant=campaign.merchant,
                template_slug=campaign_template_for(campaign=campaign, product_type=product.product_type),
                sku=product.key,
                aspect_ratios=campaign.aspect_ratios,
                engine=campaign.engine or None,
            )
            too_long = _prompt_too_long(job)
            raise _Rollback
    except _Rollback:
        return ("prompt_too_long", too_long) if too_long else ("", "")
    except ValidationError as exc:
        message = " ".join(exc.messages)
        return ("text_does_not_fit" if "cannot be drawn" in message else "refused", message)


def _prompt_too_long(job) -> str:
    for shot in job.shots.all():
        if not shot.prompt or not engine_uses_families(shot.engine):
            continue
        family = family_get(shot.parameters.get("family") or settings.DIT_DEFAULT_FAMILY)
        tokens = round(len(shot.prompt.split()) / WORDS_PER_TOKEN)
        if tokens > family.max_sequence_length:
            return (
                f"shot {shot.position + 1}'s prompt is about {tokens} tokens and the {family.name} model reads at "
                f"most {family.max_sequence_length}; shorten the template's prompt or the product's text"
            )
    return ""


def _unknown_skus(campaign) -> dict:
    refs = campaign.selection["skus"]
    known = set(Product.objects.filter(merchant=campaign.merchant, key__any=refs).values_list("key", flat=True))
    known |= set(Variant.objects.filter(merchant=campaign.merchant, sku__any=refs).values_list("sku", flat=True))
    unknown = [ref for ref in refs if ref not in known]
    return {"count": len(unknown), "examples": unknown[:EXAMPLES_MAX]}
