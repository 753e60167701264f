"""Hostile dashboard and live-room cases: every form's fields (shop_video/dashboard/forms.py, the live rooms'
form), another merchant's ids (404), roles (403), CSRF, sign-in (redirect, throttling), reflected scripts, open
redirects, and the public live stream's addresses."""

from tests.catalog.hostile_files import png_claiming
from tests.security.hostile_cases_files import HTML, SCRIPT_SVG, XXE_SVG
from tests.security.hostile_world import Case

NOT_HERE = "Not found"
VIEWER_REFUSED = "is viewer: you can look, not change"
SECRETS_REFUSED = "Only owners and admins"
SCRIPT = "<script>alert(1)</script>"
BOMB = png_claiming(60_000, 60_000)
RENDER = {
    "sku": "MUG-1",
    "template": "product-showcase",
    "aspect_ratios": ["9:16"],
    "engine": "motion",
    "short_side": "360",
}
KIT = {
    "name": "Default",
    "primary_colour": "#111111",
    "secondary_colour": "#ffffff",
    "accent_colour": "#e4572e",
    "watermark_position": "bottom-right",
}
HOOK = {"url": "https://93.184.215.14/h", "description": ""}
TEMPLATE = {"name": "Acme only", "description": "", "spec": '{"scenes": [{"type": "product_shots", "duration": 2}]}'}
EDITOR = {  # the visual template editor's form for acme-only (tests/dashboard/test_template_editor.py)
    "name": "Acme only",
    "description": "",
    "base": '{"scenes": [{"type": "product_shots", "duration": 2}]}',
    "scene": ["0"],
    "s0-duration": "2",
    "s0-max_shots": "3",
    "s0-cameras": ["push_in"],
    "s0-transition": "cut",
    "s0-transition_duration": "0.4",
    "action": "save",
}
EDIT_PAGE, PREVIEW = "/app/templates/acme-only/edit/", "/app/templates/acme-only/preview/"
ROOM = {"name": "Corpus live", "skus": "MUG-1", "template_slug": "quick-bumper"}
PRODUCT_PAGE = "/app/products/{product_id}/"
PRESENTER_NEW = "/app/presenters/new/"
PRESENTER = {"name": "Corpus host", "voice": "espeak:en-us", "speed": "1", "language": "en", "framing": "chest"}
LOCKED = "Too many failed sign-ins"


def _failed_sign_ins(world) -> None:
    """Ten wrong sign-ins from one address, each for another (unknown) account: the address is locked out."""
    from django.test import Client

    client = Client()
    for n in range(10):
        client.post(
            "/accounts/login/", {"username": f"guess-{n}@example.com", "password": "wrong"}, REMOTE_ADDR="203.0.113.77"
        )


