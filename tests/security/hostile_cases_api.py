"""Hostile API cases: credentials, tenancy (another merchant's ids, SKUs and slugs answer 404 and change
nothing), roles (the role table of shop_video/tenancy/access.py), body shapes, and the product and render
inputs. Placeholders in URLs name the world's values (tests/security/hostile_world.py)."""

from tests.security.hostile_world import Case

NOT_FOUND = "Not found: no such object for this merchant"
VIEWER_REFUSED = "is viewer: you can look, not change"
SECRETS_REFUSED = "Only owners and admins"
RENDER = {"template": "product-showcase", "sku": "MUG-1"}
RENDERS = "/api/v1/renders"
MUG = "/api/v1/products/MUG-1"
BIG_BODY = b'{"slug": "big", "name": "Big", "spec": {"scenes": []}, "description": "' + b"x" * 3_000_000 + b'"}'


def _nested(depth: int) -> bytes:
    return (
        '{"template": "product-showcase", "sku": "MUG-1", "metadata": ' + '{"a": ' * depth + "1" + "}" * (depth + 1)
    ).encode()


def _first_template_post(world) -> None:
    spec = {"scenes": [{"type": "product_shots", "duration": 2}]}
    body = {"slug": "first", "name": "First", "spec": spec}
    world["clients"]["key"].post("/api/v1/templates", body, format="json", HTTP_IDEMPOTENCY_KEY="corpus-1")


# fmt: off
CREDENTIALS = [
    Case("api-anonymous-read", "anon", "GET", "/api/v1/products", 401, "No credentials"),
    Case("api-anonymous-render", "anon", "POST", RENDERS, 401, "No credentials", json=RENDER),
    Case("api-forged-key", "bad-key", "GET", "/api/v1/me", 401, "not valid or was revoked"),
    Case("api-bearer-scheme", "anon", "GET", "/api/v1/me", 401, "No credentials", headers={"Authorization": "Bearer x"}),
    Case("api-unknown-route", "key", "GET", "/api/v1/../admin/", 404, "No API route"),
]

