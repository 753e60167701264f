"""The checks a brand kit's files pass before they are stored: a logo, a font, a music track.

Each check reads an upload, refuses it with a ValidationError that says what to send instead, and returns the
file as it is stored (a logo always becomes a transparent PNG). What they return is a `CheckedAsset`, so a
service handed an already-checked file (a form's clean_logo ran first) does not check it twice.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import subprocess
import tempfile
import warnings
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageFont

from shop_video.image_guards import ImageRefused, image_open_guarded

LOGO_RASTER_FORMATS = {"PNG", "JPEG", "WEBP"}
LOGO_MAX_SIDE = 4096  # an uploaded raster may be this big...
LOGO_STORED_SIDE = 1024  # ...and is stored at most this big, as is a rasterised SVG
LOGO_MAX_ASPECT = 16  # a 1024 px long side still leaves 64 px on the short one
SVG_MAX_BYTES = 1024 * 1024
FONT_MAX_BYTES = 20 * 1024 * 1024
FONT_REQUIRED_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
MUSIC_MAX_BYTES = 50 * 1024 * 1024
MUSIC_EXTENSIONS = ("mp3", "m4a", "aac", "wav", "ogg", "flac")
MUSIC_MIN_SECONDS = 1.0
MUSIC_MOODS = ("upbeat", "calm", "elegant", "energetic", "warm")  # a track's mood, which a template may ask for
FFMPEG_TIMEOUT_SECONDS = 60

_SVG_NS = "{http://www.w3.org/2000/svg}"
_SVG_FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "include"}  # include: XInclude
_SAFE_DATA_URI = re.compile(r"^data:image/(png|jpeg);base64,", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_SVG_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in|%)?\s*$")
_UNIT_PX = {None: 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}
_DURATION = re.compile(r"Duration:\s*(\d+):(\d\d):(\d\d(?:\.\d+)?)")
_PROGRESS_TIME = re.compile(r"^out_time_us=(\d+)$", re.MULTILINE)


class CheckedAsset(ContentFile):
    """A brand file that passed its check (only this module makes them)."""


# --- Logo -----------------------------------------------------------------------------------------------------


def logo_clean(uploaded) -> CheckedAsset:
    """A PNG, JPEG or WebP logo, or an SVG without scripts or outside references, as a transparent PNG at most
    1024 px on its long side, named `<stem>.png`."""
    data = _read_limited(uploaded, settings.IMAGE_MAX_BYTES, "logo")
    if not data.strip():
        raise ValidationError("The logo file is empty; upload a PNG, JPEG, WebP or SVG logo.", code="empty")
    if _looks_like_svg(uploaded, data):
        image = _svg_rasterise(data)
    else:
        image = _raster_logo_open(data)
    if image.getchannel("A").getextrema()[1] == 0:
        raise ValidationError(
            "The logo is fully transparent, so nothing would show; upload a logo with visible shapes.",
            code="transparent",
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return CheckedAsset(out.getvalue(), name=f"{_stem(uploaded, 'logo')}.png")


def _looks_like_svg(uploaded, data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return _extension(uploaded) in ("svg", "svgz") or head.startswith(b"<")


def _raster_logo_open(data: bytes) -> Image.Image:
    # The same guards as product photos (shop_video/image_guards.py), with a logo's formats, size and words.
    try:
        image = image_open_guarded(
            data, formats=LOGO_RASTER_FORMATS, max_pixels=settings.IMAGE_MAX_PIXELS, max_side=LOGO_MAX_SIDE
        ).convert("RGBA")
    except ImageRefused as refusal:
        raise _logo_refusal_error(refusal) from None
    image.thumbnail((LOGO_STORED_SIDE, LOGO_STORED_SIDE), Image.Resampling.LANCZOS)
    return image


def _logo_refusal_error(refusal: ImageRefused) -> ValidationError:
    if refusal.reason == "format":
        return ValidationError(
            f"{refusal.format} logos are not accepted; upload a PNG, JPEG, WebP or SVG.", code="format"
        )
    if refusal.reason == "too_large":
        return ValidationError(
            f"The logo is {refusal.width}x{refusal.height} pixels; upload one at most "
            f"{LOGO_MAX_SIDE} pixels on each side.",
            code="too_large",
        )
    if refusal.reason == "bomb":
        return ValidationError(
            f"The logo claims far too many pixels; upload one at most {LOGO_MAX_SIDE} pixels on each side.",
            code="too_large",
        )
    if refusal.reason == "unreadable":
        return ValidationError("The logo is not a readable image; upload a PNG, JPEG, WebP or SVG.", code="format")
    return ValidationError(
        f"The logo image is damaged or truncated ({refusal.error}); export it again.", code="damaged"
    )


def _svg_rasterise(data: bytes) -> Image.Image:
    import resvg_py

    if len(data) > SVG_MAX_BYTES:
        raise ValidationError(
            f"The SVG logo is {len(data):,} bytes; the limit is {SVG_MAX_BYTES:,} bytes. Simplify it or upload a PNG.",
            code="too_large",
        )
    root = _svg_parse_safely(data)
    width, height = _svg_canvas_size(root)
    if max(width, height) / min(width, height) > LOGO_MAX_ASPECT:
        raise ValidationError(
            f"The SVG logo is {width:g}x{height:g}: at most {LOGO_MAX_ASPECT} times wider than "
            "tall (or taller than wide) is accepted.",
            code="aspect",
        )
    size = {"width": LOGO_STORED_SIDE} if width >= height else {"height": LOGO_STORED_SIDE}
    # An empty resources folder: even a reference the checks missed has nothing to read.
    with tempfile.TemporaryDirectory(prefix="svg-resources-") as nowhere:
        try:
            png = resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), resources_dir=nowhere, **size)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(
                f"The SVG logo could not be drawn ({exc}); export it again or upload a PNG.", code="damaged"
            ) from None
    image = Image.open(io.BytesIO(bytes(png)))
    if max(image.size) > LOGO_STORED_SIDE + 1:  # our size reading and resvg's disagree: do not keep a giant
        raise ValidationError(
            "The SVG logo's size could not be read reliably; give the <svg> element a viewBox.", code="size"
        )
    return image.convert("RGBA")


def _svg_parse_safely(data: bytes):
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ValidationError(
            "The SVG logo has a DOCTYPE or entity declarations, which are not accepted; remove "
            "them (re-export as plain SVG).",
            code="svg_unsafe",
        ) from None
    except ParseError as exc:
        raise ValidationError(
            f"The logo is not a well-formed SVG ({exc}); upload a PNG, JPEG, WebP or SVG.", code="format"
        ) from None
    if root.tag != f"{_SVG_NS}svg":
        raise ValidationError(
            'The logo file is XML but not SVG (the root must be <svg xmlns="http://www.w3.org/'
            '2000/svg">); upload a PNG, JPEG, WebP or SVG.',
            code="format",
        )
    for element in root.iter():
        name = _local(element.tag)
        if name in _SVG_FORBIDDEN_ELEMENTS:
            raise ValidationError(
                f"The SVG logo contains <{name}>, which is not accepted in a logo; remove it.", code="svg_unsafe"
            )
        for attribute, value in element.attrib.items():
            attribute = _local(attribute)
            if attribute.lower().startswith("on"):
                raise ValidationError(
                    f"The SVG logo has an event handler ({attribute} on <{name}>); remove it.", code="svg_unsafe"
                )
            if attribute == "href":
                _svg_reference_check(value, where=f"<{name}> href")
            for url in _CSS_URL.findall(value):
                _svg_reference_check(url, where=f"<{name}> {attribute}")
        if name == "style" and element.text:
            if "@import" in element.text.lower():
                raise ValidationError(
                    "The SVG logo's <style> uses @import; put the styles in the file itself.", code="svg_unsafe"
                )
            for url in _CSS_URL.findall(element.text):
                _svg_reference_check(url, where="<style>")
    return root


def _svg_reference_check(reference: str, *, where: str) -> None:
    """Only references inside the file: `#id`, or an embedded PNG/JPEG (itself within the pixel limit)."""
    reference = reference.strip()
    if reference.startswith("#"):
        return
    if _SAFE_DATA_URI.match(reference):
        try:
            embedded = base64.b64decode(reference.split(",", 1)[1], validate=False)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(embedded)) as image:
                    width, height = image.size
        except (binascii.Error, OSError, ValueError, Image.DecompressionBombError):
            raise ValidationError(
                f"The SVG logo's embedded image ({where}) is not a readable PNG or JPEG; embed it again.",
                code="svg_unsafe",
            ) from None
        if width * height > settings.IMAGE_MAX_PIXELS:
            raise ValidationError(
                f"The SVG logo's embedded image is {width}x{height} pixels; the limit is "
                f"{settings.IMAGE_MAX_PIXELS:,} pixels.",
                code="too_large",
            )
        return
    shown = reference if len(reference) <= 60 else reference[:57] + "..."
    raise ValidationError(
        f"The SVG logo refers to {shown!r} ({where}); a logo may only refer to its own parts "
        "(#id) or embed PNG/JPEG images as data: URIs. Embed or remove it.",
        code="svg_unsafe",
    )


def _svg_canvas_size(root) -> tuple[float, float]:
    """The size resvg draws at: width/height, else the viewBox's (both needed to pick the long side)."""
    view_box = None
    if root.get("viewBox"):
        try:
            _, _, vb_width, vb_height = (float(part) for part in re.split(r"[\s,]+", root.get("viewBox").strip()))
            view_box = (vb_width, vb_height) if vb_width > 0 and vb_height > 0 else None
        except ValueError:
            view_box = None
    sides = []
    for index, attribute in enumerate(("width", "height")):
        match = _SVG_LENGTH.match(root.get(attribute, ""))
        if match and match.group(2) == "%":
            sides.append(view_box[index] * float(match.group(1)) / 100 if view_box else None)
        elif match:
            sides.append(float(match.group(1)) * _UNIT_PX[match.group(2)])
        else:
            sides.append(view_box[index] if view_box else None)
    if None in sides or min(sides) <= 0:
        raise ValidationError(
            "The SVG logo has no usable size; give the <svg> element a viewBox (e.g. "
            'viewBox="0 0 200 100") or width and height in px.',
            code="size",
        )
    return sides[0], sides[1]


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


