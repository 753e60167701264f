"""The dashboard's templates: the gallery (every card with a picture), copy, the visual editor with its live scene
preview, the JSON editor for power users (every error listed and located), delete and revert to the built-in.

Roles as access.py declares them: any member may look (GET), owners, admins and editors may change (POST). Every
template and product is looked up through request.merchant, so another merchant's are 404.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from generation.aspect_ratios import ASPECT_RATIOS
from generation.assembly.scene_preview import ScenePreviewError
from generation.models import VideoTemplate
from generation.scene_previews import scene_preview_products, scene_preview_render
from generation.selectors import preset_previews, video_template_get, video_template_previews, video_templates_visible
from generation.services.video_templates import (
    video_template_copy,
    video_template_delete,
    video_template_free_slug,
    video_template_revert,
    video_template_update,
)
from generation.template_spec import COLOUR_ROLES, MAX_SCENES, MAX_SPEC_BYTES, SCENE_TYPES, TRANSITION_TYPES
from generation.template_spec_errors import template_spec_errors
from shop_video.dashboard import forms
from shop_video.dashboard.access import member_view
from shop_video.dashboard.display import scene_summary
from shop_video.dashboard.template_editor import (
    MERGE_FIELDS_OFFERED,
    SCENE_LABELS,
    EditorInputError,
    EditorState,
    editor_error_label,
    editor_scenes,
    editor_state_from_post,
)
from shop_video.tenancy.selectors import brand_kit_default

PREVIEW_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _template(request, slug: str) -> VideoTemplate:
    try:
        return video_template_get(merchant=request.merchant, slug=slug)
    except ObjectDoesNotExist:
        raise Http404("No such template in this shop.") from None


def _own_template(request, slug: str) -> VideoTemplate | None:
    """The merchant's own template of that slug; None (with a message) for a built-in."""
    template = _template(request, slug)
    if template.merchant_id is None:
        messages.error(request, f"{template.name} is built in: copy it to your templates to edit it.")
        return None
    return template


def _has_builtin(template: VideoTemplate) -> bool:
    return VideoTemplate.objects.filter(merchant__isnull=True, slug=template.slug).exists()


# --- the gallery ---------------------------------------------------------------------------------------------


@member_view
def templates_gallery(request):
    previews, presets = video_template_previews(merchant=request.merchant), preset_previews()
    builtin_slugs = set(VideoTemplate.objects.filter(merchant__isnull=True).values_list("slug", flat=True))
    # Your latest video with a template, else a built-in's own preview from the demo shop; without either (or
    # as its poster) a still of the template's first scene, so no card is ever an empty box.
    cards = [
        {
            "template": template,
            "yours": template.merchant_id is not None,
            "copy_of_builtin": template.merchant_id is not None and template.slug in builtin_slugs,
            "scenes": scene_summary(template.spec),
            "preview": previews.get(template.pk),
            "preset_preview": presets.get(template.pk),
        }
        for template in video_templates_visible(merchant=request.merchant)
    ]  # a copy replaces its built-in
    return render(request, "dashboard/templates.html", {"cards": cards})


@require_POST
@member_view
def template_copy(request, slug: str):
    source = _template(request, slug)
    try:
        free = video_template_free_slug(merchant=request.merchant, slug=source.slug)
        copy = video_template_copy(template=source, merchant=request.merchant, slug=free, replace=False)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dashboard:templates")
    replaces = " It replaces the built-in for your renders." if copy.slug == source.slug and source.is_builtin else ""
    messages.success(request, f"{copy.name} is now one of your templates: edit it here.{replaces}")
    return redirect("dashboard:template_edit", slug=copy.slug)


@require_POST
@member_view
def template_delete(request, slug: str):
    template = _own_template(request, slug)
    if template is not None:
        try:
            video_template_delete(template=template)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("dashboard:template_edit", slug=template.slug)
        back = " The built-in one is back in its place." if _has_builtin(template) else ""
        messages.success(request, f"{template.name} was deleted.{back}")
    return redirect("dashboard:templates")


@require_POST
@member_view
def template_revert(request, slug: str):
    template = _own_template(request, slug)
    if template is None:
        return redirect("dashboard:templates")
    try:
        video_template_revert(template=template)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{template.name} is the built-in again (version {template.version}).")
    return redirect("dashboard:template_edit", slug=template.slug)


# --- the visual editor ----------------------------------------------------------------------------------------


def _editor_page(request, template: VideoTemplate, state: EditorState, errors: list[str], status: int = 200):
    kit = brand_kit_default(merchant=request.merchant)
    kit_colours = {
        "background": kit.primary_colour if kit else "#111111",
        "text": kit.secondary_colour if kit else "#ffffff",
        "accent": kit.accent_colour if kit else "#e4572e",
    }
    colours = state.spec.get("colours") if isinstance(state.spec.get("colours"), dict) else {}
    context = {
        "template": template,
        "state": state,
        "base": json.dumps(state.spec, ensure_ascii=False),
        "scenes": editor_scenes(state.spec, errors),
        "errors": [editor_error_label(error) for error in errors],
        "colours": [
            {"role": role, "value": colours.get(role) or kit_colours[role], "label": _COLOUR_LABELS[role]}
            for role in COLOUR_ROLES
        ],
        "merge_fields": MERGE_FIELDS_OFFERED,
        "scene_types": [(kind, SCENE_LABELS[kind]) for kind in SCENE_TYPES],
        "transition_types": TRANSITION_TYPES,
        "layouts": ("pip", "split", "full"),
        "cameras": _camera_choices(),
        "products": scene_preview_products(merchant=request.merchant),
        "ratios": ASPECT_RATIOS,
        "can_add": len(state.spec.get("scenes") or []) < MAX_SCENES,
        "has_builtin": _has_builtin(template),
    }
    return render(request, "dashboard/template_editor.html", context, status=status)


