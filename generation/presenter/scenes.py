"""Planning a render job's presenter scenes: which presenter speaks, what they say for this product, whether it
fits the scene, and the shots (one per aspect ratio on the CPU engine, one reframed on the GPU engine).

Runs in render_job_create before anything is saved: every refusal is a ValidationError naming the template,
scene and SKU and saying what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.assembly.presenter_layout import host_box
from generation.assembly.timeline import rendition_size
from generation.engines.registry import engine_shots_per_aspect_ratio
from generation.models import Presenter
from generation.presenter.selectors import PresenterNotFound, presenter_default, presenter_get
from generation.presenter.services import presenter_voice
from generation.presenter.tts import TtsError, speech_duration
from generation.prompts import prompt_render
from generation.template_spec import PRESENTER_ENGINES, PresenterScene, TemplateSpec
from shop_video.tenancy.models import Merchant

LEAD_IN_SECONDS = 0.4  # the host looks at the camera before speaking
TAIL_SECONDS = 0.4  # and finishes the sentence before the next scene starts


@dataclass(frozen=True)
class PresenterShot:
    scene: int
    aspect_ratio: str
    engine: str
    width: int
    height: int
    script: str
    parameters: dict


def presenter_shots_plan(
    *,
    merchant: Merchant,
    spec: TemplateSpec,
    context: dict,
    requested_engine: str | None,
    aspect_ratios: list[str],
    short_side: int,
    template_slug: str,
    sku: str,
    product_image_id: int | None,
    presenter: Presenter | None = None,
) -> list[PresenterShot]:
    """The presenter shots of a job. A scene's own presenter (by slug) wins over `presenter` (the caller's choice,
    e.g. a live room's), which wins over the merchant's default."""
    if presenter is not None and presenter.merchant_id != merchant.pk:
        raise ValidationError(f"Presenter {presenter.slug!r} is not one of {merchant.slug!r}'s presenters.")
    shots: list[PresenterShot] = []
    for index, scene in enumerate(spec.scenes):
        if not isinstance(scene, PresenterScene):
            continue
        where = f"Template {template_slug!r} scene {index + 1} (presenter)"
        speaker = _presenter_for(merchant, scene, where, presenter)
        script = _script_for(scene, speaker, context, where)
        _script_fits(script, speaker, seconds=scene.frames / spec.fps, where=where, sku=sku)
        engine = scene.engine or _engine_for(requested_engine)
        shot_aspect_ratios = aspect_ratios if engine_shots_per_aspect_ratio(engine) else aspect_ratios[:1]
        voice = presenter_voice(speaker)
        parameters = {
            "presenter_id": speaker.pk,
            "script": script,
            "layout": scene.layout,
            "voice": {"engine": voice.engine, "voice": voice.voice, "speed": voice.speed, "language": voice.language},
            "framing": scene.framing or speaker.framing,
            "face": list(speaker.face or []),
            "speech_offset": LEAD_IN_SECONDS,
            "product_image_id": product_image_id,
        }
        for aspect_ratio in shot_aspect_ratios:
            box = host_box(scene.layout, *rendition_size(aspect_ratio, short_side))
            shots.append(
                PresenterShot(
                    scene=index,
                    aspect_ratio=aspect_ratio,
                    engine=engine,
                    width=box.width,
                    height=box.height,
                    script=script,
                    parameters=dict(parameters),
                )
            )
    return shots


def _engine_for(requested_engine: str | None) -> str:
    """A job rendered on the GPU (engine dit) uses the GPU presenter; otherwise the configured one."""
    if requested_engine in PRESENTER_ENGINES:
        return requested_engine
    return "presenter" if requested_engine == "dit" else settings.PRESENTER_ENGINE


def _presenter_for(merchant: Merchant, scene: PresenterScene, where: str, chosen: Presenter | None) -> Presenter:
    if scene.presenter:
        try:
            return presenter_get(merchant=merchant, slug=scene.presenter)
        except PresenterNotFound as exc:
            raise ValidationError(
                f"{where} asks for presenter {scene.presenter!r}: {exc} Create it (POST "
                "/api/v1/presenters or the admin) or change the scene's presenter."
            ) from None
    presenter = chosen or presenter_default(merchant=merchant)
    if presenter is None:
        raise ValidationError(
            f"{where} needs a presenter, and {merchant.slug!r} has none yet; create one with a "
            "photo and a voice (POST /api/v1/presenters or the admin), or render another template."
        )
    return presenter


def _script_for(scene: PresenterScene, presenter: Presenter, context: dict, where: str) -> str:
    source = scene.script_for(presenter.language)
    if source is None:
        raise ValidationError(
            f"{where} has no script in {presenter.language!r}, the language of presenter "
            f"{presenter.slug!r} (it has {', '.join(scene.languages)}); add a "
            f'"{presenter.language}" script, or choose a presenter who speaks one of those.'
        )
    try:
        script = prompt_render(source, context, field=f"{where}: script")
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
    # A benefit that ends in a full stop followed by the template's own: "paper.." reads (and captions) as "paper."
    script = re.sub(r"([.!?。！？])\s*\.", r"\1", script)
    if not script.strip():
        raise ValidationError(
            f"{where}: the script renders empty for this product; write text that does not depend only on empty fields."
        )
    return script


def _script_fits(script: str, presenter: Presenter, *, seconds: float, where: str, sku: str) -> None:
    try:
        spoken = speech_duration(text=script, voice=presenter_voice(presenter))
    except TtsError as exc:
        raise ValidationError(f"{where}: presenter {presenter.slug!r} cannot say the script: {exc}") from None
    needed = LEAD_IN_SECONDS + spoken + TAIL_SECONDS
    if needed > seconds:
        raise ValidationError(
            f"{where}: for SKU {sku} the script takes {spoken:.1f} s to say ({needed:.1f} s with "
            f"the lead-in and the pause after), but the scene lasts {seconds:.1f} s. Shorten the "
            f"script, or make the scene's duration at least {needed + 0.05:.1f}."
        )
