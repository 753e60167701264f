"""The presenter form: one voice picker (engine and voice together), bounded fields, and reserved slugs refused.

What a presenter must be (one face in the photo, a voice the engine has) is generation.presenter.services'
to decide; this form only shapes and bounds the request."""

from __future__ import annotations

from django import forms
from django.conf import settings

from generation.models import PresenterFraming
from generation.presenter.tts import SPEED_MAX, SPEED_MIN, TtsError, tts_get

RESERVED_SLUGS = ("new", "voice-sample")  # the presenters pages' own addresses
DEFAULT_VOICE = "espeak:"


def voice_choices() -> list[tuple[str, object]]:
    """("engine:voice", label) grouped per engine; "engine:" is the language's default voice of that engine."""
    groups: list[tuple[str, object]] = [(DEFAULT_VOICE, "The language's default voice")]
    for engine in settings.PRESENTER_TTS_ENGINES:
        try:
            names = tts_get(engine).voices()
        except TtsError:
            continue  # an engine that is not installed offers no voices
        if engine == "espeak":
            from generation.presenter.tts_espeak import espeak_voices_described

            labels = {voice.name: f"{voice.title} ({voice.name})" for voice in espeak_voices_described()}
        else:
            labels = {}
        if names:
            groups.append((engine, [(f"{engine}:{name}", labels.get(name, name)) for name in names]))
    return groups


class PresenterForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, help_text="How the presenter is listed, e.g. Maya.")
    slug = forms.SlugField(
        label="Short name",
        max_length=64,
        required=False,
        help_text="Letters, digits and hyphens; templates name a presenter by it. Blank: made from the name.",
    )
    avatar = forms.FileField(
        label="Photo",
        required=False,
        help_text="A front-facing, well-lit photo of the presenter alone (JPEG, PNG or WebP, up to 15 MB).",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    voice = forms.ChoiceField(label="Voice", initial=DEFAULT_VOICE)
    speed = forms.FloatField(
        label="Speaking speed",
        min_value=SPEED_MIN,
        max_value=SPEED_MAX,
        initial=1.0,
        help_text=f"{SPEED_MIN} to {SPEED_MAX}; 1.0 is normal.",
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    language = forms.RegexField(
        label="Language",
        regex=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
        max_length=16,
        initial="en",
        error_messages={"invalid": "Give a language tag such as en, de or pt-br."},
        help_text="Presenter scenes say their script written in this language (en, de, pt-br…).",
    )
    framing = forms.ChoiceField(label="Framing", choices=PresenterFraming.choices, initial=PresenterFraming.CHEST)
    is_default = forms.BooleanField(
        label="The shop's default presenter",
        required=False,
        help_text="Presenter scenes and live rooms use the default unless they name another.",
    )

    def __init__(self, *args, photo_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["voice"].choices = voice_choices()
        self.fields["avatar"].required = photo_required

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"{slug!r} is a word the dashboard uses; choose another short name.")
        return slug

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and avatar.size > settings.IMAGE_MAX_BYTES:
            raise forms.ValidationError(
                f"The photo is {avatar.size:,} bytes; the limit is {settings.IMAGE_MAX_BYTES:,} bytes. "
                "Send a smaller photo (the face only needs a few hundred pixels)."
            )
        return avatar

    def service_fields(self) -> dict:
        """The cleaned form as presenter_create / presenter_update keywords."""
        data = self.cleaned_data
        engine, _, voice = data["voice"].partition(":")
        fields = {
            "name": data["name"].strip(),
            "tts_engine": engine,
            "voice": voice,
            "speed": data["speed"],
            "language": data["language"].lower(),
            "framing": data["framing"],
        }
        # Ticking makes this one the default; unticking changes nothing (the shop keeps a default presenter, and
        # its first presenter is the default: another one is made the default to change it).
        if data["is_default"]:
            fields["is_default"] = True
        if data["slug"]:
            fields["slug"] = data["slug"]
        if data.get("avatar"):
            fields["avatar"] = data["avatar"]
        return fields