_COLOUR_LABELS = {"background": "Card background", "text": "Card text", "accent": "Accent (badge, buttons)"}


def _camera_choices() -> list[tuple[str, str]]:
    from generation.engines.motion import CAMERA_PRESETS

    return [(camera, camera.replace("_", " ")) for camera in CAMERA_PRESETS]


@require_http_methods(["GET", "POST"])
@member_view
def template_edit(request, slug: str):
    template = _own_template(request, slug)
    if template is None:
        return redirect("dashboard:templates")
    if request.method == "GET":
        state = EditorState(
            spec=template.spec,
            name=template.name,
            description=template.description,
            own_colours=bool(template.spec.get("colours")),
        )
        return _editor_page(request, template, state, [])
    try:
        state = editor_state_from_post(request.POST)
    except EditorInputError as exc:
        messages.error(request, str(exc))
        return redirect("dashboard:template_edit", slug=template.slug)
    if state.action != "save":  # add, remove or move without JavaScript: the form again, unsaved
        return _editor_page(request, template, state, [])
    size = len(json.dumps(state.spec, separators=(",", ":")).encode())
    if size > MAX_SPEC_BYTES:  # the API's and the JSON editor's limit
        errors = [f"spec: the template is {size:,} bytes as JSON; keep it to {MAX_SPEC_BYTES:,} (shorter texts)."]
    else:
        errors = template_spec_errors(state.spec, fps=settings.RENDER_FPS)
    if not state.name.strip():
        errors.insert(0, "name: give the template a name.")
    if not errors:
        try:
            video_template_update(
                template=template, name=state.name.strip(), description=state.description, spec=state.spec
            )
        except ValidationError as exc:
            errors = [f"{name}: {message}" for name, messages_ in exc.message_dict.items() for message in messages_]
        else:
            messages.success(request, f"{template.name} saved (version {template.version}).")
            return redirect("dashboard:template_edit", slug=template.slug)
    return _editor_page(request, template, state, errors, status=400)


@require_http_methods(["GET", "POST"])
@member_view
def template_preview(request, slug: str):
    """A still of one scene for one product: the saved template (GET, anyone who may look; the gallery's card
    image) or the editor's unsaved form (POST). JPEG, never cached; what cannot be drawn is a 4xx saying why."""
    template = _template(request, slug)
    values = request.POST if request.method == "POST" else request.GET
    try:
        scene = int(values.get("preview_scene", "0")[:4])
        product = values.get("product", "")[:12]
        product_id = int(product) if product else None
    except ValueError:
        return _refusal("Scene and product are whole numbers.", 400)
    ratio = values.get("ratio", "9:16")
    if ratio not in ASPECT_RATIOS or not 0 <= scene < MAX_SCENES or (product_id is not None and product_id < 1):
        return _refusal(f"Pick a scene from 1 to {MAX_SCENES} and an aspect ratio of {', '.join(ASPECT_RATIOS)}.", 400)
    spec = template.spec
    if request.method == "POST":
        try:
            spec = editor_state_from_post(request.POST).spec
        except EditorInputError as exc:
            return _refusal(str(exc), 400)
    try:
        image = scene_preview_render(
            merchant=request.merchant, spec=spec, scene_index=scene, product_id=product_id, aspect_ratio=ratio
        )
    except ObjectDoesNotExist:
        raise Http404("No such product in this shop.") from None
    except ValidationError:
        errors = template_spec_errors(spec, fps=settings.RENDER_FPS)
        return _refusal("Fix the template first: " + "; ".join(editor_error_label(e) for e in errors[:3]), 422)
    except ScenePreviewError as exc:
        return _refusal(str(exc), 422)
    return HttpResponse(image, content_type="image/jpeg", headers=PREVIEW_HEADERS)


def _refusal(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, content_type="text/plain; charset=utf-8", status=status, headers=PREVIEW_HEADERS)


# --- the JSON editor ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_view
def template_json(request, slug: str):
    template = _own_template(request, slug)
    if template is None:
        return redirect("dashboard:templates")
    initial = {"name": template.name, "description": template.description, "spec": template.spec}
    form = forms.TemplateEditForm(request.POST if request.method == "POST" else None, initial=initial)
    status, spec_errors = 200, []
    if request.method == "POST":
        if form.is_valid():
            spec_errors = template_spec_errors(form.cleaned_data["spec"], fps=settings.RENDER_FPS)
            if not spec_errors:
                try:
                    video_template_update(template=template, **form.cleaned_data)
                except ValidationError as exc:
                    forms.errors_from(form, exc)
                else:
                    messages.success(request, f"{template.name} saved (version {template.version}).")
                    return redirect("dashboard:template_json", slug=template.slug)
        status = 400
    return render(
        request,
        "dashboard/template_edit.html",
        {"form": form, "template": template, "spec_errors": spec_errors},
        status=status,
    )
