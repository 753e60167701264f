from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.feeds import feed_fetch, feed_reader_choose
from catalog.importers import IMPORTERS
from catalog.importers.base import FeedRejected
from catalog.importing import catalog_import_run, catalog_import_summary
from shop_video.safe_http import FetchFailed, FetchRefused
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get


class Command(BaseCommand):
    help = (
        "Import a catalog feed (a file or an http(s) URL) for a merchant: Google Merchant Center XML/CSV, "
        "Shopify or WooCommerce product CSV, Meta catalog CSV, or any CSV/JSON with a saved column mapping. "
        "The format is detected from the content unless --format names it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="Merchant slug.")
        parser.add_argument("path", metavar="PATH_OR_URL")
        parser.add_argument("--format", choices=sorted(IMPORTERS), help="Skip detection and read the file as this.")
        parser.add_argument("--mapping", help="Name of the merchant's saved column mapping (implies --format generic).")
        parser.add_argument("--currency", help="Currency for prices that name none (default: the merchant's).")
        parser.add_argument(
            "--archive-missing",
            action="store_true",
            help="This is the full catalog: archive the merchant's products it does not contain.",
        )

    def handle(self, *args, **opts):
        try:
            merchant = merchant_get(slug=opts["merchant"])
        except MerchantNotFound as exc:
            raise CommandError(str(exc)) from None
        data, base_dir = self._read(opts["path"])
        try:
            importer, options = feed_reader_choose(
                merchant=merchant,
                data=data,
                feed_format=opts["format"] or "",
                mapping_name=opts["mapping"] or "",
                currency=opts["currency"] or "",
                format_hint="name one with --format",
            )
        except FeedRejected as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Reading {opts['path']} as {importer.label}")
        with tqdm(unit=" rows", desc="Importing", disable=None, file=self.stderr._out) as bar:
            record = catalog_import_run(
                merchant=merchant,
                importer=importer,
                source=opts["path"],
                data=data,
                base_dir=base_dir,
                archive_missing=opts["archive_missing"],
                on_progress=lambda done: bar.update(done - bar.n),
                options=options,
            )
        for error in record.errors:
            field = f" {error['field']}" if error["field"] else ""
            self.stdout.write(f"row {error['row']}{field}: {error['message']}")
        if record.error:
            raise CommandError(f"Import failed: {record.error}")
        self.stdout.write(catalog_import_summary(record))

    def _read(self, path: str) -> tuple[bytes, Path | None]:
        if path.startswith(("http://", "https://")):
            try:
                return feed_fetch(url=path), None
            except (FetchRefused, FetchFailed) as exc:
                raise CommandError(str(exc)) from None
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"No such file: {file_path}")
        if file_path.stat().st_size > settings.FEED_MAX_BYTES:
            raise CommandError(
                f"{file_path} is {file_path.stat().st_size:,} bytes; the limit is "
                f"{settings.FEED_MAX_BYTES:,} (FEED_MAX_BYTES)"
            )
        # Relative image paths in a feed on disk are resolved next to it (operators only).
        return file_path.read_bytes(), file_path.resolve().parent
