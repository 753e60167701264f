from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Video generation"

    def ready(self):
        post_migrate.connect(_sync_builtin_templates, sender=self)


def _sync_builtin_templates(**kwargs):
    # Every database, the tests' included, has the built-in presets right after migrate.
    from generation.presets import video_templates_sync_builtin

    video_templates_sync_builtin()
