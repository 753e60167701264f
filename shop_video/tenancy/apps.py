from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "shop_video.tenancy"
    label = "tenancy"
    verbose_name = "Merchants"
