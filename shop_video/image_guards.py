"""Opening image bytes that someone uploaded, without trusting them: product photos, logos, presenter photos.

The format is read from the content, our pixel limit is checked before any pixel is decoded (Pillow's own bomb
limit is far higher), the whole file is verified, then it is decoded and turned upright (EXIF orientation).
A refusal says why as data; each caller words the message for its own users.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Collection

from PIL import Image, ImageOps, UnidentifiedImageError


class ImageRefused(ValueError):
    """Why the bytes were refused. `reason` is one of:
    "format" (`format` is the detected one), "too_large" (`width` x `height` over a limit), "bomb" (Pillow
    refused to open it; `claimed_pixels` when its message says how many), "unreadable" and "damaged" (`error`)."""

    def __init__(
        self,
        reason: str,
        *,
        format: str | None = None,
        width: int = 0,
        height: int = 0,
        claimed_pixels: int | None = None,
        error: str = "",
    ):
        super().__init__(reason)
        self.reason = reason
        self.format = format
        self.width = width
        self.height = height
        self.claimed_pixels = claimed_pixels
        self.error = error


def image_open_guarded(
    data: bytes, *, formats: Collection[str], max_pixels: int, max_side: int | None = None
) -> Image.Image:
    """The decoded, upright image, or ImageRefused. `formats` are Pillow format names ("JPEG", "PNG", ...)."""
    try:
        with warnings.catch_warnings():
            # Pillow warns about big images; our own, lower limit is enforced just below instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            if probe.format not in formats:
                raise ImageRefused("format", format=probe.format)
            width, height = probe.size
            if width * height > max_pixels or (max_side is not None and max(width, height) > max_side):
                raise ImageRefused("too_large", width=width, height=height)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return ImageOps.exif_transpose(image)
    except ImageRefused:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses truly huge images inside open(), before we can look at their size.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        raise ImageRefused("bomb", claimed_pixels=int(claimed.group(1)) if claimed else None) from None
    except UnidentifiedImageError:
        # PIL's message names the in-memory file ("<_io.BytesIO object at 0x...>"): useless to a merchant.
        raise ImageRefused("unreadable", error="not a format an image library recognises") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused("damaged", error=str(exc)) from None
