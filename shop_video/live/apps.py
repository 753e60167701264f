from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "shop_video.live"
    label = "live"
    verbose_name = "Live rooms"

    def ready(self):
        # Live segments wait for their render jobs; generation tells whoever listens when a job ends.
        from generation.signals import render_job_finished
        from shop_video.live.services import live_render_finished

        render_job_finished.connect(live_render_finished, dispatch_uid="live_render_finished")
