from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "shop_video.ops"
    verbose_name = "Operations"

    def ready(self):
        # Counters moved by what the apps already announce (a render's end, a webhook attempt recorded), so the
        # domain code does not import the metrics.
        from shop_video.ops import domain_metrics

        domain_metrics.connect()
