"""Hostile cases for templates (the spec: durations, scene counts, text, template injection) and webhooks
(SSRF in every address form: loopback, private, link-local metadata, CGNAT, IPv6 loopback, IPv4-mapped,
IPv4-compatible, NAT64, decimal and octal spellings, other schemes; tests/security/test_ssrf_forms.py checks
the guard itself with more forms)."""

from tests.security.hostile_world import Case

SCENE = {"type": "product_shots", "duration": 2}
NEW = {"slug": "corpus-new", "name": "Corpus", "spec": {"scenes": [SCENE]}}
TEMPLATES = "/api/v1/templates"
EDIT = "/api/v1/templates/acme-only"
COPY = "/api/v1/templates/product-showcase/copy"
WEBHOOKS = "/api/v1/webhooks"
ENDPOINT = "/api/v1/webhooks/{endpoint_id}"
PRIVATE = "not a public address"
PUBLIC = "https://93.184.215.14/h"  # a global address literal: no DNS lookup in tests
NAN_SPEC = b'{"slug": "nan", "name": "N", "spec": {"scenes": [{"type": "product_shots", "duration": NaN}]}}'


def _spec(*scenes) -> dict:
    return {**NEW, "spec": {"scenes": list(scenes)}}


# fmt: off
TEMPLATE_CASES = [
    Case("template-slug-path", "key", "POST", TEMPLATES, 400, "Enter a valid \"slug\"", field="slug", json={**NEW, "slug": "../../etc"}),
    Case("template-slug-taken", "key", "POST", TEMPLATES, 400, "You already have a template 'acme-only'", field="slug", json={**NEW, "slug": "acme-only"}),
    Case("template-name-too-long", "key", "POST", TEMPLATES, 400, "200 characters", field="name", json={**NEW, "name": "n" * 201}),
    Case("template-description-a-megabyte", "key", "POST", TEMPLATES, 400, "no more than 2000 characters", field="description", json={**NEW, "description": "d" * 1_000_000}),
    Case("template-spec-not-an-object", "key", "POST", TEMPLATES, 400, '"scenes" list', field="spec", json={**NEW, "spec": "rm -rf /"}),
    Case("template-spec-100-hours", "key", "POST", TEMPLATES, 400, "at most 180, got 360000", field="spec", json=_spec({**SCENE, "duration": 360_000})),
    Case("template-spec-10000-scenes", "key", "POST", TEMPLATES, 400, "keep it to 65536", field="spec", json=_spec(*[SCENE] * 10_000)),
    Case("template-spec-21-scenes", "key", "POST", TEMPLATES, 400, "The template has 21 scenes; keep it to 20", field="spec", json=_spec(*[SCENE] * 21)),
    Case("template-spec-over-300-seconds", "key", "POST", TEMPLATES, 400, "keep it to 300 s", field="spec", json=_spec(*[{**SCENE, "duration": 150}] * 3)),
    Case("template-spec-nan-duration", "key", "POST", TEMPLATES, 400, "NaN is not a number JSON allows", field="spec", raw=NAN_SPEC),
    Case("template-spec-prompt-reads-settings", "key", "POST", TEMPLATES, 400, "'settings.SECRET_KEY', which prompts cannot read", field="spec", json=_spec({**SCENE, "prompt": "{{ settings.SECRET_KEY }}"})),
    Case("template-spec-prompt-loads-tags", "key", "POST", TEMPLATES, 400, "{% load %}, which prompts cannot use", field="spec", json=_spec({**SCENE, "prompt": "{% load static %}{% debug %}"})),
    Case("template-spec-prompt-walks-attributes", "key", "POST", TEMPLATES, 400, "may not begin with underscores", field="spec", json=_spec({**SCENE, "prompt": "{{ product.__class__.objects.all }}"})),
    Case("template-spec-text-too-long", "key", "POST", TEMPLATES, 400, "must stay under 500", field="spec", json=_spec(SCENE, {"type": "cta", "duration": 2, "text": "t" * 5000})),
    Case("template-edit-builtin", "key", "PATCH", "/api/v1/templates/product-showcase", 400, "is built in and cannot be edited", field="name", json={"name": "Mine now"}),
    Case("template-edit-name-blank", "key", "PATCH", EDIT, 400, "blank", field="name", json={"name": ""}),
    Case("template-edit-description-a-megabyte", "key", "PATCH", EDIT, 400, "no more than 2000 characters", field="description", json={"description": "d" * 1_000_000}),
    Case("template-edit-spec-100-hours", "key", "PATCH", EDIT, 400, "at most 180, got 360000", field="spec", json={"spec": {"scenes": [{**SCENE, "duration": 360_000}]}}),
    Case("template-copy-slug-taken", "key", "POST", COPY, 400, "acme-only", field="slug", json={"slug": "acme-only"}),
    Case("template-copy-slug-too-long", "key", "POST", COPY, 400, "64 characters", field="slug", json={"slug": "s" * 65}),
    Case("template-prompts-their-sku", "key", "GET", "/api/v1/templates/acme-only/prompts?sku=GLX-1", 404, "Not found"),
]

