"""Planning a render job's product_shots scenes: which engine and model family make each scene, at which sizes,
from which photos, with which camera and prompt.

Pure (no database): render_job_create runs it before anything is saved, so a scene the chosen family cannot make
is a ValidationError naming the scene and saying what to change. Presenter scenes: generation/presenter/scenes.py.

Photos: the scenes take the product's photos in turn (a second scene starts where the first stopped), and on a
cheap engine (one that renders every aspect ratio: motion) every photo is used: a scene holding more photos than
its max_shots shows each for a shorter time, so the scene keeps its length. A product with fewer photos than
max_shots (one photo, typically) gets detail shots to fill the scene: close-ups of its photos' most salient regions
(parameters["detail"] = the region's rank; the engine finds the region, since planning never looks at pixels).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.assembly.timeline import rendition_size
from generation.engines.dit.family import family_get
from generation.engines.registry import engine_shots_per_aspect_ratio, engine_uses_families
from generation.template_spec import ProductShotsScene, TemplateSpec

# A scene holding more photos than its max_shots shortens each shot, down to this.
MIN_SHOT_SECONDS = 1.0


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
    detail: int | None = None  # a detail shot: the rank of the salient region it frames (0: the most salient)


def product_shots_plan(
    *,
    spec: TemplateSpec,
    prompts: dict[int, tuple[str, str]],
    image_ids: list[int],
    aspect_ratios: list[str],
    short_side: int,
    requested_engine: str | None = None,
    family: str = "",
) -> list[ProductShot]:
    """The product shots of a job in position order: per scene, per aspect ratio (only the first for engines
    that render once and reframe), one per photo up to the scene's max_shots. `prompts` is each product_shots
    scene's (prompt, negative_prompt) by scene index; `image_ids` the product's ready photos in order."""
    shots: list[ProductShot] = []
    next_photo = 0  # where the next photo scene starts in the product's photos
    for scene_index, scene in enumerate(spec.scenes):
        if not isinstance(scene, ProductShotsScene):
            continue
        # The request's engine wins (a cheap motion preview of a dit template); else the scene's; else the default.
        engine = requested_engine or scene.engine or settings.DEFAULT_SHOT_ENGINE
        parameters = _shot_parameters(
            engine=engine,
            family=family if engine_uses_families(engine) else "",
            spec=spec,
            scene=scene,
            scene_number=scene_index + 1,
        )
        # Engines without model families (motion: the CPU preview) animate the photo for text scenes.
        from_photo = scene.source == "photo" or "family" not in parameters
        prompt, negative_prompt = prompts[scene_index]
        if negative_prompt:
            parameters["negative_prompt"] = negative_prompt
        cheap = engine_shots_per_aspect_ratio(engine)
        frames, slots = _scene_slots(
            scene=scene,
            spec=spec,
            photos=len(image_ids),
            start=next_photo,
            remaining=_photos_left(spec, scene_index, len(image_ids), next_photo),
            cheap_photos=from_photo and cheap and "family" not in parameters,
        )
        if from_photo and image_ids:
            next_photo = (next_photo + sum(1 for _, detail in slots if detail is None)) % len(image_ids)
        shot_aspect_ratios = aspect_ratios if cheap else aspect_ratios[:1]
        for aspect_ratio in shot_aspect_ratios:
            width, height = rendition_size(aspect_ratio, short_side)
            for number, (index, detail) in enumerate(slots):
                shot_parameters = dict(parameters)
                if scene.end_frame:
                    shot_parameters["end_image_id"] = image_ids[(index + 1) % len(image_ids)]
                if detail is not None:
                    shot_parameters["detail"] = detail
                shots.append(
                    ProductShot(
                        scene=scene_index,
                        photo=index,
                        aspect_ratio=aspect_ratio,
                        engine=engine,
                        width=width,
                        height=height,
                        source_image_id=image_ids[index] if from_photo else None,
                        camera=scene.cameras[number % len(scene.cameras)],
                        prompt=prompt,
                        parameters=shot_parameters,
                        num_frames=frames,
                        detail=detail,
                    )
                )
    return shots


def _photos_left(spec: TemplateSpec, scene_index: int, photos: int, start: int) -> int | None:
    """Photos the scenes from this one on must still show so every photo is used; None when the later photo
    scenes can hold them without this one taking more than its max_shots."""
    later = [scene for scene in spec.scenes[scene_index:] if isinstance(scene, ProductShotsScene)]
    unused = max(0, photos - start)
    capacity = sum(scene.max_shots for scene in later)
    return unused if unused > capacity else None


def _scene_slots(
    *, scene: ProductShotsScene, spec: TemplateSpec, photos: int, start: int, remaining: int | None, cheap_photos: bool
) -> tuple[int, list[tuple[int, int | None]]]:
    """A scene's shots as (photo index, detail rank or None), and the frames of each. It takes max_shots photos
    from `start` in turn; the last photo scene takes every photo not yet used on a cheap engine (`remaining`,
    shortening its shots so the scene keeps its length); fewer photos than max_shots are followed by detail shots
    (the first photo's most salient region, the next photo's, ..., then each photo's second region)."""
    if photos == 0:
        return scene.frames, [(0, None)]
    count = min(scene.max_shots, photos)
    frames = scene.frames
    if cheap_photos and remaining is not None and remaining > count and _last_photo_scene(spec, scene):
        shortest = max(1, round(MIN_SHOT_SECONDS * spec.fps))
        frames = max(min(scene.frames, shortest), round(scene.frames * scene.max_shots / remaining))
        count = remaining
    slots: list[tuple[int, int | None]] = [((start + offset) % photos, None) for offset in range(count)]
    if cheap_photos and photos < scene.max_shots:  # fewer photos than shots: close-ups of them fill the scene
        slots += [((start + extra) % photos, extra // photos) for extra in range(scene.max_shots - photos)]
    return frames, slots


def _last_photo_scene(spec: TemplateSpec, scene: ProductShotsScene) -> bool:
    return scene is [candidate for candidate in spec.scenes if isinstance(candidate, ProductShotsScene)][-1]


def _shot_parameters(
    *, engine: str, family: str, spec: TemplateSpec, scene: ProductShotsScene, scene_number: int
) -> dict:
    """What the engine needs beyond the shot's columns. The model family: the request's, else the scene's,
    else the template's, else the platform default; refused here if it cannot do what the scene asks."""
    parameters = {}
    if engine_uses_families(engine):
        chosen = family_get(family or scene.family or spec.family or settings.DIT_DEFAULT_FAMILY)
        where = f"Scene {scene_number} asks for"
        if scene.source == "text" and chosen.t2v_pipeline is None:
            raise ValidationError(
                f"{where} text-to-video, which the {chosen.name} family cannot make; render it "
                'with --family ltx, or give the scene photos (source "photo").'
            )
        if scene.end_frame and not chosen.supports_end_frame:
            raise ValidationError(
                f"{where} an end frame, which the {chosen.name} family cannot take; render it "
                "with --family ltx or wan, or set end_frame to false."
            )
        parameters["family"] = chosen.name
    return parameters
