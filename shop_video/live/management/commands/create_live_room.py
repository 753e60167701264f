"""manage.py create_live_room --merchant acme --skus MUG-1,TEE-2 [--name N] [--template SLUG] [--aspect 9:16]
[--short-side 540]: creates the room (renders queued) and prints its stream's path alone on the last line."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from generation.aspect_ratios import ASPECT_RATIOS
from shop_video.live.services import live_room_create
from shop_video.tenancy.selectors import MerchantNotFound, merchant_get


class Command(BaseCommand):
    help = "Create a live room rotating through the given SKUs and print its stream's URL path."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="The merchant's slug.")
        parser.add_argument(
            "--skus",
            required=True,
            help="Comma-separated SKUs (or the products' handles or ids), in playing order.",
        )
        parser.add_argument("--name", default="", help="The room's name (default: Live <first SKU>...).")
        parser.add_argument("--template", default=settings.LIVE_TEMPLATE, help="Video template slug.")
        parser.add_argument("--aspect", default="9:16", help=f"Aspect ratio: {', '.join(ASPECT_RATIOS)}.")
        parser.add_argument("--short-side", type=int, default=settings.LIVE_SHORT_SIDE, help="Pixels.")

    def handle(self, *args, merchant, skus, name, template, aspect, short_side, **options):
        try:
            merchant_obj = merchant_get(slug=merchant)
        except MerchantNotFound as exc:
            raise CommandError(str(exc)) from None
        sku_list = [sku.strip() for sku in skus.split(",") if sku.strip()]
        try:
            room = live_room_create(
                merchant=merchant_obj,
                name=name or f"Live {', '.join(sku_list[:3])}",
                skus=sku_list,
                template_slug=template,
                aspect_ratio=aspect,
                short_side=short_side,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Live room {room.name!r} created with {room.items.count()} products; "
            "their segments are rendering (a worker must be running)."
        )
        self.stdout.write(room.stream_path)
