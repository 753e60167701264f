from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "shop_video.api"
    label = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from shop_video.api import schema  # noqa: F401  (registers the schema extension)
