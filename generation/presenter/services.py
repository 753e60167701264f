"""Writes of presenter profiles: the photo is checked (a real image with exactly one face) and stored normalised,
the voice is checked against the TTS engine, and a merchant has at most one default presenter."""

from __future__ import annotations

import io
import re

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image

from catalog.images import ImageRejected, image_normalise
from generation.models import Presenter, PresenterFraming
from generation.presenter.face import AvatarError, avatar_face
from generation.presenter.speech import VoiceSpec
from generation.presenter.tts import TtsError, tts_get
from shop_video.tenancy.models import Merchant

PRESENTER_EDITABLE_FIELDS = (
    "name",
    "slug",
    "avatar",
    "tts_engine",
    "voice",
    "speed",
    "language",
    "framing",
    "is_default",
)
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
MAX_AVATAR_BYTES = 15 * 1024 * 1024


def presenter_create(*, merchant: Merchant, name: str, avatar, **fields) -> Presenter:
    """A new presenter; the merchant's first is its default. ValidationError {field: [message]} says what to change
    and stores nothing."""
    if "is_default" not in fields:
        fields["is_default"] = not Presenter.objects.filter(merchant=merchant, is_default=True).exists()
    fields.setdefault("slug", slugify(name)[:64] or "presenter")
    return presenter_update(presenter=Presenter(merchant=merchant), name=name, avatar=avatar, **fields)


@transaction.atomic
def presenter_update(*, presenter: Presenter, **fields) -> Presenter:
    """Change a presenter (saving it if new). A new avatar upload is normalised and must show exactly one face;
    making one the default unsets the merchant's previous default."""
    unknown = sorted(set(fields) - set(PRESENTER_EDITABLE_FIELDS))
    if unknown:
        raise TypeError(f"presenter fields {unknown} cannot be edited; editable: {PRESENTER_EDITABLE_FIELDS}")
    errors: dict[str, list[str]] = {}
    avatar = fields.pop("avatar", None)
    for name, value in fields.items():
        setattr(presenter, name, value)
    content = None
    if avatar is not None:
        try:
            content, presenter.face = avatar_clean(avatar)
        except ValidationError as exc:
            errors["avatar"] = exc.messages
    elif not presenter.avatar:
        errors["avatar"] = ["Upload a photo of the presenter: front-facing, well lit, alone in the picture."]
    _voice_check(presenter, errors)
    if Presenter.objects.filter(merchant=presenter.merchant, slug=presenter.slug).exclude(pk=presenter.pk).exists():
        errors.setdefault("slug", []).append(f"You already have a presenter {presenter.slug!r}; choose another slug.")
    if presenter.is_default:
        Presenter.objects.filter(merchant=presenter.merchant, is_default=True).exclude(pk=presenter.pk).update(
            is_default=False
        )
    try:
        presenter.full_clean(exclude=["avatar", *errors], validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    if errors:
        transaction.set_rollback(True)
        raise ValidationError(errors)
    if content is not None:  # stored only once everything else is valid: a refusal leaves no stray photo
        presenter.avatar.save("photo.jpg", content, save=False)  # upload_to: <merchant key>/presenters/<random>
    presenter.save()
    return presenter


def presenter_delete(*, presenter: Presenter) -> None:
    """Delete a presenter; if it was the default, the merchant's next presenter becomes the default."""
    with transaction.atomic():
        was_default = presenter.is_default
        merchant = presenter.merchant
        presenter.delete()
        if was_default:
            successor = Presenter.objects.filter(merchant=merchant).order_by("slug").first()
            if successor is not None:
                Presenter.objects.filter(pk=successor.pk).update(is_default=True)


def avatar_clean(upload) -> tuple[ContentFile, list[int]]:
    """The upload as a normalised sRGB JPEG and its face box [x, y, w, h]; ValidationError says what to change."""
    data = upload if isinstance(upload, bytes) else _read_limited(upload)
    try:
        normalised = image_normalise(data)
    except ImageRejected as exc:
        raise ValidationError(f"The presenter photo was refused: {exc}.") from None
    with Image.open(io.BytesIO(normalised.content)) as image:
        pixels = np.asarray(image.convert("RGB"))
    try:
        face = avatar_face(pixels)
    except AvatarError as exc:
        raise ValidationError(str(exc)) from None
    return ContentFile(normalised.content), [int(face.x), int(face.y), int(face.w), int(face.h)]


def _read_limited(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_AVATAR_BYTES + 1)
    if len(data) > MAX_AVATAR_BYTES:
        raise ValidationError(
            f"The presenter photo is over {MAX_AVATAR_BYTES // (1024 * 1024)} MB; send a smaller "
            "photo (the face only needs a few hundred pixels)."
        )
    return data


def _voice_check(presenter: Presenter, errors: dict[str, list[str]]) -> None:
    if not 0.5 <= float(presenter.speed) <= 2.0:
        errors.setdefault("speed", []).append(f"Speed must be from 0.5 to 2.0 (1.0 is normal), got {presenter.speed}.")
    language = (presenter.language or "").lower()
    if not _LANGUAGE_TAG.match(language):
        errors.setdefault("language", []).append(
            f"Language {presenter.language!r} is not a language tag such as en, de or pt-br."
        )
    presenter.language = language
    if presenter.framing not in PresenterFraming.values:
        errors.setdefault("framing", []).append(
            f"Framing {presenter.framing!r} is unknown; use one of {', '.join(PresenterFraming.values)}."
        )
    if errors.keys() & {"speed", "language"}:
        return
    try:
        engine = tts_get(presenter.tts_engine)
        voices = engine.voices() if presenter.voice else []
    except TtsError as exc:
        errors.setdefault("tts_engine", []).append(str(exc))
        return
    if presenter.voice and presenter.voice not in voices:
        primary = presenter.language.split("-")[0]
        # The voices of the presenter's own language first: "en, en-gb, en-us" helps more than "af, am, an".
        ranked = sorted(voices, key=lambda name: (not name.startswith(primary), name))
        examples = ", ".join(ranked[:12]) or "none installed"
        errors.setdefault("voice", []).append(
            f"Voice {presenter.voice!r} is not one of the {presenter.tts_engine} engine's voices (e.g. {examples}); "
            "leave it blank for the language's default voice."
        )


def presenter_voice(presenter: Presenter) -> VoiceSpec:
    return VoiceSpec(
        engine=presenter.tts_engine, voice=presenter.voice, speed=float(presenter.speed), language=presenter.language
    )
