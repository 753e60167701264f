import zipfile

import pytest

from catalog.images import ImageRejected, image_normalise
from catalog.models import ProductImage
from catalog.uploads import ArchiveRejected, product_images_from_zip, product_images_upload
from tests import factories
from tests.catalog.hostile_files import png_claiming, psd, zip_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(merchant):
    return {sku: factories.product_make(merchant=merchant, sku=sku, photos=0) for sku in ("MUG-1", "TEE-RED")}


def test_zip_photos_are_matched_by_sku_suffix_and_folder(merchant, products):
    archive = zip_of(
        {
            "MUG-1.jpg": factories.photo_bytes(seed=1),  # the SKU itself, even though it ends in -1
            "mug-1-2.jpg": factories.photo_bytes(seed=2),  # SKU + a number, case-insensitive
            "tee-red (3).png": factories.photo_bytes(seed=3, fmt="PNG"),
            "TEE-RED/back.jpg": factories.photo_bytes(seed=4),  # a folder named after the SKU
            "__MACOSX/._MUG-1.jpg": b"resource fork",  # macOS debris is ignored, not reported
            "unknown-thing.jpg": factories.photo_bytes(seed=5),
        }
    )
    report = product_images_from_zip(merchant=merchant, archive=archive)
    assert sorted(report.attached) == [
        ("MUG-1.jpg", "mug-1"),
        ("TEE-RED/back.jpg", "tee-red"),
        ("mug-1-2.jpg", "mug-1"),
        ("tee-red (3).png", "tee-red"),
    ]
    assert report.errors == [
        {
            "file": "unknown-thing.jpg",
            "message": (
                "no product has this SKU or handle; name photos SKU.jpg, SKU-2.jpg or put them in a folder named after the SKU"
            ),
        }
    ]
    assert products["MUG-1"].images.count() == 2 and products["TEE-RED"].images.count() == 2


def test_a_bad_photo_in_a_zip_is_reported_and_the_others_kept(merchant, products):
    archive = zip_of({"MUG-1.jpg": psd(), "TEE-RED.jpg": factories.photo_bytes()})
    report = product_images_from_zip(merchant=merchant, archive=archive)
    assert report.attached == [("TEE-RED.jpg", "tee-red")]
    assert report.errors[0]["file"] == "MUG-1.jpg"
    assert report.errors[0]["message"].startswith("PSD images are not accepted; send BMP, GIF, JPEG, PNG, TIFF, WEBP")


@pytest.mark.parametrize(
    "members, symlinks, message",
    [
        ({"../../etc/cron.d/evil.jpg": b"x"}, None, "points outside the archive"),
        ({"/abs/evil.jpg": b"x"}, None, "points outside the archive"),
        ({"C:\\evil.jpg": b"x"}, None, "points outside the archive"),
        ({}, {"MUG-1.jpg": "/etc/passwd"}, "is a symbolic link"),
    ],
)
def test_zip_slip_and_links_refuse_the_whole_archive(merchant, products, members, symlinks, message):
    with pytest.raises(ArchiveRejected, match=message):
        product_images_from_zip(merchant=merchant, archive=zip_of(members, symlinks=symlinks))
    assert ProductImage.objects.count() == 0


def test_compression_bombs_too_many_members_and_non_zips_are_refused(merchant, products, monkeypatch):
    bomb = zip_of({"MUG-1.jpg": b"\0" * 5_000_000}, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ArchiveRejected, match=r"is compressed \d+:1, which photos never are"):
        product_images_from_zip(merchant=merchant, archive=bomb)
    from catalog import uploads

    monkeypatch.setattr(uploads, "ZIP_MAX_MEMBERS", 3)
    with pytest.raises(ArchiveRejected, match="the zip holds 4 files; upload at most 3 at a time"):
        product_images_from_zip(merchant=merchant, archive=zip_of({f"{i}.jpg": b"x" for i in range(4)}))
    with pytest.raises(ArchiveRejected, match="not a zip archive"):
        product_images_from_zip(merchant=merchant, archive=b"PK but not really")


def test_many_files_for_one_product(merchant, products):
    report = product_images_upload(
        product=products["MUG-1"],
        files=[
            ("front.jpg", factories.photo_bytes(seed=1)),
            ("huge.png", png_claiming(50_000, 50_000)),
            ("side.jpg", factories.photo_bytes(seed=2)),
        ],
    )
    assert [name for name, _ in report.attached] == ["front.jpg", "side.jpg"]
    assert report.errors == [
        {"file": "huge.png", "message": "the image claims 2,500,000,000 pixels; the limit is 50,000,000 pixels"}
    ]


def test_a_50000_square_png_header_is_refused_before_decoding():
    with pytest.raises(ImageRejected, match="claims 2,500,000,000 pixels; the limit is 50,000,000 pixels"):
        image_normalise(png_claiming(50_000, 50_000))
    # Below Pillow's own bomb threshold, our (lower) limit still refuses it, naming the size.
    with pytest.raises(ImageRejected, match="the image is 10000x10000 pixels; the limit is 50,000,000 pixels"):
        image_normalise(png_claiming(10_000, 10_000))


def test_a_psd_renamed_jpg_is_refused_by_content():
    with pytest.raises(ImageRejected, match="PSD images are not accepted"):
        image_normalise(psd())
