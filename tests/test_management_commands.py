import pytest
from django.core.management import CommandError, call_command

from catalog.models import Product, Variant
from generation.models import RenderJob
from shop_video.tenancy.models import BrandKit, Membership, Merchant
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_merchant_with_an_owner(capsys):
    call_command("create_merchant", "north-shop", "--name", "North Shop", "--user", "Ana@North.test")
    merchant = Merchant.objects.get(slug="north-shop")
    assert merchant.name == "North Shop"
    assert BrandKit.objects.get(merchant=merchant).is_default
    assert Membership.objects.get(merchant=merchant).user.email == "ana@north.test"
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_merchant", "north-shop")
    with pytest.raises(CommandError, match="lowercase letters, digits and hyphens, e.g. 'north-shop-2'"):
        call_command("create_merchant", "North Shop 2")


def test_import_catalog_prints_row_errors_and_counts(merchant, tmp_path, capsys):
    (tmp_path / "mug.jpg").write_bytes(factories.photo_bytes())
    feed = tmp_path / "feed.csv"
    feed.write_text("sku,title,description,price,currency,image\nMUG-1,Mug,,5,USD,mug.jpg\nBAD,Bad,,x,USD,\n")
    call_command("import_catalog", "--merchant", "acme", str(feed))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "row 3 price: price 'x' is not a number: write it like 24.00 or 24.00 EUR",
        "created=1 updated=0 unchanged=0 failed=1 archived=0 status=succeeded",
    ]
    assert Product.objects.get(key="MUG-1").images.count() == 1
    with pytest.raises(CommandError, match="No merchant with slug 'nobody'"):
        call_command("import_catalog", "--merchant", "nobody", str(feed))


def test_render_refuses_bad_requests_without_creating_a_job(merchant, product_with_photos, builtin_templates):
    with pytest.raises(CommandError, match="no product with SKU 'NOPE'"):
        call_command("render", "--merchant", "acme", "--template", "product-showcase", "--sku", "NOPE")
    with pytest.raises(CommandError, match="No template 'nope'"):
        call_command("render", "--merchant", "acme", "--template", "nope", "--sku", "MUG-1")
    assert RenderJob.objects.count() == 0


def test_render_without_wait_queues_the_job(merchant, product_with_photos, builtin_templates, sent_tasks, capsys):
    call_command("render", "--merchant", "acme", "--template", "quick-bumper", "--sku", "MUG-1", "--aspect", "1:1,4:5")
    job = RenderJob.objects.get()
    assert job.aspect_ratios == ["1:1", "4:5"]
    # The bumper's one shot per photo (the CPU engine uses every photo: the mug has two) and aspect ratio.
    assert capsys.readouterr().out.strip() == f"Render job {job.pk} queued (4 shots)."


def test_seed_demo_is_idempotent_and_ships_real_photos(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    merchant = Merchant.objects.get(slug="demo")
    assert Variant.objects.filter(merchant=merchant).count() == 4
    for product in Product.objects.filter(merchant=merchant):
        image = product.images.get()
        assert image.status == "ready" and min(image.width, image.height) >= 300
    assert (
        "Log in at http://127.0.0.1:8000/accounts/login/ (the dashboard) as demo@example.com" in capsys.readouterr().out
    )


def test_upload_photos_from_a_zip_and_for_one_sku(merchant, product_with_photos, tmp_path, capsys):
    from tests.catalog.hostile_files import zip_of

    archive = tmp_path / "photos.zip"
    archive.write_bytes(zip_of({"MUG-1-3.jpg": factories.photo_bytes(seed=9), "NOPE.jpg": factories.photo_bytes()}))
    call_command("upload_photos", "--merchant", "acme", str(archive))
    assert capsys.readouterr().out.splitlines()[-1] == "attached=1 failed=1"
    photo = tmp_path / "side.png"
    photo.write_bytes(factories.photo_bytes(seed=11, fmt="PNG"))
    call_command("upload_photos", "--merchant", "acme", "--sku", "MUG-1", str(photo))
    assert capsys.readouterr().out.strip() == "attached=1 failed=0"
    assert product_with_photos.images.count() == 4
    slip = tmp_path / "slip.zip"
    slip.write_bytes(zip_of({"../evil.jpg": b"x"}))
    with pytest.raises(CommandError, match="slip.zip: '../evil.jpg' points outside the archive"):
        call_command("upload_photos", "--merchant", "acme", str(slip))


@pytest.mark.parametrize(
    "mapping, message",
    [
        (["sku", "title"], "the mapping must be an object of our field names to your column names"),
        ({"sku": "Art", "colour": "Farbe"}, "the mapping names fields we do not have: colour"),
    ],
)
def test_a_broken_saved_mapping_is_refused_on_save_and_at_import(merchant, tmp_path, mapping, message):
    from django.core.exceptions import ValidationError

    from catalog.models import ImportMapping

    saved = ImportMapping(merchant=merchant, name="shop", mapping=mapping)
    with pytest.raises(ValidationError, match=message):
        saved.full_clean()
    saved.save()  # saved around the form (e.g. from a shell): the import still refuses it clearly
    feed = tmp_path / "feed.csv"
    feed.write_text("Art,Name,Preis\nA-1,Mug,5\n")
    with pytest.raises(CommandError, match=f"Import failed: {message}"):
        call_command("import_catalog", "--merchant", "acme", "--mapping", "shop", str(feed))
