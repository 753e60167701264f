import io

import pytest
from PIL import Image

from catalog.images import ImageRejected, image_normalise
from tests import factories


def _decode(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (300, 100), (10, 200, 10))
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    normalised = image_normalise(out.getvalue())
    assert (normalised.width, normalised.height) == (100, 300)


def test_cmyk_and_transparent_images_become_rgb_jpegs():
    cmyk = io.BytesIO()
    Image.new("CMYK", (40, 30), (0, 255, 255, 0)).save(cmyk, format="JPEG")
    assert _decode(image_normalise(cmyk.getvalue()).content).mode == "RGB"
    rgba = io.BytesIO()
    Image.new("RGBA", (40, 30), (255, 0, 0, 0)).save(rgba, format="PNG")
    decoded = _decode(image_normalise(rgba.getvalue()).content)
    assert decoded.format == "JPEG" and decoded.getpixel((20, 15))[0] > 240  # transparent -> white


def test_same_bytes_same_hash_and_different_photos_differ():
    a, b = factories.photo_bytes(seed=1), factories.photo_bytes(seed=2)
    assert image_normalise(a).sha256 == image_normalise(a).sha256 != image_normalise(b).sha256


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"%PDF-1.4 not an image", "not a readable image"),
    ],
)
def test_non_images_are_rejected(data, message):
    with pytest.raises(ImageRejected, match=message):
        image_normalise(data)


def test_oversized_images_are_rejected_before_decoding(settings):
    settings.IMAGE_MAX_PIXELS = 10_000
    with pytest.raises(ImageRejected, match=r"the image is 320x240 pixels; the limit is 10,000 pixels"):
        image_normalise(factories.photo_bytes())
    settings.IMAGE_MAX_BYTES = 1024
    with pytest.raises(ImageRejected, match="the limit is 1,024 bytes"):
        image_normalise(factories.photo_bytes())


def test_truncated_files_are_rejected():
    with pytest.raises(ImageRejected, match="damaged or truncated|not a readable image"):
        image_normalise(factories.photo_bytes()[:300])
