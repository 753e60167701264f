from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shop_video.tenancy.services import merchant_create


class Command(BaseCommand):
    help = "Create a merchant (the tenant) with a default brand kit, optionally with an owner login."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="")
        parser.add_argument("--user", dest="email", help="E-mail of the owner; created if new.")
        parser.add_argument(
            "--currency",
            default="USD",
            help="The shop's currency (ISO 4217, e.g. EUR): prices in feeds that name none are read in it.",
        )
        parser.add_argument(
            "--password",
            help="Password for a new owner (otherwise the login is disabled "
            "until a password is set with changepassword).",
        )

    def handle(self, *args, slug, name, email, password, currency, **options):
        try:
            merchant = merchant_create(
                slug=slug, name=name, owner_email=email, owner_password=password, default_currency=currency
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"Created merchant {merchant.slug} ({merchant.name}, prices in {merchant.default_currency})"
            + (f" owned by {email}" if email else "")
        )