TENANCY = [
    Case("tenancy-product-by-id", "key", "GET", "/api/v1/products/{globex_product_id}", 404, NOT_FOUND),
    Case("tenancy-product-by-sku", "key", "GET", "/api/v1/products/GLX-1", 404, NOT_FOUND),
    Case("tenancy-product-by-prefixed-id", "key", "GET", "/api/v1/products/id:{globex_product_id}", 404, NOT_FOUND),
    Case("tenancy-product-edit", "key", "PATCH", "/api/v1/products/GLX-1", 404, NOT_FOUND, json={"title": "Pwned"}),
    Case("tenancy-product-archive", "key", "DELETE", "/api/v1/products/{globex_product_id}", 404, NOT_FOUND),
    Case("tenancy-product-photos", "key", "POST", "/api/v1/products/GLX-1/images", 404, NOT_FOUND, files={"files": [("p.jpg", b"x")]}),
    Case("tenancy-product-videos", "key", "GET", "/api/v1/products/GLX-1/videos", 404, NOT_FOUND),
    Case("tenancy-render-read", "key", "GET", "/api/v1/renders/{globex_job_id}", 404, NOT_FOUND),
    Case("tenancy-render-cancel", "key", "POST", "/api/v1/renders/{globex_job_id}/cancel", 404, NOT_FOUND),
    Case("tenancy-render-of-their-sku", "key", "POST", RENDERS, 400, "GLX-1", json={**RENDER, "sku": "GLX-1"}),
    Case("tenancy-render-of-their-template", "key", "POST", RENDERS, 400, "globex-only", json={**RENDER, "template": "globex-only"}),
    Case("tenancy-template-read", "key", "GET", "/api/v1/templates/globex-only", 404, NOT_FOUND),
    Case("tenancy-live-room-read", "key", "GET", "/api/v1/live/rooms/{globex_room_id}", 404, NOT_FOUND),
    Case("tenancy-live-room-huge-id", "key", "GET", "/api/v1/live/rooms/99999999999999999999", 404, NOT_FOUND),
    Case("live-rooms-read-only", "key", "POST", "/api/v1/live/rooms", 405, "not allowed", json={"name": "x"}),
    Case("tenancy-template-edit", "key", "PATCH", "/api/v1/templates/globex-only", 404, NOT_FOUND, json={"name": "x"}),
    Case("tenancy-template-delete", "key", "DELETE", "/api/v1/templates/globex-only", 404, NOT_FOUND),
    Case("tenancy-template-copy", "key", "POST", "/api/v1/templates/globex-only/copy", 404, NOT_FOUND, json={}),
    Case("tenancy-template-prompts", "key", "GET", "/api/v1/templates/globex-only/prompts?sku=MUG-1", 404, NOT_FOUND),
    Case("tenancy-import-read", "key", "GET", "/api/v1/catalog/imports/{globex_import_id}", 404, NOT_FOUND),
    Case("tenancy-webhook-secret", "key", "GET", "/api/v1/webhooks/{globex_endpoint_id}/secret", 404, NOT_FOUND),
    Case("tenancy-webhook-edit", "key", "PATCH", "/api/v1/webhooks/{globex_endpoint_id}", 404, NOT_FOUND, json={"is_active": False}),
    Case("tenancy-webhook-delete", "key", "DELETE", "/api/v1/webhooks/{globex_endpoint_id}", 404, NOT_FOUND),
    Case("tenancy-webhook-deliveries", "key", "GET", "/api/v1/webhooks/{globex_endpoint_id}/deliveries", 404, NOT_FOUND),
    Case("tenancy-delivery-resend", "key", "POST", "/api/v1/webhooks/deliveries/{globex_delivery_id}/resend", 404, NOT_FOUND),
    Case("tenancy-brand-kit-read", "key", "GET", "/api/v1/brand-kits/{globex_kit_id}", 404, NOT_FOUND),
    Case("tenancy-brand-kit-edit", "key", "PATCH", "/api/v1/brand-kits/{globex_kit_id}", 404, NOT_FOUND, json={"name": "Pwned"}),
    Case("tenancy-music-track-delete", "key", "DELETE", "/api/v1/brand-kits/{globex_kit_id}/music-tracks/{globex_track_id}", 404, NOT_FOUND),
    Case("tenancy-music-track-of-their-kit", "key", "DELETE", "/api/v1/brand-kits/{kit_id}/music-tracks/{globex_track_id}", 404, NOT_FOUND),
    Case("tenancy-id-beyond-bigint", "key", "GET", "/api/v1/renders/9223372036854775808", 404, "Not found"),
    Case("tenancy-globex-key-on-acme-sku", "globex", "GET", MUG, 404, NOT_FOUND),
]

ROLES = [
    Case("role-viewer-edits-product", "viewer", "PATCH", MUG, 403, VIEWER_REFUSED, json={"title": "x"}),
    Case("role-viewer-renders", "viewer", "POST", RENDERS, 403, VIEWER_REFUSED, json=RENDER),
    Case("role-viewer-reads-secret", "viewer", "GET", "/api/v1/webhooks/{endpoint_id}/secret", 403, SECRETS_REFUSED),
    Case("role-editor-reads-default-secret", "editor", "GET", "/api/v1/webhooks/default/secret", 403, SECRETS_REFUSED),
    Case("role-editor-adds-webhook", "editor", "POST", "/api/v1/webhooks", 403, SECRETS_REFUSED, json={"url": "https://93.184.215.14/h"}),
    Case("role-viewer-deletes-template", "viewer", "DELETE", "/api/v1/templates/acme-only", 403, VIEWER_REFUSED),
]

