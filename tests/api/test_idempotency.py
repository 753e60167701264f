"""Idempotency-Key (shop_video/api/idempotency.py), through POST /api/v1/renders and /renders/{id}/cancel."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from generation import api as generation_api
from generation.models import RenderJob
from shop_video.api import idempotency
from shop_video.api.models import IdempotencyRecord

RENDERS = "/api/v1/renders"
BODY = {"template": "product-showcase", "sku": "MUG-1", "aspect_ratios": ["9:16"], "metadata": {"a": 1, "b": 2}}


@pytest.fixture
def ready(merchant, product_with_photos, builtin_templates, sent_tasks):
    return merchant


def _post(client, body=BODY, key="key-1", path=RENDERS, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body, format="json", **headers, **extra)


@pytest.mark.django_db
def test_a_replay_returns_the_same_status_body_and_location_and_creates_nothing(api, ready):
    first = _post(api)
    assert first.status_code == 202 and "Idempotent-Replayed" not in first
    # The same request, keys in another order: still the same request.
    again = api.post(
        RENDERS,
        '{"metadata": {"b": 2, "a": 1}, "aspect_ratios": ["9:16"], "sku": "MUG-1", "template": "product-showcase"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert RenderJob.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.state, record.response_status, record.method, record.path) == (
        "key-1",
        "done",
        202,
        "POST",
        RENDERS,
    )


@pytest.mark.django_db
def test_without_a_key_every_post_runs(api, ready):
    assert _post(api, key=None).status_code == 202 and _post(api, key=None).status_code == 202
    assert RenderJob.objects.count() == 2 and IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_422(api, ready):
    assert _post(api).status_code == 202
    response = _post(api, {**BODY, "aspect_ratios": ["1:1"]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "unprocessable"
    assert "'key-1' was already used with a different request" in error["message"]
    assert "use a new key" in error["message"]
    assert RenderJob.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_on_another_endpoint_is_422(api, ready):
    job_id = _post(api).json()["renders"][0]["id"]
    assert _post(api, {}, path=f"{RENDERS}/{job_id}/cancel").status_code == 422
    assert RenderJob.objects.get().status == "queued"


@pytest.mark.django_db
def test_keys_are_per_merchant(api, other_api, ready, other_merchant):
    from tests import factories

    factories.product_make(merchant=other_merchant, sku="MUG-1")
    assert _post(api).status_code == 202
    theirs = _post(other_api)
    assert theirs.status_code == 202 and "Idempotent-Replayed" not in theirs
    assert theirs.json() != _post(api).json()
    assert RenderJob.objects.filter(merchant=other_merchant).count() == 1


@pytest.mark.django_db
def test_a_request_still_in_progress_is_409(api, ready):
    IdempotencyRecord.objects.create(
        merchant=ready, key="key-1", method="POST", path=RENDERS, request_hash=_hash_of(api, BODY)
    )
    response = _post(api)
    assert response.status_code == 409
    assert "still being processed; retry in a moment" in response.json()["error"]["message"]
    assert RenderJob.objects.count() == 0


@pytest.mark.django_db
def test_an_abandoned_in_progress_record_stops_blocking_the_key(api, ready):
    record = IdempotencyRecord.objects.create(
        merchant=ready, key="key-1", method="POST", path=RENDERS, request_hash=_hash_of(api, BODY)
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - idempotency.IN_PROGRESS_TIMEOUT - timedelta(seconds=1)
    )
    assert _post(api).status_code == 202
    assert IdempotencyRecord.objects.get().state == "done"


@pytest.mark.django_db
def test_a_key_older_than_24_hours_can_be_reused_and_purged(api, ready):
    assert _post(api).status_code == 202
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    reused = _post(api, {**BODY, "aspect_ratios": ["1:1"]})
    assert reused.status_code == 202 and "Idempotent-Replayed" not in reused
    assert RenderJob.objects.count() == 2
    assert idempotency.idempotency_records_purge() == 0  # the fresh one stays
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency.idempotency_records_purge() == 1 and IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_4xx_is_stored_and_replayed(api, ready):
    bad = {**BODY, "sku": "NOPE"}
    first = _post(api, bad)
    assert first.status_code == 400
    from tests import factories

    factories.product_make(merchant=ready, sku="NOPE")  # now it would work, but the key already answered
    again = _post(api, bad)
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (400, first.json(), "true")
    assert RenderJob.objects.count() == 0


@pytest.mark.django_db
def test_a_stored_409_from_the_view_is_replayed(api, ready):
    job_id = _post(api, key=None).json()["renders"][0]["id"]
    RenderJob.objects.filter(pk=job_id).update(status="succeeded")
    cancel = f"{RENDERS}/{job_id}/cancel"
    first = _post(api, {}, path=cancel)
    assert first.status_code == 409 and "already finished" in first.json()["error"]["message"]
    again = _post(api, {}, path=cancel)
    assert (again.status_code, again["Idempotent-Replayed"]) == (409, "true")


@pytest.mark.django_db
def test_a_server_error_forgets_the_key_so_a_retry_runs(api, ready, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(generation_api, "render_jobs_create", crash)
    with pytest.raises(RuntimeError):
        _post(api)
    assert IdempotencyRecord.objects.count() == 0
    monkeypatch.undo()
    retry = _post(api)
    assert retry.status_code == 202 and "Idempotent-Replayed" not in retry
    assert RenderJob.objects.count() == 1


@pytest.mark.django_db
def test_a_view_that_raises_after_writing_leaves_nothing_behind(api, ready, monkeypatch):
    from django.core.exceptions import ValidationError

    real = generation_api.render_jobs_create

    def create_then_refuse(**kwargs):
        real(**kwargs)
        raise ValidationError("refused after writing")

    monkeypatch.setattr(generation_api, "render_jobs_create", create_then_refuse)
    assert _post(api).status_code == 400
    assert RenderJob.objects.count() == 0 and IdempotencyRecord.objects.get().response_status == 400


@pytest.mark.django_db
@pytest.mark.parametrize("key, length", [("", 0), ("k" * 256, 256)])
def test_a_key_of_the_wrong_length_is_400(api, ready, key, length):
    response = _post(api, key=key)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"The Idempotency-Key header must be 1 to 255 characters, got {length}; send a UUID."
    )
    assert RenderJob.objects.count() == 0 and IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_255_character_key_is_fine(api, ready):
    assert _post(api, key="k" * 255).status_code == 202


def test_the_request_hash_ignores_json_key_order_and_whitespace_but_not_values():
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    def hash_of(raw, path=RENDERS, content_type="application/json"):
        request = Request(APIRequestFactory().post(path, raw, content_type=content_type), parsers=[JSONParser()])
        return idempotency.idempotency_request_hash(request)

    same = hash_of('{"a": 1, "b": [1, 2]}')
    assert hash_of('{"b":[1,2],\n "a":1}') == same
    assert hash_of('{"a": 1, "b": [2, 1]}') != same
    assert hash_of('{"a": 1, "b": [1, 2]}', path=RENDERS + "/1/cancel") != same
    assert hash_of(b"raw bytes", content_type="application/octet-stream") != hash_of(
        b"raw bytez", content_type="application/octet-stream"
    )


def test_the_request_hash_of_multipart_ignores_the_boundary_but_not_the_file():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart
    from rest_framework.parsers import MultiPartParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    def hash_of(content, boundary):
        upload = SimpleUploadedFile("a.jpg", content, content_type="image/jpeg")
        raw = APIRequestFactory().post(
            "/x",
            encode_multipart(boundary, {"title": "t", "file": upload}),
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        request = Request(raw, parsers=[MultiPartParser()])
        assert request.data["title"] == "t"
        return idempotency.idempotency_request_hash(request)

    assert hash_of(b"photo", "AaB03x") == hash_of(b"photo", "ZzY98w")
    assert hash_of(b"photo", "AaB03x") != hash_of(b"other", "AaB03x")


def _hash_of(client, body):
    """The hash the server computes for POST /renders with this JSON body."""
    import json

    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    raw = APIRequestFactory().post(RENDERS, json.dumps(body), content_type="application/json")
    return idempotency.idempotency_request_hash(Request(raw, parsers=[JSONParser()]))


# --- a real race: two connections at once (PostgreSQL; SQLite serialises writers with a file lock) ------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers: set DATABASE_URL to PostgreSQL"
)


def _client_like(api):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api.key}")
    return client


def _in_thread(target, results, name):
    def run():
        try:
            results[name] = target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_sent_while_the_first_runs_is_409_then_replays(api, ready, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    real = generation_api.render_jobs_create

    def slow_create(**kwargs):
        entered.set()
        assert release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(generation_api, "render_jobs_create", slow_create)
    results = {}
    first = _in_thread(lambda: _post(_client_like(api)), results, "first")
    try:
        assert entered.wait(10)
        duplicate = _post(_client_like(api))
        assert duplicate.status_code == 409, duplicate.json()
    finally:
        release.set()
        first.join(10)
    assert results["first"].status_code == 202
    replay = _post(_client_like(api))
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (202, "true")
    assert replay.json() == results["first"].json()
    assert RenderJob.objects.count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_the_same_instant_make_one_render(api, ready):
    barrier = threading.Barrier(4)
    results = {}

    def send():
        client = _client_like(api)
        barrier.wait(10)
        return _post(client)

    threads = [_in_thread(send, results, n) for n in range(4)]
    for thread in threads:
        thread.join(30)
    statuses = sorted(response.status_code for response in results.values())
    assert len(statuses) == 4 and statuses.count(202) >= 1 and set(statuses) <= {202, 409}, statuses
    created = [r for r in results.values() if r.status_code == 202 and "Idempotent-Replayed" not in r]
    assert len(created) == 1
    assert RenderJob.objects.count() == 1
