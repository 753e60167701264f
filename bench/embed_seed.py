"""Seed data for bench/embed_load.py: one merchant, products that each have a succeeded two-ratio render, and
an API key. Runs inside a Django process whose database is already migrated."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone


def embed_seed(*, products: int = 50) -> dict:
    """Returns {"key": <API key>, "skus": [...]} for the load generator."""
    from catalog.services import VariantFields, product_upsert
    from generation.models import JobStatus, RenderJob, Rendition
    from generation.presets import video_templates_sync_builtin
    from shop_video.api.services import api_key_create
    from shop_video.tenancy.services import merchant_create

    template = {t.slug: t for t in video_templates_sync_builtin()}["product-showcase"]
    merchant = merchant_create(
        slug="bench", name="Bench", owner_email="owner@bench.test", owner_password="a-long-bench-password"
    )
    skus = []
    for index in range(products):
        sku = f"SKU-{index:04d}"
        product, _ = product_upsert(
            merchant=merchant,
            key=sku.lower(),
            title=f"Mug {index}",
            variants=[VariantFields(sku=sku, price=Decimal("24.00"), currency="USD")],
        )
        job = RenderJob.objects.create(
            merchant=merchant,
            product=product,
            variant=product.variants.get(),
            template=template,
            template_spec=template.spec,
            engine="motion",
            aspect_ratios=["9:16", "1:1"],
            short_side=720,
            fps=30,
            status=JobStatus.SUCCEEDED,
            progress=100,
            finished_at=timezone.now(),
        )
        for ratio, (width, height) in {"9:16": (720, 1280), "1:1": (720, 720)}.items():
            name = f"renders/bench/{job.pk}/{ratio.replace(':', 'x')}"
            Rendition.objects.create(
                job=job,
                aspect_ratio=ratio,
                file=f"{name}.mp4",
                poster=f"{name}-poster.jpg",
                preview=f"{name}-preview.webp",
                captions_vtt=f"{name}.vtt",
                width=width,
                height=height,
                duration=12.0,
                size_bytes=1_000_000,
                quality={"cards_share": 0.2},
            )
        skus.append(sku)
    _, key = api_key_create(merchant=merchant, name="storefront")
    return {"key": key, "skus": skus}
