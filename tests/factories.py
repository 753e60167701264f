"""Plain functions that build test data through the real services."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw

from catalog.services import VariantFields, product_image_add, product_upsert
from shop_video.tenancy.services import merchant_create


def merchant_make(*, slug: str, email: str | None = None):
    return merchant_create(
        slug=slug, name=slug.title(), owner_email=email or f"owner@{slug}.test", owner_password="a-long-test-password"
    )


def photo_bytes(
    *, width: int = 320, height: int = 240, colour=(200, 40, 40), fmt: str = "JPEG", seed: int = 0
) -> bytes:
    """A photo-like test image: a coloured product block on a light background, different per seed."""
    image = Image.new("RGB", (width, height), (235, 235, 230))
    draw = ImageDraw.Draw(image)
    inset = 20 + (seed * 7) % 30
    draw.rectangle([inset, inset, width - inset, height - inset], fill=colour)
    draw.ellipse([width // 3, height // 3, width // 2, height // 2], fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def product_make(
    *, merchant, sku: str, photos: int = 1, title: str = "Ceramic Mug", price: str = "24.00", currency: str = "USD"
):
    product, _ = product_upsert(
        merchant=merchant,
        key=sku.lower(),
        title=title,
        variants=[VariantFields(sku=sku, price=Decimal(price), currency=currency)],
    )
    for index in range(photos):
        product_image_add(product=product, data=photo_bytes(seed=index, colour=(40 * index % 255, 90, 160)))
    return product


PORTRAIT = Path(__file__).resolve().parents[1] / "catalog" / "demo_photos" / "astronaut-portrait-print.jpg"


def portrait_bytes() -> bytes:
    """A real front-facing portrait with exactly one face (NASA, public domain; catalog/demo_photos/CREDITS.md)."""
    return PORTRAIT.read_bytes()


def two_faces_bytes() -> bytes:
    """The portrait twice, side by side: two faces."""
    with Image.open(PORTRAIT) as portrait:
        pair = Image.new("RGB", (portrait.width * 2, portrait.height))
        pair.paste(portrait, (0, 0))
        pair.paste(portrait, (portrait.width, 0))
    out = io.BytesIO()
    pair.save(out, format="JPEG", quality=90)
    return out.getvalue()


def presenter_make(*, merchant, slug: str = "host", **fields):
    from generation.presenter.services import presenter_create

    return presenter_create(
        merchant=merchant, name=fields.pop("name", slug.title()), slug=slug, avatar=portrait_bytes(), **fields
    )
