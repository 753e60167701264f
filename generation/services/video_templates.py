"""A merchant's own video templates: copied from a built-in, created, edited (a changed spec bumps the version)
and deleted. Every refusal is a ValidationError saying what to do instead."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from generation.models import VideoTemplate
from shop_video.tenancy.models import Merchant

NAME_MAX_CHARS = VideoTemplate._meta.get_field("name").max_length


def video_template_copy(
    *, template: VideoTemplate, merchant: Merchant, slug: str | None = None, replace: bool = True
) -> VideoTemplate:
    """The merchant's own editable copy of a template, by default under the same slug (so it replaces the built-in
    for them). With `replace`, copying again overwrites their copy with the source's current spec and bumps its
    version; without it, a slug the merchant already has is refused (the API and dashboard never overwrite)."""
    slug = slug or template.slug
    if not replace and VideoTemplate.objects.filter(merchant=merchant, slug=slug).exists():
        raise ValidationError(
            {"slug": [f"You already have a template {slug!r}. Edit it, or give the copy another slug."]}
        )
    name = video_template_copy_name(merchant=merchant, name=template.name, slug=slug)
    copy, created = VideoTemplate.objects.get_or_create(
        merchant=merchant,
        slug=slug,
        defaults={"name": name, "description": template.description, "spec": template.spec, "version": 1},
    )
    if not created:
        copy.spec, copy.name, copy.description = template.spec, name, template.description
        copy.version += 1
        copy.save()
    return copy


def video_template_copy_name(*, merchant: Merchant, name: str, slug: str | None = None) -> str:
    """A copy's name that says it is a copy and that no other template of the merchant has ("Product showcase
    (copy)", then "(copy 2)", ...), so the gallery and the render form never show two alike. `slug`: the
    copy's own slug, whose current name may be reused (copying over it again)."""
    base = re.sub(r" \(copy(?: \d+)?\)$", "", name)[: NAME_MAX_CHARS - len(" (copy 999)")]
    taken = set(VideoTemplate.objects.filter(merchant=merchant).exclude(slug=slug).values_list("name", flat=True))
    for number in range(1, 1000):
        candidate = f"{base} (copy)" if number == 1 else f"{base} (copy {number})"
        if candidate not in taken:
            return candidate
    raise ValidationError("You have too many copies of this template; delete some first.")


def video_template_free_slug(*, merchant: Merchant, slug: str) -> str:
    """`slug` if the merchant has no template by it, else `<slug>-copy`, `<slug>-copy-2`, ... (a copy of one of
    their own templates must not overwrite it)."""
    taken = set(
        VideoTemplate.objects.filter(merchant=merchant, slug__startswith=slug[:40]).values_list("slug", flat=True)
    )
    for candidate in (slug, *(f"{slug[:40]}-copy" + (f"-{n}" if n > 1 else "") for n in range(1, 1000))):
        if candidate not in taken:
            return candidate
    raise ValidationError("You have too many copies of this template; delete some first.")


def video_template_revert(*, template: VideoTemplate) -> VideoTemplate:
    """Put the built-in's spec and description back into the merchant's copy of it (same slug); a changed spec
    bumps the version, as an edit does. The copy keeps its name. ValidationError when there is no built-in."""
    builtin = VideoTemplate.objects.filter(merchant__isnull=True, slug=template.slug).first()
    if template.merchant_id is None or builtin is None:
        raise ValidationError(
            f"{template.name} is not a copy of a built-in template, so there is nothing to revert to."
        )
    return video_template_update(template=template, spec=builtin.spec, description=builtin.description)


TEMPLATE_EDITABLE_FIELDS = ("name", "description", "spec")


def video_template_create(
    *, merchant: Merchant, slug: str, name: str, description: str = "", spec: dict
) -> VideoTemplate:
    """A new template of the merchant's own. A slug that a built-in has is allowed (theirs replaces it for them);
    one they already have is refused. Raises ValidationError {field: [message]}; a spec's messages name the
    scene and field."""
    template = VideoTemplate(merchant=merchant, slug=slug, name=name, description=description, spec=spec)
    _video_template_save(template)
    return template


def video_template_update(*, template: VideoTemplate, **fields) -> VideoTemplate:
    """Edit the merchant's own template (name, description, spec). A changed spec bumps the version (renders keep
    the spec they were made with; the version says which edit they saw). On a ValidationError nothing is saved
    and `template` is reloaded as stored. Built-ins are refused: copy them first."""
    unknown = set(fields) - set(TEMPLATE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"video_template_update() cannot change {', '.join(sorted(unknown))}")
    if template.merchant_id is None:
        raise ValidationError(
            f"Template {template.slug!r} is built in and cannot be edited. Copy it first "
            f"(POST /api/v1/templates/{template.slug}/copy, or the dashboard's Copy to my "
            "templates button), then edit your copy."
        )
    changed = {name: value for name, value in fields.items() if getattr(template, name) != value}
    if not changed:
        return template
    for name, value in changed.items():
        setattr(template, name, value)
    if "spec" in changed:
        template.version += 1
    try:
        _video_template_save(template)
    except ValidationError:
        template.refresh_from_db()
        raise
    return template


def video_template_delete(*, template: VideoTemplate) -> None:
    """Delete the merchant's own template; a copy's built-in shows again. Renders made with a copy of a built-in
    are moved to that built-in (same slug, so they read the same; each keeps the spec it was rendered with).
    A template of the merchant's own design that renders used is refused: they still link to it."""
    if template.merchant_id is None:
        raise ValidationError(
            f"Template {template.slug!r} is built in and cannot be deleted; only your own templates can."
        )
    try:
        with transaction.atomic():
            builtin = VideoTemplate.objects.filter(merchant__isnull=True, slug=template.slug).first()
            if builtin is not None:
                template.render_jobs.update(template=builtin)
            template.delete()
    except ProtectedError as exc:
        count = len(exc.protected_objects)
        raise ValidationError(
            f"Template {template.slug!r} cannot be deleted: {count} render{'s' if count != 1 else ''} "
            f"{'were' if count != 1 else 'was'} made with it and still link to it. Edit it instead (finished "
            "renders keep the spec they were made with)."
        ) from None


def _video_template_save(template: VideoTemplate) -> None:
    """Validate (the spec through VideoTemplate.clean) and save; the merchant's slug must be free."""
    taken = VideoTemplate.objects.filter(merchant=template.merchant, slug=template.slug).exclude(pk=template.pk)
    slug_taken = ValidationError(
        {"slug": [f"You already have a template {template.slug!r}; choose another slug, or edit that one."]}
    )
    if taken.exists():
        raise slug_taken
    template.full_clean(validate_unique=False, validate_constraints=False)  # the slug check above says it better
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:  # a concurrent create took the slug between the check and the save
        raise slug_taken from None