BODIES = [
    Case("body-not-json", "key", "POST", RENDERS, 400, "JSON parse error", raw=b"{template: "),
    Case("body-a-list", "key", "POST", RENDERS, 400, "dictionary", json=[RENDER]),
    Case("body-1000-deep", "key", "POST", RENDERS, 400, "nested deeper than the limit", raw=_nested(1000)),
    Case("body-over-the-size-limit", "key", "POST", "/api/v1/templates", 413, "larger than the limit of 2,621,440 bytes", raw=BIG_BODY),
    Case("body-xml", "key", "POST", RENDERS, 415, "Unsupported media type", raw=b"<a/>", content_type="text/xml"),
    Case("body-unknown-field", "key", "POST", RENDERS, 400, "titel is not a render field", json={**RENDER, "titel": "x"}),
    Case("body-idempotency-key-reused-for-another-body", "key", "POST", "/api/v1/templates", 422, "Idempotency-Key",
         json={"slug": "second", "name": "Second", "spec": {"scenes": [{"type": "product_shots", "duration": 2}]}},
         headers={"Idempotency-Key": "corpus-1"}, before=_first_template_post),
]

PRODUCTS = [
    Case("product-title-too-long", "key", "PATCH", MUG, 400, "500 characters", field="title", json={"title": "x" * 501}),
    Case("product-title-an-object", "key", "PATCH", MUG, 400, "Not a valid string", field="title", json={"title": {"$ne": ""}}),
    Case("product-description-a-megabyte", "key", "PATCH", MUG, 400, "100000 characters", field="description", json={"description": "x" * 1_000_000}),
    Case("product-brand-too-long", "key", "PATCH", MUG, 400, "200 characters", field="brand", json={"brand": "b" * 201}),
    Case("product-type-nul-byte", "key", "PATCH", MUG, 400, "Null characters", field="product_type", json={"product_type": "mug\x00"}),
    Case("product-status-unknown", "key", "PATCH", MUG, 400, "Unknown status 'deleted'", field="status", json={"status": "deleted"}),
]

MERCHANT = [
    Case("merchant-currency-not-a-code", "key", "PATCH", "/api/v1/merchant", 400, "3-letter currency code", field="default_currency", json={"default_currency": "<b>EUR</b>"}, absent="<b>"),
    Case("merchant-currency-by-a-viewer", "viewer", "PATCH", "/api/v1/merchant", 403, VIEWER_REFUSED, json={"default_currency": "EUR"}),
]

RENDER_CASES = [
    Case("render-template-path", "key", "POST", RENDERS, 400, "../../etc/passwd", field="template", json={**RENDER, "template": "../../etc/passwd"}),
    Case("render-sku-unknown", "key", "POST", RENDERS, 400, "NOPE-1", field="sku", json={**RENDER, "sku": "NOPE-1"}),
    Case("render-skus-too-many", "key", "POST", RENDERS, 400, "no more than 50 elements", field="skus", json={"template": "product-showcase", "skus": [f"S-{i}" for i in range(51)]}),
    Case("render-sku-and-skus", "key", "POST", RENDERS, 400, "not both", field="skus", json={**RENDER, "skus": ["MUG-1"]}),
    Case("render-aspect-ratio-absurd", "key", "POST", RENDERS, 400, "not an aspect ratio we make", field="aspect_ratios", json={**RENDER, "aspect_ratios": ["1:100000"]}),
    Case("render-engine-import-path", "key", "POST", RENDERS, 400, "os.system", field="engine", json={**RENDER, "engine": "os.system"}),
    Case("render-family-unknown", "key", "POST", RENDERS, 400, "is not a model family", field="family", json={**RENDER, "family": "sdxl"}),
    Case("render-merge-field-unknown", "key", "POST", RENDERS, 400, "__class__", field="merge_fields", json={**RENDER, "merge_fields": {"__class__": "x"}}),
    Case("render-webhook-loopback", "key", "POST", RENDERS, 400, "not a public address", field="webhook_url", json={**RENDER, "webhook_url": "https://127.0.0.1/hook"}),
    Case("render-webhook-nat64", "key", "POST", RENDERS, 400, "not a public address", field="webhook_url", json={**RENDER, "webhook_url": "https://[64:ff9b::7f00:1]/hook"}),
    Case("render-webhook-plain-http", "key", "POST", RENDERS, 400, "https", field="webhook_url", json={**RENDER, "webhook_url": "http://93.184.215.14/h"}),
    Case("render-metadata-too-many-keys", "key", "POST", RENDERS, 400, "keep it to 20", field="metadata", json={**RENDER, "metadata": {f"k{i}": i for i in range(21)}}),
    Case("render-metadata-too-large", "key", "POST", RENDERS, 400, "bytes as JSON", field="metadata", json={**RENDER, "metadata": {"k": "x" * 9000}}),
]
# fmt: on