# --- Font -----------------------------------------------------------------------------------------------------


def font_clean(uploaded) -> CheckedAsset:
    """A TrueType or OpenType font with the letters and digits titles need, that Pillow can draw with."""
    from fontTools.ttLib import TTFont, TTLibError

    data = _read_limited(uploaded, FONT_MAX_BYTES, "font")
    accepted = "Upload a TrueType (.ttf) or OpenType (.otf) font"
    if data[:4] in (b"wOFF", b"wOF2"):
        raise ValidationError(
            f"WOFF web fonts are not accepted. {accepted}; the desktop version of the font is usually one.",
            code="format",
        )
    if data[:4] == b"ttcf":
        raise ValidationError(
            f"Font collections (.ttc) are not accepted. {accepted} holding a single face.", code="format"
        )
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        sfnt_version = font.sfntVersion
        cmap = font.getBestCmap() or {}
    except (TTLibError, AssertionError, KeyError, ValueError, OSError, struct.error) as exc:
        raise ValidationError(f"The font file could not be read ({exc}). {accepted}.", code="format") from None
    if sfnt_version not in ("\x00\x01\x00\x00", "true", "OTTO") or font.flavor:
        raise ValidationError(f"This is not a TrueType or OpenType font. {accepted}.", code="format")
    missing = [character for character in FONT_REQUIRED_CHARACTERS if ord(character) not in cmap]
    if missing:
        raise ValidationError(
            f"The font has no glyphs for {''.join(missing[:20])}{'...' if len(missing) > 20 else ''}"
            "; titles need A-Z, a-z and 0-9. Choose a font that covers Latin letters.",
            code="coverage",
        )
    try:
        ImageFont.truetype(io.BytesIO(data), size=24).getbbox("Ag0")
    except OSError as exc:
        raise ValidationError(f"The font could not be loaded for drawing ({exc}). {accepted}.", code="format") from None
    extension = "otf" if sfnt_version == "OTTO" else "ttf"
    return CheckedAsset(data, name=f"{_stem(uploaded, 'font')}.{extension}")


