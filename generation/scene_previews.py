"""A scene's still for a merchant (assembly/scene_preview.py draws it): which product it shows, in which brand
look. Every lookup is scoped to the merchant: another merchant's product is Product.DoesNotExist.

A shop without a product with a photo yet is shown the demo shop's espresso cup (the bundled demo photo and its
seed data), so a template's card and its editor always have a picture of what the template looks like.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings

from catalog.models import Product, ProductImage
from generation.assembly.job_timeline import template_style
from generation.assembly.scene_preview import PREVIEW_SHORT_SIDE, PreviewSubject, scene_preview_draw
from generation.management.commands.seed_demo import DEMO_PHOTOS, DEMO_PRODUCTS, DEMO_SHOP_URL
from generation.prompts import DEFAULT_LOCALE, discount_label, price_format, prompt_context
from generation.template_spec import template_spec_parse
from shop_video.scratch import scratch_path
from shop_video.tenancy.models import Merchant
from shop_video.tenancy.selectors import brand_kit_default

PREVIEW_PRODUCTS_LISTED = 200  # the editor's product menu: the newest, by title


def scene_preview_products(*, merchant: Merchant) -> list[Product]:
    """The products the editor offers to preview with: those with a ready photo first, newest first."""
    return list(
        Product.objects.filter(merchant=merchant, variants__isnull=False)
        .distinct()
        .order_by("-updated_at", "-pk")[:PREVIEW_PRODUCTS_LISTED]
    )


def scene_preview_render(
    *,
    merchant: Merchant,
    spec: dict,
    scene_index: int,
    product_id: int | None = None,
    aspect_ratio: str = "9:16",
    short_side: int = PREVIEW_SHORT_SIDE,
) -> bytes:
    """JPEG bytes of the scene for the product (the merchant's `product_id`, else their newest product with a
    photo, else the demo product). ValidationError for a spec that does not parse; ScenePreviewError for a scene
    that cannot be drawn; Product.DoesNotExist for a product that is not theirs."""
    parsed = template_spec_parse(spec, fps=settings.RENDER_FPS)
    kit = brand_kit_default(merchant=merchant)
    product = _product(merchant, product_id)
    subject = _subject(product, merchant, kit, parsed.options) if product else _demo_subject(merchant, kit, parsed)
    return scene_preview_draw(
        spec=parsed,
        scene_index=scene_index,
        subject=subject,
        style=template_style(parsed, kit),
        watermark=kit.watermark_position if kit and kit.logo else "none",
        backdrop_colours=(kit.primary_colour, kit.secondary_colour, kit.accent_colour) if kit else (),
        aspect_ratio=aspect_ratio,
        short_side=short_side,
    )


def _product(merchant: Merchant, product_id: int | None) -> Product | None:
    if product_id is not None:
        return Product.objects.get(merchant=merchant, pk=product_id, variants__isnull=False)
    with_photo = Product.objects.filter(
        merchant=merchant, variants__isnull=False, images__status=ProductImage.Status.READY
    )
    return with_photo.order_by("-updated_at", "-pk").first()


def _subject(product: Product, merchant: Merchant, kit, options: dict) -> PreviewSubject:
    variant = product.variants.order_by("position", "id").first()
    image = product.images.filter(status=ProductImage.Status.READY).exclude(file="").order_by("position", "id").first()
    context = prompt_context(product=product, variant=variant, brand_kit=kit, merchant=merchant, options=options)
    return _priced(context, variant, product.description, str(scratch_path(image.file)) if image else None)


def _priced(context: dict, variant, description: str, photo_path: str | None) -> PreviewSubject:
    """The prices as job_timeline writes them for the video."""
    locale = context["options"].get("locale", DEFAULT_LOCALE)
    on_sale = variant.compare_at_price is not None and variant.compare_at_price > variant.price
    return PreviewSubject(
        context=context,
        price=price_format(variant.price, variant.currency, locale),
        compare_at=price_format(variant.compare_at_price, variant.currency, locale) if on_sale else "",
        discount=discount_label(context["variant"]) if on_sale else "",
        description=description,
        photo_path=photo_path,
    )


class _DemoVariants:
    """What prompt_context reads of a product's variants, for the demo product that is not in the database."""

    def __init__(self, variant):
        self._variant = variant

    def order_by(self, *fields):
        return [self._variant]


def _demo_subject(merchant: Merchant, kit, parsed) -> PreviewSubject:
    sku, title, description, price, compare_at, photo = DEMO_PRODUCTS[0]
    variant = SimpleNamespace(
        sku=sku,
        title="",
        currency=merchant.default_currency or "USD",
        price=Decimal(price),
        compare_at_price=Decimal(compare_at) if compare_at else None,
        options={},
    )
    product = SimpleNamespace(
        title=title,
        brand="",
        description=description,
        product_type="",
        url=DEMO_SHOP_URL + sku.lower(),
        variants=_DemoVariants(variant),
        merchant=merchant,
    )
    context = prompt_context(product=product, variant=variant, brand_kit=kit, merchant=merchant, options=parsed.options)
    return _priced(context, variant, description, str(DEMO_PHOTOS / photo))