API_CASES = CREDENTIALS + TENANCY + ROLES + BODIES + PRODUCTS + MERCHANT + RENDER_CASES

# Query parameters: each one of the schema's, sent hostile (the meta-test counts them like body fields).
EMPTY_PAGE = '"results":[]'
BAD_CURSOR = "This cursor is not valid"
# fmt: off
QUERIES = [
    Case("query-imports-cursor", "key", "GET", "/api/v1/catalog/imports?cursor=x", 400, BAD_CURSOR, field="cursor"),
    Case("query-imports-limit", "key", "GET", "/api/v1/catalog/imports?limit=1000000", 400, "Must be a whole number from 1 to", field="limit"),
    Case("query-products-cursor", "key", "GET", "/api/v1/products?cursor=x", 400, BAD_CURSOR, field="cursor"),
    Case("query-products-limit", "key", "GET", "/api/v1/products?limit=-1", 400, "Must be a whole number from 1 to", field="limit"),
    Case("query-products-q-nul", "key", "GET", "/api/v1/products?q=mug%00", 400, "Null characters", field="q"),
    Case("query-products-their-sku", "key", "GET", "/api/v1/products?sku=GLX-1", 200, EMPTY_PAGE, field="sku"),
    Case("query-products-status", "key", "GET", "/api/v1/products?status=deleted", 400, "Unknown status 'deleted'", field="status"),
    Case("query-videos-aspect", "key", "GET", "/api/v1/products/MUG-1/videos?aspect=1:100000", 400, "is not an aspect ratio we make", field="aspect"),
    Case("query-renders-cursor", "key", "GET", "/api/v1/renders?cursor=x", 400, BAD_CURSOR, field="cursor"),
    Case("query-renders-limit", "key", "GET", "/api/v1/renders?limit=99999999999999999999", 400, "Must be a whole number from 1 to", field="limit"),
    Case("query-renders-their-sku", "key", "GET", "/api/v1/renders?sku=GLX-1", 200, EMPTY_PAGE, field="sku"),
    Case("query-renders-status", "key", "GET", "/api/v1/renders?status=%3Cscript%3E", 400, "is not a render status", field="status"),  # JSON, not a page: naming it is fine
    Case("query-prompts-their-sku", "key", "GET", "/api/v1/templates/acme-only/prompts?sku=GLX-1", 404, NOT_FOUND, field="sku"),
    Case("query-endpoint-deliveries-cursor", "key", "GET", "/api/v1/webhooks/{endpoint_id}/deliveries?cursor=x", 400, BAD_CURSOR, field="cursor"),
    Case("query-endpoint-deliveries-limit", "key", "GET", "/api/v1/webhooks/{endpoint_id}/deliveries?limit=0", 400, "Must be a whole number from 1 to", field="limit"),
    Case("query-endpoint-deliveries-status", "key", "GET", "/api/v1/webhooks/{endpoint_id}/deliveries?status=all", 400, "Use one of pending, succeeded, failed", field="status"),
    Case("query-deliveries-cursor", "key", "GET", "/api/v1/webhooks/deliveries?cursor=x", 400, BAD_CURSOR, field="cursor"),
    Case("query-deliveries-limit", "key", "GET", "/api/v1/webhooks/deliveries?limit=abc", 400, "Must be a whole number from 1 to", field="limit"),
    Case("query-deliveries-status", "key", "GET", "/api/v1/webhooks/deliveries?status=failed%27%20OR%201%3D1", 400, "Use one of pending, succeeded, failed", field="status"),
]
# fmt: on

API_CASES += QUERIES

# The campaign API's cases live in their own table (hostile_cases_campaigns.py); counted with the API's.
from tests.security.hostile_cases_campaigns import CAMPAIGN_CASES  # noqa: E402

API_CASES += CAMPAIGN_CASES
