"""A render job's scenes as one Timeline per aspect ratio: cards drawn from the product, its variant and the brand
kit, product-shot scenes from their shot clips, transitions fitted, captions timed to their scenes.

Built from the database before and after the shots exist (paths are only names until the assembly opens them), so
render_job_create can check every card and caption fits before a single shot is spent (cards_check)."""

from __future__ import annotations

from dataclasses import replace

from catalog.models import ProductImage
from generation.assembly import cards, overlays
from generation.assembly.ai_label import ai_label_text
from generation.assembly.beats import cuts_on_beats
from generation.assembly.captions import Cue, caption_cues, spoken_cues
from generation.assembly.presenter_frames import card_region_clear_of_captions, product_card_fits
from generation.assembly.timeline import (
    CARD_TYPES,
    CUT,
    AiLabel,
    CallToAction,
    FeatureList,
    LogoCard,
    Music,
    PresenterClip,
    PriceCard,
    ProductCard,
    Segment,
    ShotClip,
    Style,
    Timeline,
    TitleCard,
    Transition,
    Voice,
    VoiceOver,
    rendition_size,
)
from generation.feature_bullets import description_bullets
from generation.models import RenderJob
from generation.music.composer import piece_beats
from generation.music.effects import sound_effects_for
from generation.music.library import music_mood, music_tempo
from generation.music.tempo import track_beats
from generation.prompts import DEFAULT_LOCALE, discount_label, price_format, prompt_context, prompt_render
from generation.provenance.disclosure import disclosure_script
from generation.provenance.label_spec import ai_label_resolve
from generation.provenance.sources import voice_ai_generated
from generation.template_spec import (
    CtaScene,
    FeaturesScene,
    IntroScene,
    OutroScene,
    PresenterScene,
    PriceCardScene,
    ProductShotsScene,
    SceneTransition,
    TitleScene,
    template_spec_parse,
)
from shop_video.media import private_storage
from shop_video.scratch import scratch_path
from shop_video.tenancy.selectors import brand_music_for

MIN_CAPTION_SECONDS = 0.5  # less than this on screen cannot be read
MAX_TRACK_BEATS_SECONDS = 600.0  # a merchant track's beats are found this far (then cut to the video's length)


