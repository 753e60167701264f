import os
from decimal import Decimal
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.services import VariantFields, product_image_add, product_upsert
from generation.presenter.selectors import presenters_for
from generation.presenter.services import presenter_create
from generation.presets import video_templates_sync_builtin
from shop_video.tenancy.models import Membership
from shop_video.tenancy.selectors import MerchantNotFound, brand_kit_default, merchant_get
from shop_video.tenancy.services import brand_kit_update, membership_add, merchant_create

DEMO_PHOTOS = Path(__file__).resolve().parents[3] / "catalog" / "demo_photos"
DEMO_EMAIL = "demo@example.com"
DEMO_PRESENTER_PHOTO = "astronaut-portrait-print.jpg"  # a real portrait with one face (CREDITS.md)
DEMO_SHOP_URL = "https://demo-prints.example/products/"
# (sku, title, description, price, compare-at price or None (on sale when above the price), photo)
DEMO_PRODUCTS = [
    (
        "DEMO-ESPRESSO-CUP",
        "Espresso Cup, Stoneware",
        "<ul><li>Hand-glazed stoneware</li><li>Holds a 90 ml double shot</li><li>Dishwasher safe</li></ul>",
        "18.00",
        "24.00",
        "espresso-cup.jpg",
    ),
    (
        "DEMO-CAT-PRINT",
        "Cat Portrait Print A3",
        "Giclée print on 300 g cotton paper. Fade-resistant pigment inks.",
        "35.00",
        None,
        "cat-portrait-print.jpg",
    ),
    (
        "DEMO-ROCKET-POSTER",
        "Rocket Launch Poster 50x70",
        "Night launch, printed on matte poster paper.",
        "29.50",
        "39.00",
        "rocket-launch-poster.jpg",
    ),
    (
        "DEMO-ASTRONAUT-PRINT",
        "Astronaut Portrait Print A2",
        "Archival print, signed edition.",
        "49.00",
        None,
        "astronaut-portrait-print.jpg",
    ),
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo merchant `demo` with a login, a brand kit, templates and products."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", "demo-video-2026")
        with transaction.atomic():
            try:
                merchant = merchant_get(slug="demo")
            except MerchantNotFound:
                merchant = merchant_create(slug="demo", name="Demo Prints & Co.")
            user = membership_add(merchant=merchant, email=DEMO_EMAIL, role=Membership.Role.OWNER).user
            # The demo login runs locally only; it may see everything in the admin.
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            kit = brand_kit_default(merchant=merchant)
            colours = {"primary_colour": "#1d3557", "secondary_colour": "#f1faee", "accent_colour": "#e63946"}
            if kit.logo:
                brand_kit_update(kit=kit, **colours)
            else:  # the SVG goes through the same checks and safe rasterising as an uploaded logo
                with (DEMO_PHOTOS / "demo-logo.svg").open("rb") as logo:
                    brand_kit_update(kit=kit, **colours, logo=File(logo, name="demo-logo.svg"))
            templates = video_templates_sync_builtin()
            if not presenters_for(merchant=merchant).exists():  # presenter-spotlight speaks with this host
                presenter_create(
                    merchant=merchant,
                    name="Demo host",
                    slug="demo-host",
                    language="en",
                    avatar=(DEMO_PHOTOS / DEMO_PRESENTER_PHOTO).read_bytes(),
                    framing="chest",
                )
            for sku, title, description, price, compare_at, photo in DEMO_PRODUCTS:
                product, _ = product_upsert(
                    merchant=merchant,
                    key=sku.lower(),
                    title=title,
                    description=description,
                    url=DEMO_SHOP_URL + sku.lower(),
                    variants=[
                        VariantFields(
                            sku=sku,
                            price=Decimal(price),
                            currency="USD",
                            compare_at_price=Decimal(compare_at) if compare_at else None,
                        )
                    ],
                )
                product_image_add(product=product, data=(DEMO_PHOTOS / photo).read_bytes())
        self.stdout.write(
            f"Demo merchant 'demo': {len(DEMO_PRODUCTS)} products, templates: {', '.join(t.slug for t in templates)}."
        )
        self.stdout.write(
            f"Log in at http://127.0.0.1:8000/accounts/login/ (the dashboard) as {DEMO_EMAIL} with password {password}"
        )
        self.stdout.write(
            f"Try: python manage.py render --merchant demo --template product-showcase "
            f"--sku {DEMO_PRODUCTS[0][0]} --aspect 9:16,1:1 --wait"
        )
        self.stdout.write(
            f"Or the presenter: python manage.py render --merchant demo --template presenter-spotlight "
            f"--sku {DEMO_PRODUCTS[1][0]} --aspect 9:16 --wait"
        )
