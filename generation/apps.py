from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Video generation"

    def ready(self):
        _dit_settings_check()
        post_migrate.connect(_sync_builtin_templates, sender=self)
        from shop_video.embed_cache import embed_cache_connect

        embed_cache_connect()  # what changes a storefront embed's answer replaces its cache token
        # A worker that assembles signs what it publishes: no usable certificate, no start (docs/provenance.md).
        from celery.signals import celeryd_init

        from generation.provenance.worker_check import worker_signing_check

        celeryd_init.connect(worker_signing_check, weak=False)
        # No usable media bucket, no start (web or worker); scratch copies are let go after each task.
        from shop_video.storage_checks import storage_checks_connect

        storage_checks_connect()


def _dit_settings_check() -> None:
    """Family names in settings must be real families: a typo stops every process at start, not a shot later."""
    from generation.engines.dit.family import FAMILY_NAMES

    unknown = sorted(set(settings.DIT_MODELS) - set(FAMILY_NAMES))
    if unknown:
        raise ImproperlyConfigured(f"DIT_MODELS: unknown family {unknown[0]!r}; use {', '.join(FAMILY_NAMES)}.")
    if settings.DIT_DEFAULT_FAMILY not in FAMILY_NAMES:
        raise ImproperlyConfigured(
            f"DIT_DEFAULT_FAMILY={settings.DIT_DEFAULT_FAMILY!r}: use one of {', '.join(FAMILY_NAMES)}."
        )


def _sync_builtin_templates(**kwargs):
    # Every database, the tests' included, has the built-in presets right after migrate.
    from generation.presets import video_templates_sync_builtin

    video_templates_sync_builtin()
