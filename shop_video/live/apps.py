from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "shop_video.live"
    label = "live"
    verbose_name = "Live rooms"

    def ready(self):
        # Live segments wait for their render jobs; generation tells whoever listens when a job ends.
        from django.db.models.signals import post_delete

        from generation.signals import render_job_finished
        from shop_video.live.models import LiveSegment
        from shop_video.live.services import live_render_finished, live_segment_files_delete

        render_job_finished.connect(live_render_finished, dispatch_uid="live_render_finished")
        # However a segment goes (pruned, or with its room or merchant), its chunk files go with it.
        post_delete.connect(live_segment_files_delete, sender=LiveSegment, dispatch_uid="live_segment_files_delete")
        # Per-room push figures in prometheus_client's default registry, when it is installed (live/metrics.py).
        from shop_video.live.metrics import metrics_register

        metrics_register()