SSRF_ADDRESSES = {
    "loopback": "https://127.0.0.1/h",
    "localhost": "https://localhost/h",
    "private-10": "https://10.0.0.7/h",
    "metadata-link-local": "http://169.254.169.254/latest/meta-data/",
    "cgnat": "https://100.64.0.1/h",
    "zero": "http://0.0.0.0:8000/h",
    "ipv6-loopback": "https://[::1]/h",
    "ipv4-mapped": "https://[::ffff:127.0.0.1]/h",
    "ipv4-compatible": "https://[::127.0.0.1]/h",
    "nat64": "https://[64:ff9b::a9fe:a9fe]/h",
    "decimal": "http://2130706433/h",
    "octal": "http://0177.0.0.1/h",
}

WEBHOOK_CASES = [
    *[Case(f"webhook-ssrf-{name}", "key", "POST", WEBHOOKS, 400, PRIVATE, field="url", json={"url": url}) for name, url in SSRF_ADDRESSES.items()],
    Case("webhook-ssrf-userinfo", "key", "POST", WEBHOOKS, 400, "user name or password", field="url", json={"url": "https://hooks.example.com@127.0.0.1/h"}),
    Case("webhook-scheme-file", "key", "POST", WEBHOOKS, 400, "only http and https URLs can receive webhooks", field="url", json={"url": "file:///etc/passwd"}),
    Case("webhook-scheme-gopher", "key", "POST", WEBHOOKS, 400, "only http and https URLs can receive webhooks", field="url", json={"url": "gopher://127.0.0.1:6379/_FLUSHALL"}),
    Case("webhook-url-too-long", "key", "POST", WEBHOOKS, 400, "no more than 2000 characters", field="url", json={"url": PUBLIC + "a" * 2100}),
    Case("webhook-events-wildcard", "key", "POST", WEBHOOKS, 400, "render.*", field="events", json={"url": PUBLIC, "events": ["render.*"]}),
    Case("webhook-description-too-long", "key", "POST", WEBHOOKS, 400, "no more than 200 characters", field="description", json={"url": PUBLIC, "description": "d" * 201}),
    Case("webhook-edit-to-loopback", "key", "PATCH", ENDPOINT, 400, PRIVATE, field="url", json={"url": "https://[::1]/h"}),
    Case("webhook-edit-to-nat64", "key", "PATCH", ENDPOINT, 400, PRIVATE, field="url", json={"url": "https://[64:ff9b::7f00:1]/h"}),
    Case("webhook-edit-events-a-string", "key", "PATCH", ENDPOINT, 400, "Expected a list", field="events", json={"events": "render.succeeded"}),
    Case("webhook-edit-description-too-long", "key", "PATCH", ENDPOINT, 400, "no more than 200 characters", field="description", json={"description": "d" * 201}),
    Case("webhook-edit-is-active-not-a-boolean", "key", "PATCH", ENDPOINT, 400, "boolean", field="is_active", json={"is_active": "perhaps"}),
]
# fmt: on

HOOK_CASES = TEMPLATE_CASES + WEBHOOK_CASES
