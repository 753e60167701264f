"""Plain-language descriptions of things for the dashboard's pages (no database access)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.template_spec import (
    CtaScene, FeaturesScene, IntroScene, OutroScene, PresenterScene, PriceCardScene, ProductShotsScene, TitleScene,
    template_spec_parse,
)


def _seconds(frames: int, fps: int) -> str:
    return f"{frames / fps:g} s"


def scene_summary(spec: dict) -> list[str]:
    """One line per scene, e.g. "Product photos: 3 s each, up to 3 (push in, pan right)"; a broken spec says why."""
    try:
        parsed = template_spec_parse(spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        return [f"This template cannot be rendered: {'; '.join(exc.messages)}"]
    lines = []
    for scene in parsed.scenes:
        seconds = _seconds(scene.frames, parsed.fps)
        if isinstance(scene, ProductShotsScene):
            cameras = ", ".join(camera.replace("_", " ") for camera in scene.cameras)
            what = "Generated scene" if scene.source == "text" else "Product photos"
            count = "1 photo" if scene.max_shots == 1 else f"up to {scene.max_shots} photos"
            line = f"{what}: {seconds} each, {count} ({cameras})"
        elif isinstance(scene, PresenterScene):
            layout = {"full": "full frame with a product card", "split": "split screen beside the product",
                      "pip": "picture-in-picture over the product"}[scene.layout]
            languages = f", script in {', '.join(sorted(scene.languages))}" if scene.languages else ""
            line = f"Presenter speaking: {seconds}, {layout}{languages}"
        else:
            line = f"{_CARD_NAMES[type(scene)]}: {seconds}"
        if scene.transition.type != "cut":
            line += f", enters with a {scene.transition.type.replace('_', ' ')}"
        lines.append(line)
    return lines


_CARD_NAMES = {
    TitleScene: "Title card with name and price", IntroScene: "Logo reveal", OutroScene: "Outro with the logo",
    PriceCardScene: "Price card (sale price and discount badge when on sale)", FeaturesScene: "Feature bullets "
    "from the description", CtaScene: "Call to action", PresenterScene: "Presenter",
}
