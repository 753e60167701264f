from django.core.management.base import BaseCommand, CommandError

from shop_video.api.services import api_key_create
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get


class Command(BaseCommand):
    help = "Create an API key for a merchant. The key is printed once, alone on the last line; only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="The merchant's slug.")
        parser.add_argument("--name", default="command line", help="What the key is for (50 characters max).")

    def handle(self, *args, **opts):
        try:
            merchant = merchant_get(slug=opts["merchant"])
        except MerchantNotFound as exc:
            raise CommandError(str(exc)) from None
        api_key, key = api_key_create(merchant=merchant, name=opts["name"])
        self.stdout.write(f"API key {api_key.prefix} created for {merchant.slug}. It is shown only now; store it:")
        self.stdout.write(key)