FAST_HASHERS = {
    "PASSWORD_HASHERS": [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
}

# fmt: off
DASHBOARD_TENANCY = [
    Case("dash-their-product", "owner", "GET", "/app/products/{globex_product_id}/", 404, NOT_HERE),
    Case("dash-their-product-photos", "owner", "POST", "/app/products/{globex_product_id}/", 404, NOT_HERE, files={"photos": ("p.png", BOMB)}),
    Case("dash-their-import", "owner", "GET", "/app/imports/{globex_import_id}/", 404, NOT_HERE),
    Case("dash-their-render", "owner", "GET", "/app/renders/{globex_job_id}/", 404, NOT_HERE),
    Case("dash-their-render-cancel", "owner", "POST", "/app/renders/{globex_job_id}/cancel/", 404, NOT_HERE, data={}),
    Case("dash-their-video-download", "owner", "GET", "/app/videos/{globex_rendition_id}/download/", 404, NOT_HERE),
    Case("dash-their-template-edit", "owner", "GET", "/app/templates/globex-only/edit/", 404, NOT_HERE),
    Case("dash-their-template-copy", "owner", "POST", "/app/templates/globex-only/copy/", 404, NOT_HERE, data={}),
    Case("dash-their-template-json", "owner", "GET", "/app/templates/globex-only/json/", 404, NOT_HERE),
    Case("dash-their-template-preview", "owner", "GET", "/app/templates/globex-only/preview/", 404, NOT_HERE),
    Case("dash-their-template-delete", "owner", "POST", "/app/templates/globex-only/delete/", 404, NOT_HERE, data={}),
    Case("dash-their-template-revert", "owner", "POST", "/app/templates/globex-only/revert/", 404, NOT_HERE, data={}),
    Case("dash-their-webhook", "owner", "GET", "/app/webhooks/{globex_endpoint_id}/", 404, NOT_HERE),
    Case("dash-their-webhook-delete", "owner", "POST", "/app/webhooks/{globex_endpoint_id}/delete/", 404, NOT_HERE, data={}),
    Case("dash-their-delivery-resend", "owner", "POST", "/app/webhooks/deliveries/{globex_delivery_id}/resend/", 404, NOT_HERE, data={}),
    Case("dash-their-api-key-revoke", "owner", "POST", "/app/api-keys/{globex_key_prefix}/revoke/", 404, NOT_HERE, data={}),
    Case("dash-switch-to-their-shop", "owner", "POST", "/app/shop/", 404, NOT_HERE, field="merchant", form="merchant switch", data={"merchant": "{globex_merchant_id}"}),
    Case("dash-their-live-room", "owner", "GET", "/app/live/{globex_room_id}/", 404, NOT_HERE),
    Case("dash-their-photo-delete", "owner", "POST", "/app/photos/{globex_image_id}/delete/", 404, NOT_HERE, data={}),
    Case("dash-their-photo-move", "owner", "POST", "/app/photos/{globex_image_id}/move/", 404, NOT_HERE, data={"direction": "later"}),
    Case("dash-their-photo-cover", "owner", "POST", "/app/photos/{globex_image_id}/cover/", 404, NOT_HERE, data={}),
    Case("dash-their-photo-retry", "owner", "POST", "/app/photos/{globex_image_id}/retry/", 404, NOT_HERE, data={}),
    Case("dash-their-room-stop", "owner", "POST", "/app/live/{globex_room_id}/active/", 404, NOT_HERE, data={"active": "0"}),
    Case("dash-their-room-delete", "owner", "POST", "/app/live/{globex_room_id}/delete/", 404, NOT_HERE, data={}),
    Case("dash-their-room-add", "owner", "POST", "/app/live/{globex_room_id}/items/", 404, NOT_HERE, data={"sku": "MUG-1"}),
    Case("dash-their-room-item-move", "owner", "POST", "/app/live/items/{globex_item_id}/move/", 404, NOT_HERE, data={"direction": "later"}),
    Case("dash-their-room-item-remove", "owner", "POST", "/app/live/items/{globex_item_id}/remove/", 404, NOT_HERE, data={}),
    Case("dash-their-presenter", "owner", "GET", "/app/presenters/nobody/", 404, NOT_HERE),
]

DASHBOARD_ACCESS = [
    Case("dash-anonymous-page", "anon", "GET", "/app/", 302, "/accounts/login/"),
    Case("dash-anonymous-render", "anon", "POST", "/app/renders/new/", 302, "/accounts/login/", data=RENDER),
    Case("dash-viewer-edits-brand", "viewer", "POST", "/app/brand/", 403, VIEWER_REFUSED, data={**KIT, "name": "Viewer's"}),
    Case("dash-viewer-makes-room", "viewer", "POST", "/app/live/", 403, VIEWER_REFUSED, data=ROOM),
    Case("dash-viewer-deletes-photo", "viewer", "POST", "/app/photos/{image_id}/delete/", 403, VIEWER_REFUSED, data={}),
    Case("dash-viewer-stops-room", "viewer", "POST", "/app/live/{room_id}/active/", 403, VIEWER_REFUSED, data={"active": "0"}),
    Case("dash-viewer-deletes-presenter", "viewer", "POST", "/app/presenters/host/delete/", 403, VIEWER_REFUSED, data={}),
    Case("dash-editor-sees-api-keys", "editor", "GET", "/app/api-keys/", 403, SECRETS_REFUSED),
    Case("dash-editor-adds-webhook", "editor", "POST", "/app/webhooks/", 403, SECRETS_REFUSED, data=HOOK),
    Case("dash-post-without-csrf-token", "owner-csrf", "POST", "/app/api-keys/", 403, "CSRF", data={"name": "sneaky"}),
    Case("dash-open-redirect", "owner", "POST", "/app/webhooks/deliveries/{globex_delivery_id}/resend/", 404, NOT_HERE, data={"next": "https://evil.example/"}, absent="evil.example"),
    Case("dash-reflected-search", "owner", "GET", "/app/?q=%3Cscript%3Ealert(1)%3C/script%3E", 200, "alert(1)", field="q", form="SearchForm", absent=SCRIPT),
    Case("dash-library-search-script", "owner", "GET", "/app/videos/?q=%3Cscript%3Ealert(1)%3C/script%3E", 200, "No videos match these filters", field="q", form="LibraryFilterForm", absent=SCRIPT),
    Case("dash-library-search-a-megabyte", "owner", "GET", "/app/videos/?q=" + "q" * 10_000, 400, "at most 100 characters", field="q", form="LibraryFilterForm"),
    Case("dash-library-their-template", "owner", "GET", "/app/videos/?template=globex-only", 400, "Select a valid choice. globex-only is not one of", field="template", form="LibraryFilterForm"),
    Case("dash-library-ratio-absurd", "owner", "GET", "/app/videos/?ratio=1:100000", 400, "Select a valid choice. 1:100000 is not one of", field="ratio", form="LibraryFilterForm"),
    Case("dash-library-status-sql", "owner", "GET", "/app/videos/?status=ready%27%20OR%201=1--", 400, "Select a valid choice.", field="status", form="LibraryFilterForm"),
    Case("dash-library-page-past-a-bigint", "owner", "GET", "/app/videos/?page=" + "9" * 40, 400, "less than or equal to 1000", field="page", form="LibraryFilterForm"),
    Case("login-locked-out-address", "anon", "POST", "/accounts/login/", 429, LOCKED, data={"username": "owner@acme.test", "password": "a-long-test-password"}, headers={"REMOTE_ADDR": "203.0.113.77"}, settings=FAST_HASHERS, before=_failed_sign_ins),
]

DASHBOARD_FORMS = [
    Case("dash-photo-bomb", "owner", "POST", PRODUCT_PAGE, 400, "the limit is 50,000,000 pixels", field="photos", form="PhotosUploadForm", files={"photos": ("bomb.png", BOMB)}),
    Case("dash-import-empty-file", "owner", "POST", "/app/imports/", 400, "The submitted file is empty", field="file", form="CatalogImportForm", files={"file": ("feed.csv", b"")}),
    Case("dash-currency-not-a-code", "owner", "POST", "/app/imports/currency/", 400, "3-letter currency code", field="default_currency", form="DefaultCurrencyForm", data={"default_currency": "<i>X"}, absent="<i>X"),
    Case("dash-import-format-unknown", "owner", "POST", "/app/imports/", 400, "Select a valid choice. pickle is not one of", field="format", form="CatalogImportForm", data={"format": "pickle"}, files={"file": ("feed.csv", b"sku,title\nA,B\n")}),
    Case("dash-import-mapping-path", "owner", "POST", "/app/imports/", 400, "Select a valid choice. ../../etc is not one of", field="mapping", form="CatalogImportForm", data={"mapping": "../../etc"}, files={"file": ("feed.csv", b"sku,title\nA,B\n")}),
    Case("dash-import-archive-all-with-a-refused-file", "owner", "POST", "/app/imports/", 400, "the limit is 100", field="archive_missing", form="CatalogImportForm", data={"archive_missing": "on"}, files={"file": ("feed.csv", b"sku,title\n" + b"A,B\n" * 50)}, settings={"FEED_MAX_BYTES": 100}),
    Case("dash-render-their-sku", "owner", "POST", "/app/renders/new/", 400, "has no product with SKU 'GLX-1'", field="sku", form="RenderForm", data={**RENDER, "sku": "GLX-1"}),
    Case("dash-render-their-template", "owner", "POST", "/app/renders/new/", 400, "Select a valid choice. globex-only is not one of", field="template", form="RenderForm", data={**RENDER, "template": "globex-only"}),
    Case("dash-render-aspect-absurd", "owner", "POST", "/app/renders/new/", 400, "Select a valid choice. 1:100000 is not one of", field="aspect_ratios", form="RenderForm", data={**RENDER, "aspect_ratios": ["1:100000"]}),
    Case("dash-render-engine-path", "owner", "POST", "/app/renders/new/", 400, "Select a valid choice. os.system is not one of", field="engine", form="RenderForm", data={**RENDER, "engine": "os.system"}),
    Case("dash-render-family-unknown", "owner", "POST", "/app/renders/new/", 400, "Select a valid choice. sdxl is not one of", field="family", form="RenderForm", data={**RENDER, "family": "sdxl"}),
    Case("dash-render-short-side-huge", "owner", "POST", "/app/renders/new/", 400, "Select a valid choice. 100000 is not one of", field="short_side", form="RenderForm", data={**RENDER, "short_side": "100000"}),
    Case("dash-brand-name-too-long", "owner", "POST", "/app/brand/", 400, "at most 100 characters", field="name", form="BrandKitForm", data={**KIT, "name": "n" * 101}),
    Case("dash-brand-logo-svg-script", "owner", "POST", "/app/brand/", 400, "contains <script>", field="logo", form="BrandKitForm", data=KIT, files={"logo": ("logo.svg", SCRIPT_SVG)}),
    Case("dash-brand-primary-colour-css", "owner", "POST", "/app/brand/", 400, "at most 7 characters", field="primary_colour", form="BrandKitForm", data={**KIT, "primary_colour": "red;background:url(javascript:alert(1))"}),
    Case("dash-brand-secondary-colour-script", "owner", "POST", "/app/brand/", 400, "at most 7 characters", field="secondary_colour", form="BrandKitForm", data={**KIT, "secondary_colour": SCRIPT}, absent=SCRIPT),
    Case("dash-brand-accent-colour-short", "owner", "POST", "/app/brand/", 400, "#", field="accent_colour", form="BrandKitForm", data={**KIT, "accent_colour": "#fff"}),
    Case("dash-brand-font-html", "owner", "POST", "/app/brand/", 400, "font file could not be read", field="font", form="BrandKitForm", data=KIT, files={"font": ("brand.ttf", HTML)}),
    Case("dash-brand-music-html", "owner", "POST", "/app/brand/", 400, "has no audio in it", field="music", form="BrandKitForm", data=KIT, files={"music": ("theme.mp3", HTML)}),
    Case("dash-brand-ai-label-position-unknown", "owner", "POST", "/app/brand/", 400, "middle;drop is not a label position; choose one of auto, top-right", field="ai_label_position", form="BrandKitForm", data={**KIT, "ai_label_position": "middle;drop"}),
    Case("dash-brand-ai-label-language-script", "owner", "POST", "/app/brand/", 400, "is not a label language; choose one of en, de", field="ai_label_language", form="BrandKitForm", data={**KIT, "ai_label_language": SCRIPT}, absent=SCRIPT),
    Case("dash-brand-watermark-unknown", "owner", "POST", "/app/brand/", 400, "Select a valid choice. center;drop is not one of", field="watermark_position", form="BrandKitForm", data={**KIT, "watermark_position": "center;drop"}),
    Case("dash-brand-intro-with-an-xxe-logo", "owner", "POST", "/app/brand/", 400, "DOCTYPE or entity declarations", field="intro_enabled", form="BrandKitForm", data={**KIT, "intro_enabled": "on"}, files={"logo": ("logo.svg", XXE_SVG)}),
    Case("dash-brand-outro-with-a-bomb-logo", "owner", "POST", "/app/brand/", 400, "far too many pixels", field="outro_enabled", form="BrandKitForm", data={**KIT, "outro_enabled": "on"}, files={"logo": ("logo.png", BOMB)}),
    Case("dash-api-key-name-too-long", "owner", "POST", "/app/api-keys/", 400, "at most 50 characters", field="name", form="ApiKeyForm", data={"name": "k" * 51}),
    Case("dash-webhook-nat64", "owner", "POST", "/app/webhooks/", 400, "not a public address", field="url", form="WebhookEndpointForm", data={**HOOK, "url": "https://[64:ff9b::a9fe:a9fe]/h"}),
    Case("dash-webhook-description-script", "owner", "POST", "/app/webhooks/", 400, "at most 200 characters", field="description", form="WebhookEndpointForm", data={**HOOK, "description": SCRIPT * 20}, absent=SCRIPT),
    Case("dash-webhook-events-wildcard", "owner", "POST", "/app/webhooks/", 400, "Select a valid choice. render.* is not one of", field="events", form="WebhookEndpointForm", data={**HOOK, "events": ["render.*"]}),
    Case("dash-editor-duration-infinite", "owner", "POST", EDIT_PAGE, 400, "duration: must be a number of seconds above 0 and at most 180", field="s0-duration", form="template editor", data={**EDITOR, "s0-duration": "1e999"}),
    Case("dash-editor-max-shots-negative", "owner", "POST", EDIT_PAGE, 400, "max shots: must be a whole number from 1 to 20, got -3", field="s0-max_shots", form="template editor", data={**EDITOR, "s0-max_shots": "-3"}),
    Case("dash-editor-caption-script-essay", "owner", "POST", EDIT_PAGE, 400, "on-screen text must stay under 500", field="s0-caption", form="template editor", data={**EDITOR, "s0-caption": SCRIPT * 30}, absent=SCRIPT),
    Case("dash-editor-prompt-dunder", "owner", "POST", EDIT_PAGE, 400, "Scene 1, prompt", field="s0-prompt", form="template editor", data={**EDITOR, "s0-prompt": "{{ product.__class__ }}"}),
    Case("dash-editor-transition-unknown", "owner", "POST", EDIT_PAGE, 400, "is unknown; use one of cut, crossfade", field="s0-transition", form="template editor", data={**EDITOR, "s0-transition": "explode;drop"}),
    Case("dash-editor-transition-seconds-huge", "owner", "POST", EDIT_PAGE, 400, "at most 2, got 3", field="s0-transition_duration", form="template editor", data={**EDITOR, "s0-transition": "crossfade", "s0-transition_duration": "99"}),
    Case("dash-editor-camera-unknown", "owner", "POST", EDIT_PAGE, 400, "unknown camera", field="s0-cameras", form="template editor", data={**EDITOR, "s0-cameras": ["orbit", SCRIPT]}, absent=SCRIPT),
    Case("dash-editor-badge-not-a-checkbox-value", "owner", "POST", PREVIEW, 200, "", field="s0-badge", form="template editor", data={**EDITOR, "s0-badge": "yes please"}),
    Case("dash-editor-colour-named", "owner", "POST", EDIT_PAGE, 400, "colours.background", field="colour_background", form="template editor", data={**EDITOR, "own_colours": "on", "colour_background": "red;", "colour_text": "#ffffff", "colour_accent": "#000000"}),
    Case("dash-editor-colour-text-script", "owner", "POST", EDIT_PAGE, 400, "colours.text", field="colour_text", form="template editor", data={**EDITOR, "own_colours": "on", "colour_background": "#000000", "colour_text": SCRIPT, "colour_accent": "#000000"}, absent=SCRIPT),
    Case("dash-editor-colour-accent-short", "owner", "POST", EDIT_PAGE, 400, "colours.accent", field="colour_accent", form="template editor", data={**EDITOR, "own_colours": "on", "colour_background": "#000000", "colour_text": "#ffffff", "colour_accent": "#fff"}),
    Case("dash-editor-own-colours-odd-value", "owner", "POST", PREVIEW, 200, "", field="own_colours", form="template editor", data={**EDITOR, "own_colours": "maybe", "colour_background": "red"}),
    Case("dash-editor-add-unknown-type", "owner", "POST", EDIT_PAGE, 200, "Pick a scene type to add", field="add_type", form="template editor", data={**EDITOR, "action": "add", "add_type": SCRIPT}, absent=SCRIPT),
    Case("dash-editor-base-not-json", "owner", "POST", EDIT_PAGE, 302, EDIT_PAGE, field="base", form="template editor", data={**EDITOR, "base": "{not json"}),
    Case("dash-editor-forty-scenes", "owner", "POST", EDIT_PAGE, 302, EDIT_PAGE, field="scene", form="template editor", data={**EDITOR, "scene": ["0"] * 40}),
    Case("dash-preview-scene-huge", "owner", "POST", PREVIEW, 400, "Pick a scene from 1 to 20", field="preview_scene", form="template editor", data={**EDITOR, "preview_scene": "99999999"}),
    Case("dash-preview-their-product", "owner", "GET", PREVIEW + "?product={globex_product_id}", 404, NOT_HERE, field="product", form="template editor"),
    Case("dash-preview-ratio-unknown", "owner", "POST", PREVIEW, 400, "an aspect ratio of 9:16", field="ratio", form="template editor", data={**EDITOR, "ratio": "9:16;drop"}),
    Case("dash-template-name-too-long", "owner", "POST", "/app/templates/acme-only/json/", 400, "at most 200 characters", field="name", form="TemplateEditForm", data={**TEMPLATE, "name": "n" * 201}),
    Case("dash-template-description-a-megabyte", "owner", "POST", "/app/templates/acme-only/json/", 400, "Ensure this value has at most 2000 characters", field="description", form="TemplateEditForm", data={**TEMPLATE, "description": "d" * 1_000_000}),
    Case("dash-template-spec-100-hours", "owner", "POST", "/app/templates/acme-only/json/", 400, "180", field="spec", form="TemplateEditForm", data={**TEMPLATE, "spec": '{"scenes": [{"type": "product_shots", "duration": 360000}]}'}),
]

LIVE = [
    Case("live-room-name-too-long", "owner", "POST", "/app/live/", 400, "The room's name is 500 characters; keep it to 200", field="name", form="live rooms", data={**ROOM, "name": "n" * 500}),
    Case("live-room-their-sku", "owner", "POST", "/app/live/", 400, "has no product with SKU, handle or id GLX-1", field="skus", form="live rooms", data={**ROOM, "skus": "MUG-1,GLX-1"}),
    Case("live-room-too-many-skus", "owner", "POST", "/app/live/", 400, "A room plays at most", field="skus", form="live rooms", data={**ROOM, "skus": ",".join(f"S-{n}" for n in range(1000))}),
    Case("live-room-their-template", "owner", "POST", "/app/live/", 400, "No template 'globex-only'", field="template_slug", form="live rooms", data={**ROOM, "template_slug": "globex-only"}),
    Case("live-room-script-name", "owner", "POST", "/app/live/", 400, "List at least one SKU", field="name", form="live rooms", data={**ROOM, "name": SCRIPT, "skus": ""}, absent=SCRIPT),
    Case("live-room-active-not-a-choice", "owner", "POST", "/app/live/{room_id}/active/", 302, "/app/live/", field="active", form="live room", data={"active": SCRIPT}),
    Case("live-room-add-huge-sku", "owner", "POST", "/app/live/{room_id}/items/", 302, "/app/live/", field="sku", form="live room", data={"sku": "x" * 100_000}),
    Case("live-room-move-not-a-direction", "owner", "POST", "/app/live/items/{item_id}/move/", 302, "/app/live/", field="direction", form="live room", data={"direction": "-99999"}),
    Case("photo-move-not-a-direction", "owner", "POST", "/app/photos/{image_id}/move/", 302, "/app/products/", field="direction", form="product page", data={"direction": SCRIPT}),
    Case("presenter-page-name-too-long", "owner", "POST", PRESENTER_NEW, 400, "at most 200 characters", field="name", form="presenter", data={**PRESENTER, "name": "n" * 10_000}),
    Case("presenter-page-slug-reserved", "owner", "POST", PRESENTER_NEW, 400, "is a word the dashboard uses", field="slug", form="presenter", data={**PRESENTER, "slug": "new"}),
    Case("presenter-page-avatar-svg", "owner", "POST", PRESENTER_NEW, 400, "not a readable image", field="avatar", form="presenter", data=PRESENTER, files={"avatar": ("face.svg", SCRIPT_SVG)}, absent="BytesIO"),
    Case("presenter-page-voice-path", "owner", "POST", PRESENTER_NEW, 400, "Select a valid choice", field="voice", form="presenter", data={**PRESENTER, "voice": "espeak:../../etc/passwd"}),
    Case("presenter-page-speed-huge", "owner", "POST", PRESENTER_NEW, 400, "less than or equal to 2.0", field="speed", form="presenter", data={**PRESENTER, "speed": "1e308"}),
    Case("presenter-page-language-script", "owner", "POST", PRESENTER_NEW, 400, "Give a language tag", field="language", form="presenter", data={**PRESENTER, "language": SCRIPT}, absent=SCRIPT),
    Case("presenter-page-framing-unknown", "owner", "POST", PRESENTER_NEW, 400, "Select a valid choice", field="framing", form="presenter", data={**PRESENTER, "framing": "everything"}),
    Case("presenter-page-is-default-no-photo", "owner", "POST", PRESENTER_NEW, 400, "This field is required", field="is_default", form="presenter", data={**PRESENTER, "is_default": "perhaps"}),
    Case("presenter-sample-bad-voice", "viewer", "GET", "/app/presenters/voice-sample/?voice=espeak:%24(reboot)&speed=1&language=en", 400, "No sample: voice"),
    Case("live-stream-unknown-key", "anon", "GET", "/live/not-a-room-key/index.m3u8", 404, NOT_HERE),
    Case("live-stream-unknown-chunk", "anon", "GET", "/live/{room_key}/seg/999999/0.ts", 404, NOT_HERE),
    Case("live-stream-their-segment-by-our-key", "anon", "GET", "/live/{room_key}/seg/{globex_segment_id}/0.ts", 404, NOT_HERE),
    Case("live-stream-post", "anon", "POST", "/live/{room_key}/index.m3u8", 405, "", data={}),
]
# fmt: on

DASHBOARD_CASES = DASHBOARD_TENANCY + DASHBOARD_ACCESS + DASHBOARD_FORMS + LIVE

# Stored files (shop_video/private_files.py): private ones reach only their merchant, and none is ever a page.
NO_FILE = "No such file; it may have been deleted, or it belongs to another shop."
SAFE_FILE = {
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "attachment",
    "Content-Type": "application/octet-stream",
}
# fmt: off
MEDIA = [
    Case("media-their-feed-by-session", "owner", "GET", "/files/{globex_page_feed}", 404, NO_FILE),
    Case("media-their-feed-by-key", "key", "GET", "/files/{globex_page_feed}", 404, NO_FILE),
    Case("media-their-photo-by-key", "key", "GET", "/files/{globex_photo}", 404, NO_FILE),
    Case("media-anonymous", "anon", "GET", "/files/{page_feed}", 401, "No credentials"),
    Case("media-traversal", "key", "GET", "/files/..%2F..%2F..%2Fetc%2Fpasswd", 404, NO_FILE),
    Case("media-our-stored-page-is-not-a-page", "owner", "GET", "/files/{page_feed}", 200, "", response_headers=SAFE_FILE),
    Case("media-pages-get-a-strict-csp", "owner", "GET", "/app/", 200, "", response_headers={"Content-Security-Policy": "script-src 'self'"}),
]
# fmt: on

DASHBOARD_CASES += MEDIA
