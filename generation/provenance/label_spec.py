"""A template's `ai_label` settings: where the visible label goes and in which language. It cannot be hidden: on a
rendition with any AI-generated part the label is always drawn, so a template asking to hide it is refused with
the reason (docs/provenance.md). A position or language the template leaves out is the brand kit's
(BrandKit.ai_label_position / ai_label_language), else auto / the video's language: ai_label_resolve."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from generation.assembly.timeline import AI_LABEL_POSITIONS

# The label in each language it is written in (a language code's first part picks it); English otherwise.
AI_LABEL_TEXTS = {
    "en": "AI-generated",
    "de": "KI-generiert",
    "fr": "Généré par IA",
    "es": "Generado con IA",
    "it": "Generato con IA",
    "pt": "Gerado por IA",
    "nl": "AI-gegenereerd",
    "pl": "Wygenerowano przez AI",
    "sv": "AI-genererad",
    "da": "AI-genereret",
    "ja": "AI生成",
    "zh": "AI生成",
    "ko": "AI 생성",
}
SHOW_CHOICES = ("auto", "always")  # auto: when any part is AI-generated; always: on every rendition
FIELDS = ("position", "language", "show", "spoken")
# auto: spoken when a voice in the video is AI-generated; always: whenever any part is; never: the visible label only
SPOKEN_CHOICES = ("auto", "always", "never")
HIDE_REFUSAL = (
    "ai_label.show: the AI-generated label cannot be hidden. It is shown only on renditions with an AI-generated "
    "part (DiT shots, the GPU presenter, a neural voice), where the rules (China's labelling measures, EU AI Act "
    "article 50) require a visible label; render with the motion engine for videos without it, or use "
    '"show": "auto" (the default) or "always".'
)


@dataclass(frozen=True)
class AiLabelSettings:
    position: str = ""  # "": the brand kit's, else auto
    language: str = ""  # "": the brand kit's, else the template's options.locale
    show: str = "auto"
    spoken: str = "auto"  # the spoken disclosure at the end (disclosure.py)


def ai_label_parse(raw: Any) -> AiLabelSettings:
    if raw is None:
        return AiLabelSettings()
    if not isinstance(raw, dict):
        raise ValidationError(f'ai_label must be an object such as {{"position": "top-right"}}, got {raw!r}.')
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ValidationError(f"ai_label.{unknown[0]} is not a setting; ai_label takes {', '.join(FIELDS)}.")
    show = raw.get("show", "auto")
    if show is False or show in ("never", "none", "hidden", "off"):
        raise ValidationError(HIDE_REFUSAL)
    if show is True:
        show = "always"
    if show not in SHOW_CHOICES:
        raise ValidationError(f"ai_label.show must be one of {', '.join(SHOW_CHOICES)}, got {show!r}.")
    position = raw.get("position", "")
    if position == "none":
        raise ValidationError(HIDE_REFUSAL.replace("ai_label.show", "ai_label.position"))
    if position != "" and position not in AI_LABEL_POSITIONS:
        raise ValidationError(
            f"ai_label.position must be one of {', '.join(AI_LABEL_POSITIONS)} (corners of the safe area), "
            f"got {position!r}."
        )
    language = raw.get("language", "")
    if not isinstance(language, str) or len(language) > 16:
        raise ValidationError(f'ai_label.language must be a language code such as "de", got {language!r}.')
    spoken = raw.get("spoken", "auto")
    if isinstance(spoken, bool):
        spoken = "always" if spoken else "never"
    if spoken not in SPOKEN_CHOICES:
        raise ValidationError(f"ai_label.spoken must be one of {', '.join(SPOKEN_CHOICES)}, got {spoken!r}.")
    return AiLabelSettings(position=position, language=language, show=show, spoken=spoken)


def ai_label_resolve(
    *, template: AiLabelSettings, kit_position: str, kit_language: str, locale: str
) -> tuple[str, str]:
    """The visible label's (position, language): the template's where it sets them, else the brand kit's, else
    auto and the video's locale."""
    return template.position or kit_position or "auto", template.language or kit_language or locale
