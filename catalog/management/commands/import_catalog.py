import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importing import catalog_import_file, catalog_import_summary
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get


class Command(BaseCommand):
    help = ("Import a catalog file for a merchant. For now: a plain CSV with sku,title,description,price,"
            "currency,image (a path relative to the CSV, or a URL).")

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="Merchant slug.")
        parser.add_argument("path", help="Path of the CSV file.")

    def handle(self, *args, merchant, path, **options):
        try:
            merchant = merchant_get(slug=merchant)
        except MerchantNotFound as exc:
            raise CommandError(str(exc)) from None
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"No such file: {file_path}")
        data = file_path.read_bytes()
        total_rows = max(data.count(b"\n") - 1, 1)

        def progress(done: int) -> None:
            if sys.stderr.isatty() or done == total_rows or done % 100 == 0:
                width = 30
                filled = min(width, width * done // total_rows)
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done} rows")
                sys.stderr.flush()

        record = catalog_import_file(merchant=merchant, source=file_path.name, data=data,
                                     base_dir=file_path.resolve().parent, on_progress=progress)
        sys.stderr.write("\n")
        for error in record.errors:
            field = f" {error['field']}" if error["field"] else ""
            self.stdout.write(f"row {error['row']}{field}: {error['message']}")
        if record.error:
            raise CommandError(f"Import failed: {record.error}")
        self.stdout.write(catalog_import_summary(record))
