"""Moving files stored before private media (issue 17) into private storage under random names.

Before, feeds, photos, logos, fonts, music, presenter photos and shot clips sat in the public default storage
under names such as catalog/imports/<slug>/<id>.csv. `manage.py media_make_private` (this module) copies each
one that is still there into private storage under a name from its field's upload_to (random, its merchant's
folder, a validated extension only), points the row at it and deletes the public copy. It is idempotent: a row
whose file is already in private storage is left alone, so it can run again after an interrupted run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models, transaction

from shop_video.media import private_storage


@dataclass
class MoveReport:
    moved: int = 0
    already_private: int = 0
    missing: list[str] = field(default_factory=list)  # "<model>.<field> #<pk>: <name>" found in neither storage


def private_file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every (model, file field) stored in private storage."""
    return [
        (model, model_field)
        for model in apps.get_models()
        for model_field in model._meta.get_fields()
        if isinstance(model_field, models.FileField) and model_field.storage is private_storage
    ]


def private_files_move() -> MoveReport:
    report = MoveReport()
    for model, file_field in private_file_fields():
        rows = model._default_manager.exclude(**{file_field.name: ""}).exclude(**{f"{file_field.name}__isnull": True})
        for instance in rows.iterator(chunk_size=500):
            _one_move(instance, file_field, report)
    return report


def _one_move(instance: models.Model, file_field: models.FileField, report: MoveReport) -> None:
    old_name = getattr(instance, file_field.attname).name
    if private_storage.exists(old_name):
        report.already_private += 1
        return
    if not default_storage.exists(old_name):
        report.missing.append(f"{instance._meta.label}.{file_field.name} #{instance.pk}: {old_name}")
        return
    with default_storage.open(old_name, "rb") as handle:
        new_name = private_storage.save(file_field.generate_filename(instance, old_name), handle)
    with transaction.atomic():
        updated = (
            type(instance)
            ._default_manager.filter(pk=instance.pk, **{file_field.name: old_name})
            .update(**{file_field.name: new_name})
        )
    if updated:
        default_storage.delete(old_name)
        report.moved += 1
    else:  # the row changed meanwhile (a new upload): keep its file, drop our copy
        private_storage.delete(new_name)
