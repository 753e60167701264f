"""The brand file checks on real files: what is accepted comes out usable, what is refused says why."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from shop_video.tenancy.brand_assets import font_clean, logo_clean, music_clean
from tests.tenancy.files import GOOD_SVG, font_bytes, raster_bytes, svg_bytes, upload, wav_bytes


def _png(asset) -> Image.Image:
    image = Image.open(io.BytesIO(asset.read()))
    assert image.format == "PNG"
    return image


def _refused(check, uploaded) -> str:
    with pytest.raises(ValidationError) as caught:
        check(uploaded)
    return " ".join(caught.value.messages)


# --- Logo: rasters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, name", [("PNG", "mark.png"), ("JPEG", "mark.jpg"), ("WEBP", "mark.webp")])
def test_a_raster_logo_becomes_an_rgba_png_named_after_it(fmt, name):
    asset = logo_clean(upload(name, raster_bytes(fmt)))
    assert asset.name == "mark.png"
    image = _png(asset)
    assert image.mode == "RGBA" and image.size == (200, 100)
    assert image.getpixel((50, 50))[:3] == pytest.approx((200, 30, 30), abs=3)


def test_a_big_logo_is_stored_at_1024_px_on_its_long_side():
    image = _png(logo_clean(upload("big.png", raster_bytes("PNG", size=(3000, 1500)))))
    assert image.size == (1024, 512)


def test_a_logo_over_4096_px_a_side_is_refused():
    assert "at most 4096 pixels" in _refused(logo_clean, upload("huge.png", raster_bytes("PNG", size=(5000, 10))))


def test_a_decompression_bomb_is_refused_before_decoding(settings):
    settings.IMAGE_MAX_PIXELS = 10_000
    assert "at most 4096" in _refused(logo_clean, upload("bomb.png", raster_bytes("PNG", size=(200, 200))))


def test_other_image_formats_and_garbage_are_refused():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert "GIF logos are not accepted" in _refused(logo_clean, upload("a.gif", gif.getvalue()))
    assert "not a readable image" in _refused(logo_clean, upload("a.png", b"\x89PNG but not really" * 10))
    assert "empty" in _refused(logo_clean, upload("a.png", b""))


def test_a_fully_transparent_logo_is_refused():
    message = _refused(logo_clean, upload("clear.png", raster_bytes("PNG", colour=(0, 0, 0, 0))))
    assert "fully transparent" in message


# --- Logo: SVG --------------------------------------------------------------------------------------------------


def test_a_good_svg_is_rasterised_to_a_transparent_png_at_1024_px():
    asset = logo_clean(upload("brand.svg", GOOD_SVG))
    assert asset.name == "brand.png"
    image = _png(asset)
    assert image.mode == "RGBA" and image.size == (1024, 512)
    assert image.getpixel((256, 256)) == (255, 0, 0, 255)  # inside the square
    assert image.getpixel((800, 256))[3] == 0  # the right half stays transparent


def test_a_tall_svg_gets_1024_px_of_height_and_fragment_references_work():
    svg = svg_bytes(
        '<defs><rect id="r" width="50" height="200" fill="#00ff00"/></defs><use href="#r"/>',
        attributes='width="100" height="200"',
    )
    image = _png(logo_clean(upload("tall.svg", svg)))
    assert image.size == (512, 1024)
    assert image.getpixel((100, 500)) == (0, 255, 0, 255)


def test_an_svg_may_embed_a_png():
    import base64

    data = base64.b64encode(raster_bytes("PNG", size=(10, 10), colour=(0, 0, 255, 255))).decode()
    svg = svg_bytes(f'<image href="data:image/png;base64,{data}" width="200" height="100"/>')
    image = _png(logo_clean(upload("embedded.svg", svg)))
    assert image.getpixel((512, 256))[2] > 200


HOSTILE_SVGS = {
    "external entity": (
        svg_bytes(
            "<text>&xxe;</text>",
            prolog='<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        ),
        "DOCTYPE",
    ),
    "doctype": (
        svg_bytes(
            "<rect width='1' height='1'/>",
            prolog='<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
        ),
        "DOCTYPE",
    ),
    "script": (svg_bytes("<script>alert(1)</script><rect width='10' height='10'/>"), "<script>"),
    "file href": (svg_bytes('<image href="file:///etc/passwd" width="10" height="10"/>'), "file:///etc/passwd"),
    "xlink file href": (svg_bytes('<image xlink:href="/etc/hostname" width="10" height="10"/>'), "/etc/hostname"),
    "http href": (
        svg_bytes('<image href="http://169.254.169.254/logo.png" width="10" height="10"/>'),
        "http://169.254.169.254/logo.png",
    ),
    "foreignObject": (
        svg_bytes(
            '<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
        ),
        "<foreignObject>",
    ),
    "event handler": (svg_bytes('<rect width="10" height="10" onload="alert(1)"/>'), "onload"),
    "css url": (
        svg_bytes('<rect width="10" height="10" style="fill: url(http://evil.example/x)"/>'),
        "http://evil.example/x",
    ),
    "svg data uri": (
        svg_bytes('<image href="data:image/svg+xml;base64,PHN2Zz4=" width="9" height="9"/>'),
        "data:image/svg+xml",
    ),
}


@pytest.mark.parametrize("case", HOSTILE_SVGS)
def test_hostile_svgs_are_refused_with_the_reason(case):
    svg, named = HOSTILE_SVGS[case]
    message = _refused(logo_clean, upload("evil.svg", svg))
    assert named in message, message


def test_svg_limits():
    assert "1,048,576 bytes" in _refused(logo_clean, upload("big.svg", svg_bytes("<!--" + "x" * 1_100_000 + "-->")))
    assert "16 times" in _refused(logo_clean, upload("thin.svg", svg_bytes("", attributes='viewBox="0 0 10000 1"')))
    assert "viewBox" in _refused(logo_clean, upload("sizeless.svg", svg_bytes("", attributes='width="50%"')))
    assert "fully transparent" in _refused(logo_clean, upload("empty.svg", svg_bytes("")))
    assert "not SVG" in _refused(logo_clean, upload("x.svg", b"<html><body>hi</body></html>"))
    assert "well-formed" in _refused(logo_clean, upload("x.svg", b"<svg><rect></svg>"))


# --- Font -------------------------------------------------------------------------------------------------------


def test_a_real_ttf_is_accepted():
    asset = font_clean(upload("Brand Font.ttf", font_bytes()))
    assert asset.name == "Brand-Font.ttf" and asset.read() == font_bytes()


def test_woff_and_garbage_fonts_are_refused_naming_the_accepted_formats():
    woff = b"wOFF" + font_bytes()[4:]
    assert "WOFF" in _refused(font_clean, upload("brand.woff", woff))
    message = _refused(font_clean, upload("brand.ttf", b"this is not a font at all" * 40))
    assert "TrueType (.ttf) or OpenType (.otf)" in message


def test_a_font_without_latin_letters_is_refused():
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(font_bytes()))
    for table in font["cmap"].tables:
        table.cmap = {code: glyph for code, glyph in table.cmap.items() if not chr(code).isdigit()}
    out = io.BytesIO()
    font.save(out)
    message = _refused(font_clean, upload("nodigits.ttf", out.getvalue()))
    assert "0123456789" in message and "A-Z, a-z and 0-9" in message


def test_a_font_over_20_mb_is_refused():
    big = upload("big.ttf", b"\0" * (20 * 1024 * 1024 + 1))
    assert "the limit is 20,971,520 bytes" in _refused(font_clean, big)


# --- Music ------------------------------------------------------------------------------------------------------


def test_a_two_second_wav_is_accepted():
    asset = music_clean(upload("jingle.wav", wav_bytes(2.0)))
    assert asset.name == "jingle.wav" and asset.size > 80_000


def test_a_text_file_named_mp3_is_refused():
    message = _refused(music_clean, upload("song.mp3", b"just some text, not audio\n" * 50))
    assert "no audio" in message


def test_music_that_is_too_short_or_the_wrong_kind_is_refused():
    assert "at least 1 s" in _refused(music_clean, upload("blip.wav", wav_bytes(0.3)))
    assert "MP3, M4A, AAC, WAV, OGG, FLAC" in _refused(music_clean, upload("song.exe", wav_bytes(2.0)))


def test_a_damaged_audio_file_is_refused():
    damaged = wav_bytes(2.0)[:44] + b"\xff" * 10  # a WAV header promising 2 s, with a few bytes of data
    message = _refused(music_clean, upload("cut.wav", damaged))
    assert "at least 1 s" in message or "could not be decoded" in message
