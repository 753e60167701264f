"""Plain-language descriptions of things for the dashboard's pages (no database access)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.template_spec import (
    CtaScene,
    FeaturesScene,
    IntroScene,
    OutroScene,
    PresenterScene,
    PriceCardScene,
    ProductShotsScene,
    TitleScene,
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
            layout = {
                "full": "full frame with a product card",
                "split": "split screen beside the product",
                "pip": "picture-in-picture over the product",
            }[scene.layout]
            languages = f", script in {', '.join(sorted(scene.languages))}" if scene.languages else ""
            line = f"Presenter speaking: {seconds}, {layout}{languages}"
        else:
            line = f"{_CARD_NAMES[type(scene)]}: {seconds}"
        if scene.transition.type != "cut":
            line += f", enters with a {scene.transition.type.replace('_', ' ')}"
        lines.append(line)
    return lines


_CARD_NAMES = {
    TitleScene: "Title card with name and price",
    IntroScene: "Logo reveal",
    OutroScene: "Outro with the logo",
    PriceCardScene: "Price card (sale price and discount badge when on sale)",
    FeaturesScene: "Feature bullets from the description",
    CtaScene: "Call to action",
    PresenterScene: "Presenter",
}


# The quality report's checks in reading order: (check, what it measures, the target), and how to show a value.
_QUALITY_CHECKS = (
    ("product_coverage", "Product size in product shots", "in 9:16, ≥ 50 % of the height or 80 % of the width"),
    ("product_uncropped", "Product never cut off", "inside the frame and the safe zones"),
    ("cards_share", "Time on cards", "≤ 30 %"),
    ("time_to_first_product", "Product on screen", "within 0.5 s"),
    ("smallest_text_height", "Smallest text", "≥ 3.5 % of the height"),
    ("cta_text_height", "Call to action text", "≥ 5 % of the height"),
    ("texts_outside_safe_zone", "Texts outside the safe zones", "none"),
    ("integrated_lufs", "Loudness", "-14 ± 1 LUFS"),
    ("true_peak_dbtp", "True peak", "≤ -1 dBTP"),
)


def _quality_value(name: str, report: dict) -> str:
    if name in ("product_coverage", "product_uncropped"):
        coverage = report.get("product_coverage") or {}
        if coverage.get("height") is None:
            return "not measured"
        return f"{coverage['height']:.0%} of the height, {coverage['width']:.0%} of the width (smallest)"
    value = report.get(name)
    if value is None:
        return "not measured" if name in ("integrated_lufs", "true_peak_dbtp") else "—"
    return {
        "cards_share": f"{value:.0%}",
        "time_to_first_product": f"{value:g} s",
        "smallest_text_height": f"{value:.1%}",
        "cta_text_height": f"{value:.1%}",
        "integrated_lufs": f"{value:g} LUFS",
        "true_peak_dbtp": f"{value:g} dBTP",
    }.get(name, str(value))


def quality_rows(report: dict) -> list[dict]:
    """A rendition's quality report as table rows (label, measured, target, passed); none for a rendition made
    before reports existed, or whose report failed (the error is one row)."""
    if not report:
        return []
    if "checks" not in report:
        return [{"label": "Quality report", "measured": report.get("error", "not made"), "target": "", "passed": False}]
    return [
        {"label": label, "measured": _quality_value(name, report), "target": target, "passed": report["checks"][name]}
        for name, label, target in _QUALITY_CHECKS
        if name in report["checks"]
    ]
