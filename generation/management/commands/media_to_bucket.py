from django.core.management.base import BaseCommand, CommandError

from shop_video.media_to_bucket import NotABucket, media_to_bucket_copy


class Command(BaseCommand):
    help = (
        "Copy the media stored on local disk (MEDIA_ROOT and PRIVATE_MEDIA_ROOT) into the bucket that "
        "MEDIA_STORAGE names, under the same names. Objects already there with the same size and SHA-256 are "
        "skipped, so it is safe to run again and resumes after an interruption. Local files are left in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be copied; copy nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        progress = self.stdout.write if verbosity >= 2 else None
        try:
            report = media_to_bucket_copy(dry_run=dry_run, progress=progress)
        except NotABucket as exc:
            raise CommandError(str(exc)) from None
        would = "Would copy" if dry_run else "Copied"
        self.stdout.write(
            f"{would} {report.copied} new and {report.replaced} changed files ({report.bytes_copied:,} bytes); "
            f"{report.skipped} already in the bucket."
        )
