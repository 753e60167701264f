"""Presenters in the dashboard: list, create, edit and delete a merchant's digital hosts, and hear a voice.

The photo is private (shown through the private files view, to the merchant's members only); what makes a valid
presenter (one face, a voice the engine has) is generation.presenter.services'. A voice sample is a short fixed
sentence spoken by the same TTS engines the renders use, cached per voice, speed and language.
"""

from __future__ import annotations

import hashlib
import io

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generation.models import Presenter
from generation.presenter.selectors import PresenterNotFound, presenter_get, presenters_for
from generation.presenter.services import presenter_create, presenter_delete, presenter_update
from generation.presenter.speech import VoiceSpec
from generation.presenter.tts import TtsError, speech_synthesize
from shop_video.dashboard.access import member_view
from shop_video.dashboard.presenter_forms import PresenterForm
from shop_video.dashboard.presenter_scripts import presenter_scripts

VOICE_SAMPLE_TEXT = "Hello! This is how I will sound in your videos."
VOICE_SAMPLE_CACHE_SECONDS = 24 * 3600


def _presenter(request, slug: str) -> Presenter:
    try:
        return presenter_get(merchant=request.merchant, slug=slug)
    except PresenterNotFound:
        raise Http404("Not found in this shop.") from None


@require_GET
@member_view
def presenters(request):
    return render(request, "dashboard/presenters.html", {"presenters": presenters_for(merchant=request.merchant)})


@require_http_methods(["GET", "POST"])
@member_view
def presenter_new(request):
    form = PresenterForm(photo_required=True)
    if request.method == "POST":
        form = PresenterForm(request.POST, request.FILES, photo_required=True)
        if form.is_valid():
            fields = form.service_fields()
            try:
                presenter = presenter_create(merchant=request.merchant, **fields)
            except ValidationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, f"Presenter {presenter.name} added.")
                return redirect("dashboard:presenter_edit", presenter.slug)
    return _form_page(request, form=form, presenter=None)


@require_http_methods(["GET", "POST"])
@member_view
def presenter_edit(request, slug: str):
    presenter = _presenter(request, slug)
    initial = {
        "name": presenter.name,
        "slug": presenter.slug,
        "voice": f"{presenter.tts_engine}:{presenter.voice}",
        "speed": presenter.speed,
        "language": presenter.language,
        "framing": presenter.framing,
        "is_default": presenter.is_default,
    }
    form = PresenterForm(initial=initial, photo_required=False)
    if request.method == "POST":
        form = PresenterForm(request.POST, request.FILES, initial=initial, photo_required=False)
        if form.is_valid():
            try:
                presenter = presenter_update(presenter=presenter, **form.service_fields())
            except ValidationError as exc:
                presenter.refresh_from_db()
                _errors_onto(form, exc)
            else:
                messages.success(request, f"Presenter {presenter.name} saved.")
                return redirect("dashboard:presenter_edit", presenter.slug)
    return _form_page(request, form=form, presenter=presenter)


@require_POST
@member_view
def presenter_delete_view(request, slug: str):
    presenter = _presenter(request, slug)
    presenter_delete(presenter=presenter)
    messages.success(request, f"Presenter {presenter.name} deleted.")
    return redirect("dashboard:presenters")


def _form_page(request, *, form: PresenterForm, presenter: Presenter | None):
    language = (form["language"].value() or "en") if form.is_bound else (presenter.language if presenter else "en")
    # The sample link plays the voice as the form shows it (presenters.js updates it as the form changes).
    sample_query = urlencode(
        {"voice": form["voice"].value() or "", "speed": form["speed"].value() or 1.0, "language": language}
    )
    return render(
        request,
        "dashboard/presenter_form.html",
        {
            "form": form,
            "presenter": presenter,
            "scripts": presenter_scripts(merchant=request.merchant, language=str(language)[:16]),
            "sample_url": reverse("dashboard:presenter_voice_sample"),
            "sample_query": sample_query,
        },
        status=400 if form.is_bound else 200,
    )


def _errors_onto(form: PresenterForm, exc: ValidationError) -> None:
    """The service's {field: [messages]} onto the form's fields (engine and voice are one field here)."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, field_messages in by_field.items():
        target = "voice" if name in ("tts_engine", "voice") else name
        for message in field_messages:
            form.add_error(target if target in form.fields else None, message)


@require_GET
@member_view
def presenter_voice_sample(request):
    """A WAV of the sample sentence in the voice the form has chosen (any member may listen)."""
    form = PresenterForm(
        {
            "name": "sample",
            "voice": request.GET.get("voice", ""),
            "speed": request.GET.get("speed", ""),
            "language": request.GET.get("language", ""),
            "framing": Presenter.Framing.CHEST,
        },
        photo_required=False,
    )
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponse(f"No sample: {problems}\n", status=400, content_type="text/plain; charset=utf-8")
    fields = form.service_fields()
    spec = VoiceSpec(
        engine=fields["tts_engine"],
        voice=fields["voice"],
        speed=round(fields["speed"], 2),
        language=fields["language"],
    )
    key = "voice-sample:" + hashlib.sha256(repr(spec).encode()).hexdigest()
    wav = cache.get(key)
    if wav is None:
        try:
            speech = speech_synthesize(text=VOICE_SAMPLE_TEXT, voice=spec)
        except TtsError as exc:
            return HttpResponse(f"No sample: {exc}\n", status=400, content_type="text/plain; charset=utf-8")
        buffer = io.BytesIO()
        speech.wav_write(buffer)
        wav = buffer.getvalue()
        cache.set(key, wav, VOICE_SAMPLE_CACHE_SECONDS)
    response = HttpResponse(wav, content_type="audio/wav")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={VOICE_SAMPLE_CACHE_SECONDS}"
    return response
