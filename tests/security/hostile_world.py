"""The hostile corpus's shared parts: the `Case` a table row is, the world every case runs against (two merchants
with one of everything, built once per module and rolled back per case), the callers (each role, API keys,
nobody), and the "nothing else changed" snapshot: a fingerprint of every row of every model and the list of
files in every filesystem storage, taken before and after each case."""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.test import Client

PASSWORD = "a-long-test-password"
STORED_PAGE = b"<html><script>fetch('/api/v1/webhooks/default/secret').then(r => r.text()).then(alert)</script></html>"  # tests/factories.py merchant_make: the owner's
ROLES = ("owner", "admin", "editor", "viewer")

# Rows a request may change without that being the input's doing: who signed in, when a key was last used,
# login attempts (django-axes) and idempotency records (the replay store of any POST with the header).
UNWATCHED_MODELS = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
UNWATCHED_FIELDS = {"last_login", "last_used_at"}


@dataclass(frozen=True)
class Case:
    """One hostile request and everything it must (and must not) do.

    `who`: "key" (acme's API key), "globex" (another merchant's key), "anon", "bad-key", a role of acme signed in
    to the dashboard ("owner", "admin", "editor", "viewer"), or "owner-csrf" (the owner, CSRF checks on).
    `url` may name the world's values ("{globex_product_id}"). `message`: a substring of the API error's message
    (or of the dashboard page's text, or of the Location of a redirect). `field`: the input the case attacks, as
    the meta-test counts coverage (API: the schema's field name; dashboard: the form's field name).
    `changes`: model label -> expected change of its row count; every other model's rows must be identical.
    `new_files`: files expected to appear in storage. `then`: a follow-up whose text must hold `then_message`
    (e.g. "run_import": the queued import run by the worker's code, then fetched)."""

    id: str
    who: str
    method: str
    url: str
    status: int
    message: str
    field: str = ""
    form: str = ""  # dashboard: the form class the field belongs to
    json: Any = None
    data: dict | None = None
    files: dict | None = None
    raw: bytes | None = None
    content_type: str = ""
    headers: dict = default(default_factory=dict)
    changes: dict = default(default_factory=dict)
    new_files: int = 0
    then: str = ""
    then_message: str = ""
    response_headers: dict = default(default_factory=dict)  # header -> a substring its value must hold
    absent: str = ""  # must appear nowhere in the raw response (body or Location): a reflected script, a secret
    settings: dict = default(default_factory=dict)  # overridden for this case only (e.g. a smaller limit)
    before: Callable[[dict], None] | None = None  # arranges something first, given the world (e.g. a first request)


# --- the snapshot ---------------------------------------------------------------------------------------------


def _watched_models():
    for model in apps.get_models():
        if model._meta.label_lower not in UNWATCHED_MODELS and not model._meta.proxy:
            yield model


