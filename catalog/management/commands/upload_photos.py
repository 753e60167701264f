from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.selectors import VariantNotFound, variant_get_by_sku
from catalog.uploads import ArchiveRejected, product_images_from_zip, product_images_upload
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get


class Command(BaseCommand):
    help = (
        "Add product photos: a zip whose files are named after SKUs or handles (MUG-1.jpg, MUG-1-2.jpg, "
        "MUG-1/back.jpg), or with --sku, any number of photo files for one product."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True)
        parser.add_argument("--sku", help="Attach every FILE to this SKU's product instead of matching names.")
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, merchant, sku, files, **options):
        try:
            merchant = merchant_get(slug=merchant)
            product = variant_get_by_sku(merchant=merchant, sku=sku).product if sku else None
        except (MerchantNotFound, VariantNotFound) as exc:
            raise CommandError(str(exc)) from None
        paths = [Path(name) for name in files]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        if product is not None:
            report = product_images_upload(product=product, files=[(p.name, p.read_bytes()) for p in paths])
        else:
            if len(paths) != 1 or paths[0].suffix.lower() != ".zip":
                raise CommandError("Without --sku, give one .zip whose files are named after SKUs or handles.")
            try:
                report = product_images_from_zip(merchant=merchant, archive=paths[0].read_bytes())
            except ArchiveRejected as exc:
                raise CommandError(f"{paths[0].name}: {exc}") from None
        for error in report.errors:
            self.stdout.write(f"{error['file']}: {error['message']}")
        self.stdout.write(f"attached={len(report.attached)} failed={len(report.errors)}")