# --- Music ----------------------------------------------------------------------------------------------------


def music_clean(uploaded) -> CheckedAsset:
    """An audio file ffmpeg decodes, at least a second long."""
    extension = _extension(uploaded)
    accepted = ", ".join(extension.upper() for extension in MUSIC_EXTENSIONS)
    if extension not in MUSIC_EXTENSIONS:
        raise ValidationError(f"Music must be {accepted} (the file name ends in .{extension or '?'}).", code="format")
    data = _read_limited(uploaded, MUSIC_MAX_BYTES, "music file")
    if not data:
        raise ValidationError(f"The music file is empty; upload {accepted}.", code="empty")
    with tempfile.TemporaryDirectory(prefix="brand-music-") as folder:
        path = Path(folder) / f"track.{extension}"
        path.write_bytes(data)
        _audio_check(path, accepted)
    return CheckedAsset(data, name=f"{_stem(uploaded, 'music')}.{extension}")


def _audio_check(path: Path, accepted: str) -> None:
    """Refuse a file with no audio stream, one ffmpeg cannot decode, or one shorter than a second. There is no
    ffprobe: `ffmpeg -i` alone prints the streams and duration, and decoding two seconds proves it plays."""
    info = _ffmpeg(["-hide_banner", "-nostdin", "-i", str(path)])
    if "Audio:" not in info.stderr:
        raise ValidationError(
            f"The music file has no audio in it (or is not a media file); upload {accepted}.", code="no_audio"
        )
    decode = _ffmpeg(
        [
            "-v",
            "error",
            "-nostdin",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-t",
            "2",
            "-f",
            "null",
            "-progress",
            "pipe:1",
            "-nostats",
            "-",
        ]
    )
    problem = decode.stderr.strip().splitlines()
    if decode.returncode != 0 or problem:
        reason = problem[-1] if problem else f"ffmpeg exited with {decode.returncode}"
        raise ValidationError(
            f"The music file could not be decoded ({reason[:200]}); export it again as {accepted}.", code="undecodable"
        )
    seconds = _duration_seconds(info.stderr)
    decoded = [int(us) / 1_000_000 for us in _PROGRESS_TIME.findall(decode.stdout)]
    if seconds is None or decoded and max(decoded) < min(seconds, 2.0) - 0.1:
        seconds = max(decoded, default=0.0)  # header missing or wrong: trust what decoded
    if seconds < MUSIC_MIN_SECONDS:
        raise ValidationError(
            f"The music is {seconds:.2f} s long; upload a track of at least "
            f"{MUSIC_MIN_SECONDS:g} s (it is looped to the video's length).",
            code="too_short",
        )


def _ffmpeg(arguments: list[str]) -> subprocess.CompletedProcess:
    import imageio_ffmpeg

    try:
        return subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), *arguments],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=FFMPEG_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ValidationError(
            "The music file took too long to read; export it again as a plain MP3 or WAV.", code="undecodable"
        ) from None


def _duration_seconds(ffmpeg_info: str) -> float | None:
    match = _DURATION.search(ffmpeg_info)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


# --- Shared ---------------------------------------------------------------------------------------------------


def _read_limited(uploaded, limit: int, what: str) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(f"The {what} is {size:,} bytes; the limit is {limit:,} bytes.", code="too_large")
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"The {what} is over the limit of {limit:,} bytes.", code="too_large")
    return data


def _extension(uploaded) -> str:
    return PurePath(getattr(uploaded, "name", "") or "").suffix.lower().lstrip(".")


def _stem(uploaded, default: str) -> str:
    stem = PurePath(getattr(uploaded, "name", "") or "").stem
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or default
