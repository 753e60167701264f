from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "shop_video.dashboard"
    label = "dashboard"
    verbose_name = "Merchant dashboard"
