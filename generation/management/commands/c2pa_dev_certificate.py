"""Write the development C2PA signing chain where C2PA_SIGN_CERT and C2PA_SIGN_KEY point (VAR_DIR/c2pa by
default), unless a usable one is already there. `make run` and the tests call this; production uses a real
certificate (docs/provenance.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from generation.provenance.dev_certificate import dev_certificate_write


class Command(BaseCommand):
    help = "Create a development C2PA certificate chain and key (for make run and the tests; never production)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Replace an existing chain and key.")

    def handle(self, *args, force=False, **options):
        cert, key = Path(settings.C2PA_SIGN_CERT), Path(settings.C2PA_SIGN_KEY)
        wrote = dev_certificate_write(cert_path=cert, key_path=key, replace=force)
        self.stdout.write(f"{'wrote' if wrote else 'kept'} the development C2PA chain {cert} and key {key}")
