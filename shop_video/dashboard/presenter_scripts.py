"""What a presenter will say: the presenter scenes of the merchant's templates and their script in the
presenter's language (a scene's scripts are written per language in its template; the presenter's language
picks one, generation.template_spec.PresenterScene.script_for)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.selectors import video_templates_visible
from generation.template_spec import PresenterScene, template_spec_parse
from shop_video.tenancy.models import Merchant


@dataclass(frozen=True)
class SceneScript:
    template_name: str
    template_slug: str
    scene: int  # 1-based, as the template editor numbers scenes
    script: str | None  # None: no script in this language
    languages: list[str]  # the languages the scene has scripts in ("" = every language is left out)


def presenter_scripts(*, merchant: Merchant, language: str) -> list[SceneScript]:
    """Every presenter scene of the templates the merchant can use, with its script in `language`."""
    rows = []
    for template in video_templates_visible(merchant=merchant):
        try:
            spec = template_spec_parse(template.spec, fps=settings.RENDER_FPS)
        except ValidationError:
            continue  # a broken template is reported where it is edited, not here
        for index, scene in enumerate(spec.scenes):
            if isinstance(scene, PresenterScene):
                rows.append(
                    SceneScript(
                        template_name=template.name,
                        template_slug=template.slug,
                        scene=index + 1,
                        script=scene.script_for(language),
                        languages=scene.languages,
                    )
                )
    return rows
