"""One still of one scene of a template, for a product, drawn by the assembly's own code at a small size: what the
template editor shows beside its form and the gallery shows on a template's card before any video exists.

Cards are cards.card_background + cards.card_layer (a card's entrance settles on exactly that still); a
product_shots scene is the motion engine's own first frame of the shot; a presenter scene is the product photo
with the presenter's product card (the host is drawn by the GPU worker, not here). The caption, the discount
badge and the watermark are overlays.py's, as in the video. Pure drawing: the caller gives the parsed spec,
the texts' context and a local photo path, and gets JPEG bytes back.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from PIL import Image

from generation.assembly import cards, overlays
from generation.assembly.frame_sources import Overlay
from generation.assembly.presenter_frames import (
    card_region_clear_of_captions,
    photo_fitted,
    product_card_layer,
)
from generation.assembly.timeline import (
    CallToAction,
    FeatureList,
    LogoCard,
    PriceCard,
    ProductCard,
    Style,
    TitleCard,
    rendition_size,
)
from generation.engines.base import EngineError, ShotRequest
from generation.engines.motion import MotionEngine
from generation.feature_bullets import description_bullets
from generation.prompts import prompt_render
from generation.template_spec import (
    CtaScene,
    FeaturesScene,
    IntroScene,
    OutroScene,
    PresenterScene,
    PriceCardScene,
    ProductShotsScene,
    TemplateSpec,
    TitleScene,
)

PREVIEW_SHORT_SIDE = 360  # a phone-sized frame in the editor: drawn in well under a second on one core
JPEG_QUALITY = 88


class ScenePreviewError(ValueError):
    """The scene cannot be drawn for this product; the message says what to change."""


@dataclass(frozen=True)
class PreviewSubject:
    """What a scene shows of a product: the texts' context (generation.prompts.prompt_context), the prices as
    the video writes them, its description and a local path to its photo (None: it has none)."""

    context: dict
    price: str
    compare_at: str  # "" unless on sale
    discount: str  # "-25%" while on sale, else ""
    description: str
    photo_path: str | None


def scene_preview_draw(
    *,
    spec: TemplateSpec,
    scene_index: int,
    subject: PreviewSubject,
    style: Style,
    watermark: str = "none",
    backdrop_colours: tuple[str, ...] = (),
    aspect_ratio: str = "9:16",
    short_side: int = PREVIEW_SHORT_SIDE,
) -> bytes:
    """The scene at rest as JPEG bytes, `short_side` pixels on its short side. `backdrop_colours`: what the shot
    runner gives the motion engine for its backdrop (the brand kit's; none: neutral). ScenePreviewError when a text
    cannot be rendered or does not fit (the same refusals the render would make)."""
    if not 0 <= scene_index < len(spec.scenes):
        raise ScenePreviewError(f"There is no scene {scene_index + 1}; the template has {len(spec.scenes)}.")
    scene = spec.scenes[scene_index]
    where = f"scene {scene_index + 1}"
    size = rendition_size(aspect_ratio, short_side)

    def text(source: str, name: str) -> str:
        try:
            return prompt_render(source, subject.context, field=f"{where}: {name}")
        except ValidationError as exc:
            raise ScenePreviewError(" ".join(exc.messages)) from None

    try:
        frame = _scene_frame(scene, spec, subject, style, size, text, backdrop_colours)
        if spec.burn_in_captions and not isinstance(scene, PresenterScene):
            caption = text(scene.caption, "caption")
            if caption:
                Overlay(overlays.caption_layer(caption, size, style), size).blend_onto(frame)
        if getattr(scene, "badge", False) and subject.discount:
            Overlay(overlays.badge_layer(subject.discount, size, style), size).blend_onto(frame)
        mark = overlays.watermark_layer(style, size, watermark)
        if mark is not None:
            Overlay(mark, size).blend_onto(frame)
    except (ValueError, EngineError) as exc:  # a text too long for its card, a photo that cannot be read
        if isinstance(exc, ScenePreviewError):
            raise
        raise ScenePreviewError(f"{where}: {exc}.") from None
    out = io.BytesIO()
    Image.fromarray(frame).save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _scene_frame(scene, spec: TemplateSpec, subject: PreviewSubject, style: Style, size, text, backdrop) -> np.ndarray:
    if isinstance(scene, ProductShotsScene):
        return _product_shot(scene, spec, subject, style, size, backdrop)
    if isinstance(scene, PresenterScene):
        return _presenter(scene, subject, style, size)
    content = _card_content(scene, subject, text)
    frame = cards.card_background(size, style).copy()
    Overlay(cards.card_layer(content, size, style), size).blend_onto(frame)
    return frame


def _card_content(scene, subject: PreviewSubject, text):
    """What the card shows, as job_timeline builds it for the video."""
    context = subject.context
    if isinstance(scene, (IntroScene, OutroScene)):
        return LogoCard(name=context["brand"]["name"], tagline=text(scene.tagline, "tagline"))
    if isinstance(scene, TitleScene):
        return TitleCard(title=context["product"]["title"], subtitle=subject.price)
    if isinstance(scene, PriceCardScene):
        return PriceCard(
            price=subject.price,
            compare_at=subject.compare_at,
            discount=subject.discount,
            headline=text(scene.headline, "headline"),
        )
    if isinstance(scene, FeaturesScene):
        bullets = description_bullets(subject.description, max_bullets=scene.max_bullets)
        if not bullets:  # the video leaves the scene out; say so rather than draw an empty list
            return TitleCard(title="Left out for this product", subtitle="it has no description to list")
        return FeatureList(heading=text(scene.heading, "heading"), bullets=bullets)
    if isinstance(scene, CtaScene):
        url = text(scene.url, "url")
        return CallToAction(text=text(scene.text, "text"), url=url, qr=scene.qr and bool(url))
    raise ScenePreviewError(f"A {type(scene).__name__} has no preview.")


def _product_shot(scene: ProductShotsScene, spec: TemplateSpec, subject: PreviewSubject, style: Style, size, backdrop):
    """The motion engine's first frame of the scene's first shot (its first camera), as the worker makes it."""
    if subject.photo_path is None:
        return _no_photo(size, style)
    request = ShotRequest(
        width=size[0],
        height=size[1],
        fps=spec.fps,
        num_frames=1,
        image_path=subject.photo_path,
        camera=scene.cameras[0],
        parameters={"brand_colours": list(backdrop)} if backdrop else {},
    )
    return np.ascontiguousarray(MotionEngine().generate(request).frames[0])


def _presenter(scene: PresenterScene, subject: PreviewSubject, style: Style, size):
    """The product photo with the presenter's product card (the host is drawn by the worker)."""
    frame = photo_fitted(subject.photo_path, size) if subject.photo_path else _no_photo(size, style)
    card = ProductCard(
        title=subject.context["product"]["title"],
        price=subject.price,
        compare_at=subject.compare_at,
        discount=subject.discount,
    )
    region = card_region_clear_of_captions(scene.layout, size, style)
    Overlay(product_card_layer(card, size, style, region), size).blend_onto(frame)
    return frame


def _no_photo(size, style: Style) -> np.ndarray:
    frame = cards.card_background(size, style).copy()
    content = TitleCard(title="No photo yet", subtitle="add one on the product's page")
    Overlay(cards.card_layer(content, size, style), size).blend_onto(frame)
    return frame
