import time

from django.core.management.base import BaseCommand, CommandError

from generation.management.commands.seed_demo import DEMO_PRODUCTS
from generation.models import FINISHED_STATUSES, JobStatus, RenderJob
from generation.services.preset_previews import PREVIEW_SHORT_SIDE, preset_previews_queue
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get

DEMO_SKU = DEMO_PRODUCTS[0][0]  # the espresso cup: on sale, with a description, so every card has something to show


class Command(BaseCommand):
    help = (
        "Render a preview of every built-in preset from the demo products (one small 9:16 video each) for the "
        "template gallery and GET /api/v1/templates. Queues the renders for the workers and returns; previews "
        "already made from a preset's current spec are kept. `make run` runs it after seed_demo."
    )

    def add_arguments(self, parser):
        parser.add_argument("--short-side", type=int, default=PREVIEW_SHORT_SIDE, help="Pixels on the short side.")
        parser.add_argument("--force", action="store_true", help="Render every preview again.")
        parser.add_argument("--wait", action="store_true", help="Wait until the workers have made them.")
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds --wait waits at most.")

    def handle(self, *args, **opts):
        try:
            demo = merchant_get(slug="demo")
        except MerchantNotFound:
            raise CommandError("No demo shop: run `python manage.py seed_demo` first.") from None
        jobs, refused = preset_previews_queue(
            merchant=demo, sku=DEMO_SKU, short_side=opts["short_side"], force=opts["force"]
        )
        for reason in refused:
            self.stderr.write(f"Preview not queued: {reason}")
        if not jobs:
            self.stdout.write("Every preset preview is up to date.")
            return
        self.stdout.write(
            f"Queued {len(jobs)} preset previews: {', '.join(job.metadata['preset_preview'] for job in jobs)}."
        )
        if opts["wait"]:
            self._wait([job.pk for job in jobs], time.monotonic() + opts["timeout"])

    def _wait(self, job_ids: list[int], deadline: float) -> None:
        while RenderJob.objects.filter(pk__in=job_ids).exclude(status__in=FINISHED_STATUSES).exists():
            if time.monotonic() > deadline:
                raise CommandError("The preset previews are still rendering; is a worker running (make worker)?")
            time.sleep(0.5)
        failed = RenderJob.objects.filter(pk__in=job_ids).exclude(status=JobStatus.SUCCEEDED)
        for job in failed:
            self.stderr.write(f"Preview of {job.metadata['preset_preview']} {job.status}: {job.error}")
        if failed:
            raise CommandError(f"{len(failed)} of {len(job_ids)} preset previews did not succeed.")
        self.stdout.write(f"Made {len(job_ids)} preset previews.")
