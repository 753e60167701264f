import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from generation.aspect_ratios import ASPECT_RATIOS
from generation.models import FINISHED_STATUSES, JobStatus
from generation.selectors import render_job_get, render_job_renditions
from generation.services.render_jobs import render_job_create
from shop_video.media import media_is_local
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get


class Command(BaseCommand):
    help = "Render a product video. With --wait, prints the rendition file paths, one per line."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True)
        parser.add_argument("--template", required=True)
        parser.add_argument(
            "--sku",
            "--product",
            dest="sku",
            required=True,
            help="A SKU, or the product's handle or id (needed when the SKU is on several products).",
        )
        parser.add_argument("--aspect", default="9:16", help=f"Comma-separated: {','.join(ASPECT_RATIOS)}")
        parser.add_argument("--engine", default=None, help="motion (CPU) or dit (diffusers video models).")
        parser.add_argument(
            "--family",
            default=None,
            help="With --engine dit: ltx, wan or cogvideox (default: the template's, else DIT_DEFAULT_FAMILY).",
        )
        parser.add_argument("--short-side", type=int, default=None, help="Pixels on the short side (even).")
        parser.add_argument("--wait", action="store_true", help="Wait for the job and print its files.")
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds --wait waits at most.")

    def handle(self, *args, **opts):
        try:
            merchant = merchant_get(slug=opts["merchant"])
            job = render_job_create(
                merchant=merchant,
                template_slug=opts["template"],
                sku=opts["sku"],
                aspect_ratios=opts["aspect"].split(","),
                engine=opts["engine"],
                family=opts["family"],
                short_side=opts["short_side"],
            )
        except (MerchantNotFound, ValidationError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        if not opts["wait"]:
            self.stdout.write(f"Render job {job.pk} queued ({job.shots.count()} shots).")
            return
        deadline = time.monotonic() + opts["timeout"]
        while True:
            job = render_job_get(merchant=merchant, job_id=job.pk)
            if job.status in FINISHED_STATUSES:
                break
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Render job {job.pk} is still {job.status} ({job.progress}%) after "
                    f"{opts['timeout']:g} s; is a worker running (make worker)?"
                )
            time.sleep(0.5)
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"Render job {job.pk} {job.status}: {job.error}")
        for rendition in render_job_renditions(job=job):
            # Local disk: the file's path, as before; a bucket: a URL anyone with it can download from.
            if media_is_local(rendition.file.storage):
                self.stdout.write(rendition.file.path)
            else:
                self.stdout.write(rendition.file.url)