def timeline_for_job(job: RenderJob, aspect_ratio: str) -> Timeline:
    """The job's scenes in order as one rendition's timeline: cards drawn from the product, the variant and the
    brand kit, product-shot scenes from their shot clips, captions timed to their scenes."""
    spec = template_spec_parse(job.template_spec, fps=job.fps)
    width, height = rendition_size(aspect_ratio, job.short_side)
    kit = job.brand_kit
    variant = job.variant
    context = prompt_context(
        product=job.product,
        variant=variant,
        brand_kit=kit,
        merchant=job.merchant,
        options=spec.options,
        merge_fields=job.merge_fields,
    )
    locale = context["options"].get("locale", DEFAULT_LOCALE)
    price = price_format(variant.price, variant.currency, locale)
    on_sale = variant.compare_at_price is not None and variant.compare_at_price > variant.price
    discount = discount_label(context["variant"]) if on_sale else ""
    shots = _shots_for(job, aspect_ratio)

    segments: list[Segment] = []
    scene_spans: list[tuple[int, int, str]] = []  # (first segment, segment count, caption) per captioned scene
    speeches: list[tuple[int, dict]] = []  # (segment, the shot's speech metadata) per spoken presenter scene
    for scene_index, scene in enumerate(spec.scenes):
        where = f"scene {scene_index + 1}"
        text = lambda source, name, where=where: prompt_render(source, context, field=f"{where}: {name}")  # noqa: E731
        entrance = _transition(scene.transition, spec.fps)
        if isinstance(scene, ProductShotsScene):
            scene_shots = [shot for shot in shots if shot.scene == scene_index]
            contents = [
                (
                    # A shot not rendered yet (the cards check when the job is created) has no clip to fetch.
                    ShotClip(
                        str(scratch_path(shot.file)) if shot.file else "", product_box=_product_box(shot, aspect_ratio)
                    ),
                    shot.duration,
                )
                for shot in scene_shots
            ]
        elif isinstance(scene, (IntroScene, OutroScene)):
            enabled = kit is None or (kit.intro_enabled if isinstance(scene, IntroScene) else kit.outro_enabled)
            contents = (
                [
                    (
                        LogoCard(name=context["brand"]["name"], tagline=text(scene.tagline, "tagline")),
                        scene.frames / spec.fps,
                    )
                ]
                if enabled
                else []
            )
        elif isinstance(scene, TitleScene):
            contents = [(TitleCard(title=context["product"]["title"], subtitle=price), scene.frames / spec.fps)]
        elif isinstance(scene, PriceCardScene):
            compare_at = price_format(variant.compare_at_price, variant.currency, locale) if on_sale else ""
            contents = [
                (
                    PriceCard(
                        price=price, compare_at=compare_at, discount=discount, headline=text(scene.headline, "headline")
                    ),
                    scene.frames / spec.fps,
                )
            ]
        elif isinstance(scene, FeaturesScene):
            bullets = description_bullets(
                job.merge_fields.get("description") or job.product.description, max_bullets=scene.max_bullets
            )
            # No description, no bullets: the scene is left out rather than shown empty.
            contents = (
                [(FeatureList(heading=text(scene.heading, "heading"), bullets=bullets), scene.frames / spec.fps)]
                if bullets
                else []
            )
        elif isinstance(scene, CtaScene):
            url = text(scene.url, "url")
            contents = [
                (
                    CallToAction(text=text(scene.text, "text"), url=url, qr=scene.qr and bool(url)),
                    scene.frames / spec.fps,
                )
            ]
        elif isinstance(scene, PresenterScene):
            scene_shots = [shot for shot in shots if shot.scene == scene_index]
            if not scene_shots:
                raise ValueError(f"{where} (presenter) has no host shot; render the job again")
            host = scene_shots[0]
            compare_at = price_format(variant.compare_at_price, variant.currency, locale) if on_sale else ""
            card = ProductCard(title=context["product"]["title"], price=price, compare_at=compare_at, discount=discount)
            contents = [
                (
                    PresenterClip(
                        host=str(scratch_path(host.file)) if host.file else "",
                        layout=scene.layout,
                        card=card,
                        photo=_photo_path(job, host.parameters.get("product_image_id")),
                    ),
                    scene.frames / spec.fps,
                )
            ]
            if host.metadata.get("speech"):
                speeches.append((len(segments), host.metadata["speech"]))
        else:
            raise ValueError(f"{where} ({type(scene).__name__}) cannot be assembled")
        if not contents:
            continue
        caption = text(scene.caption, "caption")
        if caption:
            scene_spans.append((len(segments), len(contents), caption))
        badge = discount if getattr(scene, "badge", False) else ""
        for number, (content, duration) in enumerate(contents):
            transition = entrance if number == 0 else _transition(spec.shot_transition, spec.fps)
            segments.append(Segment(content=content, duration=duration, transition=transition, badge=badge))

    segments = _transitions_fitted(segments, spec.fps)
    music = _music_for(job, spec)
    segments = _cuts_on_beats(segments, music, spec.fps)
    style = template_style(spec, kit)
    timeline = Timeline(
        width=width,
        height=height,
        fps=spec.fps,
        segments=tuple(segments),
        style=style,
        watermark=kit.watermark_position if kit and kit.logo else "none",
        music=music,
        burn_in_captions=spec.burn_in_captions,
        ai_label=_ai_label(spec, shots, locale, kit),
        ai_disclosure=_ai_disclosure(spec, shots, locale),
    )
    starts = timeline.starts()
    voices = tuple(
        Voice(path=str(scratch_path(speech["file"], storage=private_storage)), start=starts[index] + speech["offset"])
        for index, speech in speeches
    )
    spoken = [
        cue
        for index, speech in speeches
        for cue in spoken_cues(
            [
                (text, starts[index] + speech["offset"] + start, starts[index] + speech["offset"] + end)
                for text, start, end in speech["words"]
            ],
            max_chars_per_line=overlays.caption_line_chars((width, height), style),
        )
    ]
    captions = _in_turn([*_captions(timeline, scene_spans), *spoken], timeline.duration)
    timeline = replace(
        timeline,
        voices=voices,
        captions=captions,
        sound_effects=sound_effects_for(timeline),
        voiceover=_voiceover_for(spec, text=lambda source: prompt_render(source, context, field="voiceover: script")),
    )
    if music is not None:  # the built-in piece's beats up to its final hit; a track's within the video
        beats = (
            piece_beats(tempo=music.tempo, duration=timeline.duration)
            if music.mood
            else tuple(beat for beat in music.beats if beat < timeline.duration)
        )
        timeline = replace(timeline, music=replace(music, beats=beats))
    return timeline


def template_style(spec, kit) -> Style:
    """The brand kit's look (Style's defaults without one), with the colours the template sets over it."""
    return Style(
        background=spec.colours.get("background") or (kit.primary_colour if kit else Style.background),
        foreground=spec.colours.get("text") or (kit.secondary_colour if kit else Style.foreground),
        accent=spec.colours.get("accent") or (kit.accent_colour if kit else Style.accent),
        font_path=str(scratch_path(kit.font)) if kit and kit.font else None,
        logo_path=str(scratch_path(kit.logo)) if kit and kit.logo else None,
    )


