"""Planning a render job's product_shots scenes: which engine and model family make each scene, at which sizes,
from which photos, with which camera and prompt.

Pure (no database): render_job_create runs it before anything is saved, so a scene the chosen family cannot make
is a ValidationError naming the scene and saying what to change. Presenter scenes: generation/presenter/scenes.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.assembly.timeline import rendition_size
from generation.engines.dit.family import family_get
from generation.engines.registry import engine_shots_per_aspect_ratio, engine_uses_families
from generation.template_spec import ProductShotsScene, TemplateSpec


@dataclass(frozen=True)
class ProductShot:
    scene: int
    photo: int  # index into the product's photos: every aspect ratio of one (scene, photo) shares a seed
    aspect_ratio: str
    engine: str
    width: int
    height: int
    source_image_id: int | None  # None: made from the prompt alone
    camera: str
    prompt: str
    parameters: dict
    num_frames: int


def product_shots_plan(*, spec: TemplateSpec, prompts: dict[int, tuple[str, str]], image_ids: list[int],
                       aspect_ratios: list[str], short_side: int, requested_engine: str | None = None,
                       family: str = "") -> list[ProductShot]:
    """The product shots of a job in position order: per scene, per aspect ratio (only the first for engines
    that render once and reframe), one per photo up to the scene's max_shots. `prompts` is each product_shots
    scene's (prompt, negative_prompt) by scene index; `image_ids` the product's ready photos in order."""
    shots: list[ProductShot] = []
    for scene_index, scene in enumerate(spec.scenes):
        if not isinstance(scene, ProductShotsScene):
            continue
        # The request's engine wins (a cheap motion preview of a dit template); else the scene's; else the default.
        engine = requested_engine or scene.engine or settings.DEFAULT_SHOT_ENGINE
        parameters = _shot_parameters(engine=engine, family=family if engine_uses_families(engine) else "",
                                      spec=spec, scene=scene, scene_number=scene_index + 1)
        # Engines without model families (motion: the CPU preview) animate the photo for text scenes.
        from_photo = scene.source == "photo" or "family" not in parameters
        prompt, negative_prompt = prompts[scene_index]
        if negative_prompt:
            parameters["negative_prompt"] = negative_prompt
        shot_aspect_ratios = aspect_ratios if engine_shots_per_aspect_ratio(engine) else aspect_ratios[:1]
        for aspect_ratio in shot_aspect_ratios:
            width, height = rendition_size(aspect_ratio, short_side)
            for index, image_id in enumerate(image_ids[: scene.max_shots]):
                shot_parameters = dict(parameters)
                if scene.end_frame:
                    shot_parameters["end_image_id"] = image_ids[(index + 1) % len(image_ids)]
                shots.append(ProductShot(
                    scene=scene_index, photo=index, aspect_ratio=aspect_ratio, engine=engine, width=width,
                    height=height, source_image_id=image_id if from_photo else None,
                    camera=scene.cameras[index % len(scene.cameras)], prompt=prompt, parameters=shot_parameters,
                    num_frames=scene.frames))
    return shots


def _shot_parameters(*, engine: str, family: str, spec: TemplateSpec, scene: ProductShotsScene,
                     scene_number: int) -> dict:
    """What the engine needs beyond the shot's columns. The model family: the request's, else the scene's,
    else the template's, else the platform default; refused here if it cannot do what the scene asks."""
    parameters = {}
    if engine_uses_families(engine):
        chosen = family_get(family or scene.family or spec.family or settings.DIT_DEFAULT_FAMILY)
        where = f"Scene {scene_number} asks for"
        if scene.source == "text" and chosen.t2v_pipeline is None:
            raise ValidationError(f"{where} text-to-video, which the {chosen.name} family cannot make; render it "
                                  "with --family ltx, or give the scene photos (source \"photo\").")
        if scene.end_frame and not chosen.supports_end_frame:
            raise ValidationError(f"{where} an end frame, which the {chosen.name} family cannot take; render it "
                                  "with --family ltx or wan, or set end_frame to false.")
        parameters["family"] = chosen.name
    return parameters
