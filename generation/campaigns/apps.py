from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "generation.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self):
        # A campaign advances when one of its renders ends, and re-renders what an import or edit made stale.
        from generation.campaigns import receivers

        receivers.receivers_connect()
