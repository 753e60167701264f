"""Hostile files and imports through the API: feeds (XXE, entity bombs, out-of-range prices, other schemes and
private addresses), product photos (decompression bombs, scripts posing as images), presenters' avatars, brand
kits' logos, fonts and music (SVG with scripts or external entities), and every other field of those forms."""

from tests.catalog.hostile_files import png_claiming, zip_of
from tests.factories import photo_bytes, portrait_bytes, two_faces_bytes
from tests.security.hostile_world import Case
from tests.tenancy.files import GOOD_SVG, svg_bytes, wav_bytes

IMPORTS = "/api/v1/catalog/imports"
PHOTOS = "/api/v1/products/MUG-1/images"
QUEUED = {"catalog.CatalogImport": 1, "webhooks.WebhookDelivery": 1}  # the record, and its finished event
BOMB = png_claiming(60_000, 60_000)
SCRIPT_SVG = svg_bytes('<script>alert(document.domain)</script><rect width="10" height="10"/>')
XXE_SVG = svg_bytes(
    "<text>&xxe;</text>", prolog='<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
XXE_FEED = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel>
<item><g:id>X-1</g:id><title>&xxe;</title><g:price>1.00 USD</g:price><g:link>https://s.example/x</g:link>
<g:image_link>https://s.example/x.jpg</g:image_link><g:availability>in stock</g:availability></item>
</channel></rss>"""
LAUGHS_FEED = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
    + b']><rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel><item><title>&i;</title></item></channel></rss>'
)
CSV_HEADER = b"sku,title,price,currency,image_url\n"


def _csv(*rows: bytes) -> bytes:
    return CSV_HEADER + b"".join(rows)


def _feed(name: str, data: bytes, **fields) -> dict:
    return {"files": {"file": (name, data)}, "data": fields}


def _photos(name: str, data: bytes) -> dict:
    return {"files": [(name, data)]}


# fmt: off
IMPORT_CASES = [
    Case("import-xxe-feed", "key", "POST", IMPORTS, 202, "", field="file", **_feed("feed.xml", XXE_FEED), changes=QUEUED, new_files=1, then="run_import", then_message="entit"),
    Case("import-billion-laughs", "key", "POST", IMPORTS, 202, "", field="file", **_feed("feed.xml", LAUGHS_FEED), changes=QUEUED, new_files=1, then="run_import", then_message="entit"),
    Case("import-price-out-of-range", "key", "POST", IMPORTS, 202, "", field="file", **_feed("feed.csv", _csv(b"BIG-1,Big,12345678901.00,USD,\n")), changes=QUEUED, new_files=1, then="run_import", then_message='"failed":1'),
    Case("import-empty-file", "key", "POST", IMPORTS, 400, "The submitted file is empty", field="file", **_feed("feed.csv", b"")),
    Case("import-file-over-the-limit", "key", "POST", IMPORTS, 400, "the limit is 1,000", field="file", **_feed("feed.csv", _csv(b"A,B,1.00,USD,\n" * 100)), settings={"FEED_MAX_BYTES": 1000}),
    Case("import-a-zip-bomb-as-feed", "key", "POST", IMPORTS, 400, "format was not recognised", field="file", **_feed("feed.zip", zip_of({"a.csv": b"0" * 5_000_000}, compression=8))),
    Case("import-format-unknown", "key", "POST", IMPORTS, 400, "Unknown format", field="format", **_feed("feed.csv", _csv(), format="pickle")),
    Case("import-mapping-unknown", "key", "POST", IMPORTS, 400, "../../etc", field="mapping", **_feed("feed.csv", _csv(), mapping="../../etc")),
    Case("import-archive-missing-not-a-boolean", "key", "POST", IMPORTS, 400, "boolean", field="archive_missing", **_feed("feed.csv", _csv(), archive_missing="everything")),
    Case("import-url-file-scheme", "key", "POST", IMPORTS, 400, "Only http:// and https://", field="url", json={"url": "file:///etc/passwd"}),
    Case("import-url-too-long", "key", "POST", IMPORTS, 400, "no more than 2000 characters", field="url", json={"url": "https://93.184.215.14/" + "a" * 2100}),
    Case("import-url-private", "key", "POST", IMPORTS, 202, "", field="url", json={"url": "http://10.1.2.3/feed.csv"}, changes=QUEUED, then="run_import", then_message="not a public address"),
]

PHOTO_CASES = [
    Case("photo-decompression-bomb", "key", "POST", PHOTOS, 400, "the limit is 50,000,000 pixels", field="files", files=_photos("bomb.png", BOMB)),
    Case("photo-svg-with-script", "key", "POST", PHOTOS, 400, "bad.svg: not a readable image", field="files", files=_photos("bad.svg", SCRIPT_SVG)),
    Case("photo-html-named-jpg", "key", "POST", PHOTOS, 400, "page.jpg: not a readable image", field="files", files=_photos("page.jpg", HTML)),
    Case("photo-zip-slip-archive", "key", "POST", PHOTOS, 400, "slip.zip: not a readable image", field="files", files=_photos("slip.zip", zip_of({"../../evil.jpg": photo_bytes()}))),
    Case("photo-none-sent", "key", "POST", PHOTOS, 400, "Send one or more photos", field="files", data={"other": "x"}),
]
# fmt: on

PRESENTER = {"name": "Mia", "slug": "mia"}
PORTRAIT = portrait_bytes()


def _presenter(method: str, case_id: str, field: str, message: str, **fields) -> Case:
    url = "/api/v1/presenters" if method == "POST" else "/api/v1/presenters/host"
    files = {"avatar": fields.pop("avatar")} if "avatar" in fields else None
    base = {} if method == "PATCH" else PRESENTER
    if files is None and method == "POST":
        files = {"avatar": ("face.jpg", PORTRAIT)}
    return Case(case_id, "key", method, url, 400, message, field=field, data={**base, **fields}, files=files)


# fmt: off
PRESENTER_CASES = [
    _presenter("POST", "presenter-avatar-bomb", "avatar", "the limit is 50,000,000 pixels", avatar=("bomb.png", BOMB)),
    _presenter("POST", "presenter-avatar-svg-script", "avatar", "not a readable image", avatar=("face.svg", SCRIPT_SVG)),
    _presenter("POST", "presenter-avatar-two-faces", "avatar", "Found 2 faces", avatar=("pair.jpg", two_faces_bytes())),
    _presenter("POST", "presenter-name-too-long", "name", "200 characters", name="n" * 201),
    _presenter("POST", "presenter-slug-path", "slug", "Enter a valid \"slug\"", slug="../../etc"),
    _presenter("POST", "presenter-tts-engine-path", "tts_engine", "unknown text-to-speech engine '../bin/sh'", tts_engine="../bin/sh"),
    _presenter("POST", "presenter-voice-shell", "voice", "is not one of the espeak engine's voices", voice="$(reboot)"),
    _presenter("POST", "presenter-speed-absurd", "speed", "Must be a number from 0.5 to 2.0", speed="100"),
    _presenter("POST", "presenter-language-not-a-tag", "language", "not a language tag", language="en; rm -rf /"),
    _presenter("POST", "presenter-framing-unknown", "framing", "is not a valid choice", framing="everything"),
    _presenter("POST", "presenter-is-default-not-a-boolean", "is_default", "boolean", is_default="perhaps"),
    _presenter("PATCH", "presenter-edit-avatar-html", "avatar", "Upload a valid image", avatar=("face.jpg", HTML)),
    _presenter("PATCH", "presenter-edit-name-too-long", "name", "200 characters", name="n" * 201),
    _presenter("PATCH", "presenter-edit-slug-path", "slug", "Enter a valid \"slug\"", slug="a/b"),
    _presenter("PATCH", "presenter-edit-tts-engine", "tts_engine", "unknown text-to-speech engine 'os'", tts_engine="os"),
    _presenter("PATCH", "presenter-edit-voice-path", "voice", "is not one of the espeak engine's voices", voice="../../../etc/passwd"),
    _presenter("PATCH", "presenter-edit-speed-negative", "speed", "Must be a number from 0.5 to 2.0", speed="-1"),
    _presenter("PATCH", "presenter-edit-language", "language", "is not a language tag", language="<script>"),
    _presenter("PATCH", "presenter-edit-framing", "framing", "is not a valid choice", framing="x" * 100),
    _presenter("PATCH", "presenter-edit-is-default", "is_default", "boolean", is_default="2"),
]


def _kit(method: str, case_id: str, field: str, message: str, **fields) -> Case:
    url = "/api/v1/brand-kits" if method == "POST" else "/api/v1/brand-kits/{kit_id}"
    files = {name: fields.pop(name) for name in ("logo", "font", "music") if name in fields}
    base = {"name": "Summer"} if method == "POST" else {}
    return Case(case_id, "key", method, url, 400, message, field=field, data={**base, **fields}, files=files or None)


KIT_CASES = [
    _kit("POST", "kit-logo-svg-script", "logo", "contains <script>", logo=("logo.svg", SCRIPT_SVG)),
    _kit("POST", "kit-logo-svg-xxe", "logo", "DOCTYPE or entity declarations", logo=("logo.svg", XXE_SVG)),
    _kit("POST", "kit-name-too-long", "name", "100 characters", name="n" * 101),
    _kit("POST", "kit-is-default-not-a-boolean", "is_default", "boolean", is_default="always"),
    _kit("POST", "kit-primary-colour-css", "primary_colour", "Use a hex colour like #1a2b3c", primary_colour="red;background:url(javascript:alert(1))"),
    _kit("POST", "kit-secondary-colour-short", "secondary_colour", "Use a hex colour like #1a2b3c", secondary_colour="#12345"),
    _kit("POST", "kit-accent-colour-script", "accent_colour", "Use a hex colour like #1a2b3c", accent_colour="<script>"),
    _kit("POST", "kit-font-html", "font", "font file could not be read", font=("brand.ttf", HTML)),
    _kit("POST", "kit-music-html", "music", "has no audio in it", music=("theme.mp3", HTML)),
    _kit("POST", "kit-watermark-unknown", "watermark_position", "is not a valid choice", watermark_position="center;drop"),
    _kit("POST", "kit-intro-not-a-boolean", "intro_enabled", "boolean", intro_enabled="sometimes"),
    _kit("POST", "kit-outro-not-a-boolean", "outro_enabled", "boolean", outro_enabled="sometimes"),
    _kit("POST", "kit-ai-label-position-unknown", "ai_label_position", "use one of auto, top-right", ai_label_position="middle;drop"),
    _kit("POST", "kit-ai-label-language-script", "ai_label_language", "use one of en, de", ai_label_language="<script>"),
    _kit("PATCH", "kit-edit-logo-bomb", "logo", "far too many pixels", logo=("logo.png", BOMB)),
    _kit("PATCH", "kit-edit-name-too-long", "name", "100 characters", name="n" * 101),
    _kit("PATCH", "kit-edit-is-default", "is_default", "boolean", is_default="x"),
    _kit("PATCH", "kit-edit-primary-colour", "primary_colour", "Use a hex colour like #1a2b3c", primary_colour="expression(alert(1))"),
    _kit("PATCH", "kit-edit-secondary-colour", "secondary_colour", "Use a hex colour like #1a2b3c", secondary_colour="#GGGGGG"),
    _kit("PATCH", "kit-edit-accent-colour", "accent_colour", "Use a hex colour like #1a2b3c", accent_colour="#fff\n"),
    _kit("PATCH", "kit-edit-font-svg", "font", "font file could not be read", font=("brand.otf", GOOD_SVG)),
    _kit("PATCH", "kit-edit-music-too-short", "music", "at least 1 s", music=("blip.wav", wav_bytes(0.1))),
    _kit("PATCH", "kit-edit-watermark", "watermark_position", "is not a valid choice", watermark_position="../"),
    _kit("PATCH", "kit-edit-intro", "intro_enabled", "boolean", intro_enabled="2"),
    _kit("PATCH", "kit-edit-outro", "outro_enabled", "boolean", outro_enabled="2"),
    _kit("PATCH", "kit-edit-ai-label-position", "ai_label_position", "use one of auto, top-right", ai_label_position="none"),
    _kit("PATCH", "kit-edit-ai-label-language", "ai_label_language", "use one of en, de", ai_label_language="../en"),
]

TRACKS = "/api/v1/brand-kits/{kit_id}/music-tracks"
TRACK = {"name": "calm", "mood": "calm"}
WAV = wav_bytes(1.5)
TRACK_CASES = [
    Case("track-name-path", "key", "POST", TRACKS, 400, "Enter a valid \"slug\"", field="name", data={**TRACK, "name": "../../x"}, files={"file": ("a.wav", WAV)}),
    Case("track-mood-unknown", "key", "POST", TRACKS, 400, "is not a valid choice", field="mood", data={**TRACK, "mood": "evil"}, files={"file": ("a.wav", WAV)}),
    Case("track-file-html", "key", "POST", TRACKS, 400, "has no audio in it", field="file", data=TRACK, files={"file": ("a.mp3", HTML)}),
]
# fmt: on

FILE_CASES = IMPORT_CASES + PHOTO_CASES + PRESENTER_CASES + KIT_CASES + TRACK_CASES
