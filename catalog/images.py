"""Product photos: validated by content, oriented, converted to sRGB, capped in size, hashed.

Whatever a merchant uploads (a 60 MB TIFF, a CMYK JPEG, a phone photo lying on its side) comes out as a sane
RGB JPEG that the engines can use, or is refused with a message that says why.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
MAX_SIDE = 4096


class ImageRejected(ValueError):
    """The bytes are not a photo we accept; the message says why and what to send instead."""


@dataclass(frozen=True)
class NormalisedImage:
    content: bytes  # JPEG
    sha256: str  # of the bytes as received, so the same upload twice is recognised
    width: int
    height: int


def image_normalise(data: bytes) -> NormalisedImage:
    if not data:
        raise ImageRejected("the file is empty")
    if len(data) > settings.IMAGE_MAX_BYTES:
        raise ImageRejected(f"the file is {len(data):,} bytes; the limit is {settings.IMAGE_MAX_BYTES:,} bytes")
    try:
        with warnings.catch_warnings():
            # Pillow warns about big images; we enforce our own, lower limit just below instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected(f"{probe.format} images are not accepted; send {', '.join(sorted(ALLOWED_FORMATS))}")
            width, height = probe.size
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ImageRejected(f"the image is {width}x{height} pixels; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _to_srgb(image)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses truly huge images inside open(), before we can look at their size.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(claimed.group(1)):,} pixels" if claimed else "too many pixels"
        raise ImageRejected(f"the image claims {size}; the limit is {settings.IMAGE_MAX_PIXELS:,} pixels") from None
    except UnidentifiedImageError as exc:
        raise ImageRejected(f"not a readable image ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(f"the image is damaged or truncated ({exc})") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, optimize=True)
    return NormalisedImage(out.getvalue(), hashlib.sha256(data).hexdigest(), image.width, image.height)


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: fall through and treat the pixels as sRGB
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Cut-out product shots: put them on white, the usual shop background.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
