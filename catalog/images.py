"""Product photos: validated by content, oriented, converted to sRGB, capped in size, hashed.

The guards every uploaded image passes are shared (shop_video/image_guards.py); what is particular to a
product photo is here: the formats, the wording, sRGB on a white background, the size cap, the hash.

Whatever a merchant uploads (a 60 MB TIFF, a CMYK JPEG, a phone photo lying on its side) comes out as a sane
RGB JPEG that the engines can use, or is refused with a message that says why.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageCms

from shop_video.image_guards import ImageRefused, image_open_guarded

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
        image = image_open_guarded(data, formats=ALLOWED_FORMATS, max_pixels=settings.IMAGE_MAX_PIXELS)
    except ImageRefused as refusal:
        raise ImageRejected(_refusal_message(refusal)) from None
    try:
        image = _to_srgb(image)
    except (OSError, ValueError) as exc:
        raise ImageRejected(f"the image is damaged or truncated ({exc})") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, optimize=True)
    return NormalisedImage(out.getvalue(), hashlib.sha256(data).hexdigest(), image.width, image.height)


def _refusal_message(refusal: ImageRefused) -> str:
    limit = f"the limit is {settings.IMAGE_MAX_PIXELS:,} pixels"
    if refusal.reason == "format":
        return f"{refusal.format} images are not accepted; send {', '.join(sorted(ALLOWED_FORMATS))}"
    if refusal.reason == "too_large":
        return f"the image is {refusal.width}x{refusal.height} pixels; {limit}"
    if refusal.reason == "bomb":
        claimed = f"{refusal.claimed_pixels:,} pixels" if refusal.claimed_pixels else "too many pixels"
        return f"the image claims {claimed}; {limit}"
    if refusal.reason == "unreadable":
        return f"not a readable image ({refusal.error})"
    return f"the image is damaged or truncated ({refusal.error})"


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