def _music_for(job: RenderJob, spec) -> Music | None:
    """The merchant's track when the brand kit has one for the template (named, by mood, or the kit's default), else
    the built-in library's piece for the template's mood (every preset names one; else upbeat); None when the template says
    music: false. A built-in piece has no fades: it starts on its first beat and ends on its own final chord."""
    if not spec.music.enabled:
        return None
    music_name = brand_music_for(kit=job.brand_kit, track=spec.music.track, mood=spec.music.mood)
    if music_name:
        path = str(scratch_path(music_name, storage=private_storage))
        return Music(
            path=path,
            volume=spec.music.volume,
            fade_in=spec.music.fade_in,
            fade_out=spec.music.fade_out,
            beats=track_beats(path, MAX_TRACK_BEATS_SECONDS),
        )
    mood = music_mood(spec.music.mood)
    return Music(
        path="",
        volume=spec.music.volume,
        fade_in=0.0,
        fade_out=0.0,
        mood=mood,
        tempo=music_tempo(mood, spec.music.tempo),
    )


def _voiceover_for(spec, *, text) -> VoiceOver | None:
    """The template's voice-over, its script rendered for this product (spoken when the video is rendered)."""
    if spec.voiceover is None:
        return None
    return VoiceOver(script=text(spec.voiceover.script), start=spec.voiceover.start, voice=dict(spec.voiceover.voice))


def _in_turn(cues: list[Cue], duration: float) -> tuple[Cue, ...]:
    """Scene captions and spoken captions in time order, each ending by the time the next one starts (a spoken
    line running into the next scene's entrance gives way to that scene's caption)."""
    cues = sorted(cues, key=lambda cue: cue.start)
    fitted = []
    for index, cue in enumerate(cues):
        end = min(cue.end, duration, cues[index + 1].start if index + 1 < len(cues) else duration)
        if end > cue.start:
            fitted.append(replace(cue, end=end))
    return tuple(fitted)


def _photo_path(job: RenderJob, image_id: int | None) -> str | None:
    image = ProductImage.objects.filter(pk=image_id, product__merchant_id=job.merchant_id).first() if image_id else None
    return str(scratch_path(image.file)) if image is not None and image.file else None


def _transition(transition: SceneTransition, fps: int) -> Transition:
    return CUT if transition.type == "cut" else Transition(kind=transition.type, duration=transition.frames / fps)


def _transitions_fitted(segments: list[Segment], fps: int) -> list[Segment]:
    """The first segment simply starts; a transition as long as a neighbour left beside it (a scene between them
    was left out, a shot came out short) is shortened to fit, in whole frames, rather than failing the render."""
    fitted: list[Segment] = []
    for segment in segments:
        transition = segment.transition
        if not fitted:
            transition = CUT
        elif transition.kind != "cut":
            longest = min(round(segment.duration * fps), round(fitted[-1].duration * fps)) - 1
            frames = min(round(transition.duration * fps), longest)
            transition = Transition(transition.kind, frames / fps) if frames > 0 else CUT
        fitted.append(replace(segment, transition=transition))
    return fitted


def _cuts_on_beats(segments: list[Segment], music: Music | None, fps: int) -> list[Segment]:
    """Each cut (or transition's middle) moved onto the music's nearest beat within beats.SNAP_TOLERANCE: the
    track's own beats when known, else the built-in piece's, whose beat grid does not depend on its length. A shot
    is only trimmed (never held on its last frame) and a presenter's scene keeps its length (its speech)."""
    if music is None or not (music.beats or music.mood):
        return segments
    flex = [
        "fixed"
        if isinstance(segment.content, PresenterClip)
        else "shrink"
        if isinstance(segment.content, ShotClip)
        else "free"
        for segment in segments
    ]
    durations, transitions = [segment.duration for segment in segments], [s.transition.duration for s in segments]
    snapped = durations
    for _ in range(3):
        # A built-in piece is composed to the video's length and its beats stop at its final hit, so they are
        # taken for the length the snapped cuts give, until that settles (at once, or after a step or two).
        length = sum(snapped) - sum(transitions)
        beats = music.beats or piece_beats(tempo=music.tempo, duration=length)
        again = cuts_on_beats(durations, transitions, beats, fps=fps, flex=flex)
        if again == snapped:
            break
        snapped = again
    return [replace(segment, duration=duration) for segment, duration in zip(segments, snapped)]


def _captions(timeline: Timeline, scene_spans: list[tuple[int, int, str]]) -> list[Cue]:
    """Each captioned scene's text over the scene: from the end of its entrance (a caption does not appear over the
    scene that is fading out) until the next scene starts to enter."""
    starts = timeline.starts()
    cues = []
    for first, count, caption in scene_spans:
        following = first + count
        end = starts[following] if following < len(starts) else timeline.duration
        start = starts[first] + timeline.segments[first].transition.duration
        if end - start < MIN_CAPTION_SECONDS:  # a short scene between long transitions: show it from the start
            start = starts[first]
        # Lines as long as a readable caption holds at this size (short cues in 9:16, 42 columns in 16:9).
        chars = overlays.caption_line_chars((timeline.width, timeline.height), timeline.style, caption)
        cues.extend(caption_cues(caption, start, end, max_chars_per_line=chars))
    return cues