def rows_fingerprint() -> dict[str, tuple[int, str]]:
    """label -> (row count, hash of every watched column of every row)."""
    out = {}
    for model in _watched_models():
        columns = [f.attname for f in model._meta.concrete_fields if f.name not in UNWATCHED_FIELDS]
        rows = list(model._default_manager.order_by("pk").values_list(*columns))
        out[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def storage_roots() -> list[Path]:
    roots = {Path(settings.MEDIA_ROOT)}
    for alias in settings.STORAGES:
        storage = storages[alias]
        if isinstance(storage, FileSystemStorage) and alias != "staticfiles":
            roots.add(Path(storage.location))
    return sorted(roots)


def stored_files() -> set[str]:
    found = set()
    for root in storage_roots():
        for folder, _, names in os.walk(root):
            found.update(str(Path(folder, name)) for name in names)
    return found


def files_remove_added(before: tuple[dict, set[str]]) -> None:
    """Files a case stored outlive its rolled-back rows: removed, so the next case starts from the world's."""
    for name in stored_files() - before[1]:
        Path(name).unlink(missing_ok=True)


def snapshot() -> tuple[dict, set[str]]:
    return rows_fingerprint(), stored_files()


def changed_against(case: Case, before: tuple[dict, set[str]]) -> list[str]:
    """What changed that the case did not expect: rows of models it names no change for, row counts off from the
    expected deltas, files other than the expected number of new ones."""
    rows_before, files_before = before
    rows_after, files_after = snapshot()
    problems = []
    for label, (count, digest) in rows_after.items():
        old_count, old_digest = rows_before.get(label, (0, ""))
        if label in case.changes:
            if count - old_count != case.changes[label]:
                problems.append(f"{label}: {count - old_count:+d} rows, expected {case.changes[label]:+d}")
        elif (count, digest) != (old_count, old_digest):
            problems.append(f"{label}: rows changed ({count - old_count:+d} rows)")
    added, removed = files_after - files_before, files_before - files_after
    if len(added) != case.new_files or removed:
        problems.append(f"files: added {sorted(added)}, removed {sorted(removed)}; expected {case.new_files} new")
    return problems


# --- sending a case ---------------------------------------------------------------------------------------------


def case_url(case: Case, world: dict) -> str:
    return case.url.format(**world["values"])


def case_send(case: Case, world: dict):
    client = world["clients"][case.who]
    url = case_url(case, world)
    send = getattr(client, case.method.lower())
    headers = {k if k == "REMOTE_ADDR" else f"HTTP_{k.upper().replace('-', '_')}": v for k, v in case.headers.items()}
    if case.raw is not None:
        return send(url, data=case.raw, content_type=case.content_type or "application/json", **headers)
    if case.json is not None:
        return send(url, data=json.dumps(case.json), content_type="application/json", **headers)
    if case.files is not None or case.data is not None:
        data = dict(case.data or {})
        for name, value in (case.files or {}).items():
            data[name] = [_upload(*item) for item in value] if isinstance(value, list) else _upload(*value)
        if case.method.lower() in ("post",):
            return send(url, data=data, **headers)  # multipart, like a browser form
        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

        return send(url, data=encode_multipart(BOUNDARY, data), content_type=MULTIPART_CONTENT, **headers)
    return send(url, **headers)


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def response_raw(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.get("Location", "") + body.decode("utf-8", "replace")


def response_text(response) -> str:
    """What the case's message is looked for in: the API error's message, a redirect's target, or a page's
    text (tags stripped, entities decoded)."""
    if 300 <= response.status_code < 400:
        return response.get("Location", "")
    content_type = response.get("Content-Type", "")
    text = response.content.decode("utf-8", "replace") if not response.streaming else ""
    if "json" in content_type:
        try:
            error = json.loads(text).get("error")
        except (ValueError, AttributeError):
            return text
        if isinstance(error, dict):
            return f"{error.get('message', '')} {json.dumps(error.get('fields', {}), ensure_ascii=False)}"
        return text
    return html.unescape(" ".join(_without_tags(text).split()))


def _without_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", text)


def dashboard_client(user, *, enforce_csrf: bool = False) -> Client:
    # force_login: a login throttle (django-axes) wants a request that the test client's login() does not pass.
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


# --- the world ----------------------------------------------------------------------------------------------------


def _merchant_things(merchant, *, sku: str, template_slug: str, hook_host: str) -> dict:
    """One of everything a merchant owns, through the real services; returns the ids the cases' URLs name."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog.import_requests import catalog_import_request_create
    from catalog.models import CatalogImport
    from generation.models import VideoTemplate
    from generation.services.render_jobs import render_job_create
    from shop_video.live.services import live_room_create
    from shop_video.tenancy.models import BrandMusicTrack
    from shop_video.tenancy.selectors import brand_kit_default
    from shop_video.webhooks.models import WebhookDelivery, WebhookEndpoint
    from tests import factories

    product = factories.product_make(merchant=merchant, sku=sku, photos=2)
    VideoTemplate.objects.create(
        merchant=merchant,
        slug=template_slug,
        name=template_slug.title(),
        spec={"scenes": [{"type": "product_shots", "duration": 2}]},
    )
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku=sku)
    rendition = _rendition_make(merchant=merchant, sku=sku)
    record = CatalogImport.objects.create(merchant=merchant, source="feed.csv", format="plain_csv")
    page_feed = catalog_import_request_create(
        merchant=merchant,
        file=SimpleUploadedFile("feed.html", STORED_PAGE, content_type="text/html"),
        feed_format="plain_csv",
    )
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant, url=f"https://{hook_host}/video", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    )
    delivery = WebhookDelivery.objects.create(
        merchant=merchant,
        endpoint=endpoint,
        url=endpoint.url,
        event="render.succeeded",
        message_id=f"msg_{merchant.slug}",
        body="{}",
        status=WebhookDelivery.Status.FAILED,
    )
    kit = brand_kit_default(merchant=merchant)
    track = BrandMusicTrack.objects.create(kit=kit, name="theme", file="brand/music/theme.wav")
    room = live_room_create(
        merchant=merchant, name="Kitchen live", skus=[sku], template_slug="quick-bumper", short_side=64
    )
    segment = room.items.first().segments.first()
    _segment_ready(segment)
    return {
        "product_id": product.pk,
        "sku": sku,
        "template": template_slug,
        "job_id": job.pk,
        "rendition_id": rendition.pk,
        "import_id": record.pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "kit_id": kit.pk,
        "track_id": track.pk,
        "room_id": room.pk,
        "room_key": room.key,
        "item_id": room.items.first().pk,
        "segment_id": segment.pk,
        "image_id": product.images.first().pk,
        "page_feed": page_feed.file.name,  # a private file: an HTML page uploaded as a feed
        "photo": product.images.first().file.name,
    }


def _segment_ready(segment) -> None:
    """One chunk of stand-in bytes, so a chunk's address answers (tests/live/test_live_rooms.py does the same)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from shop_video.live.models import LiveSegment

    segment.media_dir = f"live/corpus/{segment.pk}"
    default_storage.save(f"{segment.media_dir}/0.ts", ContentFile(b"G" * 188))
    segment.status, segment.chunks = LiveSegment.Status.READY, [["0.ts", 2.0]]
    segment.save()


def _rendition_make(*, merchant, sku: str):
    """A finished video in the library (a file of a few bytes): what the download route serves."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from generation.models import JobStatus, Rendition
    from generation.services.render_jobs import render_job_create

    job = render_job_create(merchant=merchant, template_slug="quick-bumper", sku=sku)
    job.status = JobStatus.SUCCEEDED
    job.save(update_fields=["status"])
    name = default_storage.save(f"renders/corpus-{merchant.slug}/9x16.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    return Rendition.objects.create(job=job, aspect_ratio="9:16", file=name, width=64, height=114, duration=6.0)


def world_build() -> dict:
    """acme (whose callers send the cases) and globex (whose ids acme's callers must never reach)."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from generation.presets import video_templates_sync_builtin
    from shop_video.api.services import api_key_create
    from shop_video.tenancy.services import membership_add
    from tests import factories

    video_templates_sync_builtin()
    acme, globex = factories.merchant_make(slug="acme"), factories.merchant_make(slug="globex")
    factories.presenter_make(merchant=acme)
    values = {
        name: value
        for name, value in _merchant_things(
            acme, sku="MUG-1", template_slug="acme-only", hook_host="hooks.acme.example"
        ).items()
    }
    theirs = _merchant_things(globex, sku="GLX-1", template_slug="globex-only", hook_host="hooks.globex.example")
    values.update({f"globex_{name}": value for name, value in theirs.items()})

    users = {"owner": get_user_model().objects.get(email="owner@acme.test")}
    for role in ROLES[1:]:
        users[role] = membership_add(merchant=acme, email=f"{role}@acme.test", role=role, password=PASSWORD).user
    # The owner also belongs to a third shop, so the dashboard shows its shop switcher (a form to attack too).
    membership_add(merchant=factories.merchant_make(slug="initech"), email="owner@acme.test", role="viewer")
    clients: dict[str, Any] = {role: dashboard_client(user) for role, user in users.items()}
    clients["owner-csrf"] = dashboard_client(users["owner"], enforce_csrf=True)
    clients["anon"] = Client()
    for who, merchant in (("key", acme), ("globex", globex)):
        _, key = api_key_create(merchant=merchant, name="corpus")
        clients[who] = APIClient()
        clients[who].credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        values[f"{who}_key"] = key
        values[f"{who}_key_prefix"] = key.split(".")[0]
    values["globex_merchant_id"] = globex.pk
    clients["bad-key"] = APIClient()
    clients["bad-key"].credentials(HTTP_AUTHORIZATION="Api-Key abcdefgh.not-a-real-secret")
    return {"acme": acme, "globex": globex, "values": values, "clients": clients, "users": users}
