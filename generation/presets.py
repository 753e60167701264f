"""Built-in video templates ship as JSON files in generation/presets/ and are synced into the database."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.models import VideoTemplate
from generation.template_spec import template_spec_parse

PRESETS_DIR = Path(__file__).resolve().parent / "presets"


def video_templates_sync_builtin() -> list[VideoTemplate]:
    """Create or update every built-in template from its file; a broken file is an error naming it."""
    synced = []
    for path in sorted(PRESETS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            template_spec_parse(data["spec"], fps=settings.RENDER_FPS)
        except ValidationError as exc:
            raise ValidationError(f"{path.name}: {'; '.join(exc.messages)}") from None
        template, _ = VideoTemplate.objects.update_or_create(
            merchant=None,
            slug=data["slug"],
            defaults={
                "name": data["name"],
                "description": data.get("description", ""),
                "version": data.get("version", 1),
                "spec": data["spec"],
                "is_builtin": True,
            },
        )
        synced.append(template)
    return synced
