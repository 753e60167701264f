"""Real brand files built in code for the tests: images, SVGs, a font, audio."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

BUNDLED_FONT = Path(__file__).resolve().parents[2] / "generation" / "assembly" / "fonts" / "DejaVuSans-Bold.ttf"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def raster_bytes(fmt: str, size=(200, 100), colour=(200, 30, 30, 255)) -> bytes:
    mode = "RGBA" if fmt == "PNG" else "RGB"
    image = Image.new(mode, size, colour if mode == "RGBA" else colour[:3])
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def svg_bytes(body: str, attributes: str = 'viewBox="0 0 200 100"', prolog: str = "") -> bytes:
    return (
        f'{prolog}<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f"{attributes}>{body}</svg>"
    ).encode()


# A red square on the left half of a 2:1 canvas; the right half is transparent.
GOOD_SVG = svg_bytes('<rect x="0" y="0" width="100" height="100" fill="#ff0000"/>')


def font_bytes() -> bytes:
    return BUNDLED_FONT.read_bytes()


def wav_bytes(seconds: float, rate: int = 22050) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(2)
        track.setframerate(rate)
        frames = (int(12000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate)))
        track.writeframes(b"".join(struct.pack("<h", frame) for frame in frames))
    return out.getvalue()