def _ai_label(spec, shots: list, locale: str, kit) -> AiLabel | None:
    """The visible label whenever a shot or the voice-over is AI-generated (or the template shows it always); its
    position and language are the template's, else the brand kit's (label_spec.ai_label_resolve)."""
    voiceover_ai = spec.voiceover is not None and voice_ai_generated(spec.voiceover.voice)
    if not (spec.ai_label.show == "always" or voiceover_ai or any(shot.ai_generated for shot in shots)):
        return None
    position, language = ai_label_resolve(
        template=spec.ai_label,
        kit_position=kit.ai_label_position if kit is not None else "",
        kit_language=kit.ai_label_language if kit is not None else "",
        locale=locale,
    )
    return AiLabel(text=ai_label_text(language), position=position)


def _ai_disclosure(spec, shots: list, locale: str) -> VoiceOver | None:
    """The spoken disclosure: by default when a voice is AI-generated (a presenter's or the voice-over), in that
    voice; "always" on any AI-generated video; "never" leaves the visible label alone."""
    voices = [shot.parameters["voice"] for shot in shots if shot.parameters.get("voice")]
    voices += [spec.voiceover.voice] if spec.voiceover is not None else []
    ai_voices = [voice for voice in voices if voice_ai_generated(voice)]
    wanted = spec.ai_label.spoken
    if wanted == "never" or not (ai_voices or (wanted == "always" and any(shot.ai_generated for shot in shots))):
        return None
    spoken_in = spec.ai_label.language or (ai_voices[0].get("language", "") if ai_voices else "") or locale
    script, language = disclosure_script(spoken_in)
    voice = ai_voices[0] if ai_voices else {"engine": "espeak", "language": language}
    return VoiceOver(script=script, start=0.0, voice=voice)


def _shots_for(job: RenderJob, aspect_ratio: str) -> list:
    """Per scene, this aspect ratio's own shots if its engine made them, else the scene's master shots (made at the
    first aspect ratio, reframed by the renderer)."""
    shots = list(job.shots.order_by("position"))
    own_scenes = {shot.scene for shot in shots if shot.aspect_ratio == aspect_ratio}
    master = job.aspect_ratios[0]
    return [
        shot
        for shot in shots
        if shot.aspect_ratio == aspect_ratio or (shot.aspect_ratio == master and shot.scene not in own_scenes)
    ]


def _product_box(shot, aspect_ratio: str) -> tuple[float, float, float, float] | None:
    """The worst-frame product box the shot's engine recorded (fractions of the shot's frame); None when it did
    not record one, or the shot is a master reframed to this aspect ratio (its box is the master frame's)."""
    box = (shot.metadata or {}).get("product_box") if shot.aspect_ratio == aspect_ratio else None
    return tuple(float(value) for value in box) if box and len(box) == 4 else None


def cards_check(timeline: Timeline) -> None:
    """Lay out every card and caption of a timeline as the assembly will, without painting: a text that cannot
    fit raises ValueError saying which, here and now rather than after the shots are made."""
    size = (timeline.width, timeline.height)
    for segment in timeline.segments:
        if isinstance(segment.content, CARD_TYPES):
            cards.card_fits(segment.content, size, timeline.style)
        elif isinstance(segment.content, PresenterClip):
            product_card_fits(
                segment.content.card,
                size,
                timeline.style,
                card_region_clear_of_captions(segment.content.layout, size, timeline.style),
            )
    for cue in timeline.captions if timeline.burn_in_captions else ():
        overlays.caption_fits(cue.text, size, timeline.style)
    if timeline.voiceover is not None:
        _voiceover_fits(timeline.voiceover, timeline.duration)


def _voiceover_fits(voiceover: VoiceOver, duration: float) -> None:
    """The voice-over spoken now (espeak takes ~20 ms; cached) to check it can be and ends before the video does."""
    from generation.presenter.speech import VoiceSpec
    from generation.presenter.tts import TtsError, speech_duration

    try:
        spoken = speech_duration(text=voiceover.script, voice=VoiceSpec(**voiceover.voice))
    except (TtsError, TypeError) as exc:
        raise ValueError(f"the voice-over cannot be spoken: {exc}") from None
    if voiceover.start + spoken > duration:
        raise ValueError(
            f"the voice-over takes {spoken:.1f} s to say from {voiceover.start:g} s, past the end of the "
            f"{duration:.1f} s video; shorten its script"
        )
