"""What the model would be told: a template's product_shots prompts rendered for one of the merchant's SKUs,
for a render job's shots and as a preview in the API and admin."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from catalog.selectors import variant_get_by_sku
from generation.models import VideoTemplate
from generation.prompts import prompt_context, prompt_render
from generation.selectors import video_template_get
from generation.template_spec import ProductShotsScene, TemplateSpec, template_spec_parse
from shop_video.tenancy.models import Merchant
from shop_video.tenancy.selectors import brand_kit_default


def scene_prompts_render(
    *,
    spec: TemplateSpec,
    merchant: Merchant,
    variant,
    brand_kit=None,
    merge_fields: dict | None = None,
    template_slug: str = "",
) -> dict[int, tuple[str, str]]:
    """Each product_shots scene's (prompt, negative_prompt) for one variant, by scene index. Raises a
    ValidationError naming the template, scene and field when one cannot render."""
    context = prompt_context(
        product=variant.product,
        variant=variant,
        brand_kit=brand_kit,
        merchant=merchant,
        options=spec.options,
        merge_fields=merge_fields,
    )
    rendered = {}
    for index, scene in enumerate(spec.scenes):
        if isinstance(scene, ProductShotsScene):
            where = f"scene {index + 1} (product_shots)"
            try:
                rendered[index] = (
                    prompt_render(scene.prompt, context, field=f"{where}: prompt"),
                    prompt_render(scene.negative_prompt, context, field=f"{where}: negative_prompt"),
                )
            except ValidationError as exc:
                raise ValidationError(
                    f"Template {template_slug!r} is invalid: {'; '.join(exc.messages)}"
                    if template_slug
                    else exc.messages
                ) from None
    return rendered


def template_prompts_preview(*, merchant: Merchant, template_slug: str, sku: str) -> list[dict]:
    """What the model would be told: each product_shots scene's rendered prompts for one of the merchant's SKUs.
    Raises TemplateNotFound / VariantNotFound, or ValidationError naming the scene and field."""
    template = video_template_get(merchant=merchant, slug=template_slug)
    return template_prompts_render(template=template, merchant=merchant, sku=sku)


def template_prompts_render(*, template: VideoTemplate, merchant: Merchant, sku: str) -> list[dict]:
    """[{"scene": n, "prompt", "negative_prompt"}] of one template for one of `merchant`'s SKUs."""
    variant = variant_get_by_sku(merchant=merchant, sku=sku)
    try:
        spec = template_spec_parse(template.spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        raise ValidationError(f"Template {template.slug!r} is invalid: {'; '.join(exc.messages)}") from None
    prompts = scene_prompts_render(
        spec=spec,
        merchant=merchant,
        variant=variant,
        brand_kit=brand_kit_default(merchant=merchant),
        template_slug=template.slug,
    )
    return [
        {"scene": index + 1, "prompt": prompt, "negative_prompt": negative}
        for index, (prompt, negative) in sorted(prompts.items())
    ]
