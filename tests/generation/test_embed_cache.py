"""The storefront embed's cache (shop_video/embed_fast_path.py, shop_video/embed_cache.py): the production WSGI
path replays Django's exact answer, never a stale, failed, deleted or other merchant's one, nor to a key Django
would refuse. Runs against a private redis-server, driven through the real WSGI application."""

import io
import shutil
import socket
import subprocess
import sys
import time

import pytest
import redis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.utils import timezone

from generation.models import JobStatus, RenderJob
from generation.services.payloads import render_job_event_emit
from shop_video.api.services import api_key_revoke
from shop_video.embed_cache import embed_version_bump
from shop_video.embed_fast_path import EmbedFastPath
from tests import factories
from tests.generation.render_api_helpers import job_make, job_succeed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs redis-server (apt-get install redis-server)"
    ),
]


@pytest.fixture(scope="module")
def redis_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


class CountingDjango:
    """Django's WSGI handler, counting the requests that reach it (a replayed answer does not)."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


@pytest.fixture(autouse=True)
def connection_kept():
    """As Django's test client does: a request through the WSGI handler must not close the test's connection
    (and with it the test's transaction)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def served(settings, redis_url):
    settings.EMBED_CACHE_URL = redis_url
    redis.Redis.from_url(redis_url).flushdb()
    django = CountingDjango()
    return EmbedFastPath(django), django


def get(app, key, sku="MUG-1", query="", **headers):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/api/v1/products/{sku}/videos",
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "HTTP_AUTHORIZATION": f"Api-Key {key}",
        **headers,
    }
    sent = {}
    result = app(environ, lambda status, headers, exc_info=None: sent.update(status=status, headers=headers))
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return int(sent["status"][:3]), dict(sent["headers"]), body


def warm(app, key, **kwargs):
    """The first request learns the key's merchant, the second is computed under a token and kept."""
    get(app, key, **kwargs)
    return get(app, key, **kwargs)


def render_succeeded(job):
    """What the assembly does when a render succeeds (generation/assembly/assemble.py), in a real commit."""
    with transaction.atomic():
        RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now())
        render_job_event_emit(job_id=job.pk, event="render.succeeded")


def test_a_new_render_is_served_before_its_webhook_is_queued(
    served, api, catalog, monkeypatch, django_capture_on_commit_callbacks
):
    app, django = served
    old = job_succeed(job_make(catalog))
    warm(app, api.key)
    before = django.calls
    status, _, body = get(app, api.key)
    assert status == 200 and str(old.pk).encode() in body and django.calls == before  # replayed from memory

    new = job_make(catalog)
    job_succeed(new)  # renditions written; the success itself is what render_succeeded commits
    RenderJob.objects.filter(pk=new.pk).update(status=JobStatus.RUNNING)
    seen_by_webhook_time = []
    from shop_video.webhooks import services as webhook_services

    monkeypatch.setattr(
        webhook_services,
        "webhook_event_emit",
        lambda **kwargs: transaction.on_commit(lambda: seen_by_webhook_time.append(get(app, api.key))),
    )
    with django_capture_on_commit_callbacks(execute=True):
        render_succeeded(new)
    [(status, _, body)] = seen_by_webhook_time
    assert status == 200 and f'"render_id":{new.pk}'.encode() in body


def test_the_replayed_answer_is_exactly_djangos(served, api, catalog):
    app, django = served
    job_succeed(job_make(catalog))
    plain = get(WSGIHandler(), api.key, query="aspect=9:16")  # the path without the cache, as before
    _, computed = get(app, api.key, query="aspect=9:16"), get(app, api.key, query="aspect=9:16")
    calls = django.calls
    replayed = get(app, api.key, query="aspect=9:16")
    assert django.calls == calls
    assert replayed == computed
    assert replayed[0] == plain[0] == 200 and replayed[2] == plain[2]
    assert replayed[1] == plain[1]  # every header: ETag, Cache-Control, Vary, security headers
    # A storefront revalidating gets Django's 304, replayed too.
    etag = plain[1]["ETag"]
    warm(app, api.key, query="aspect=9:16", HTTP_IF_NONE_MATCH=etag)
    calls = django.calls
    status, headers, body = get(app, api.key, query="aspect=9:16", HTTP_IF_NONE_MATCH=etag)
    assert (status, body, headers["ETag"], django.calls) == (304, b"", etag, calls)


def test_deleted_renditions_and_products_stop_being_served(served, api, catalog, django_capture_on_commit_callbacks):
    app, _ = served
    job = job_succeed(job_make(catalog))
    assert str(job.pk).encode() in warm(app, api.key)[2]
    with django_capture_on_commit_callbacks(execute=True):
        job.renditions.all().delete()
    assert get(app, api.key)[2] == b'{"sku":"MUG-1","videos":[]}'
    warm(app, api.key)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.products.get(key="mug-1").delete()
    assert get(app, api.key)[0] == 404


def test_a_failed_render_is_never_served(served, api, catalog, django_capture_on_commit_callbacks):
    from generation.services.job_states import render_job_fail

    app, _ = served
    good = job_succeed(job_make(catalog))
    warm(app, api.key)
    failed = job_succeed(job_make(catalog))  # renditions written, then the job fails after all
    with django_capture_on_commit_callbacks(execute=True):
        RenderJob.objects.filter(pk=failed.pk).update(status=JobStatus.RUNNING)
        embed_version_bump(merchant_id=catalog.pk)  # as if the cache had been refilled meanwhile
        render_job_fail(job_id=failed.pk, reason="boom")
    for _ in range(3):
        body = get(app, api.key)[2]
        assert f'"render_id":{good.pk}'.encode() in body and f'"render_id":{failed.pk}'.encode() not in body


def test_another_merchant_never_gets_a_cached_answer(served, api, other_api, catalog, other_merchant):
    app, _ = served
    job_succeed(job_make(catalog))
    acme = warm(app, api.key)
    assert acme[0] == 200
    assert get(app, other_api.key)[0] == 404  # globex has no MUG-1
    factories.product_make(merchant=other_merchant, sku="MUG-1")
    for _ in range(3):
        assert get(app, other_api.key)[2] == b'{"sku":"MUG-1","videos":[]}'
    assert get(app, api.key) == acme  # and globex's answer never replaced acme's


def test_a_key_is_checked_by_django_before_anything_is_replayed(
    served, api, catalog, django_capture_on_commit_callbacks
):
    app, django = served
    job_succeed(job_make(catalog))
    warm(app, api.key)
    prefix = api.key.partition(".")[0]
    for _ in range(2):  # the prefix of a cached key with a wrong secret: Django refuses it every time
        assert get(app, f"{prefix}.wrong-secret")[0] == 401
    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(merchant=catalog, prefix=prefix)
    calls = django.calls
    assert get(app, api.key)[0] == 401 and django.calls == calls + 1


def test_answers_are_shared_between_processes_and_dropped_together(
    served, api, catalog, django_capture_on_commit_callbacks
):
    first, django = served
    job = job_succeed(job_make(catalog))
    warm(first, api.key)
    second = EmbedFastPath(django)  # another worker process: its memory is empty
    calls = django.calls
    assert get(second, api.key) == get(first, api.key) and django.calls == calls
    with django_capture_on_commit_callbacks(execute=True):
        job.renditions.filter(aspect_ratio="1:1").delete()
    for app in (first, second):
        assert b'"1:1"' not in get(app, api.key)[2]


def test_the_rate_limit_holds_for_replayed_answers(served, api, catalog):
    from django.core.cache import cache

    from shop_video.api.throttling import ApiKeyRateThrottle

    _, django = served
    cache.clear()  # Django's own throttle history
    original = ApiKeyRateThrottle.THROTTLE_RATES
    ApiKeyRateThrottle.THROTTLE_RATES = {"api": "4/min"}
    try:
        app = EmbedFastPath(django)  # reads the rate when made, as a worker does at start
        job_succeed(job_make(catalog))
        if time.time() % 60 > 58:  # one fixed window for the whole test
            time.sleep(2)
        statuses = [get(app, api.key)[0] for _ in range(7)]
        limited = get(app, api.key)
    finally:
        ApiKeyRateThrottle.THROTTLE_RATES = original
        cache.clear()
    # 2 requests reach Django (the key's merchant learnt, the answer made), 3 are replayed, then the shared window
    # is spent: Django's throttle answers, though its own history holds only 2 of them.
    assert statuses == [200] * 5 + [429] * 2
    assert django.calls == 2 + 3  # the two that made the answer, the three 429s
    assert limited[0] == 429 and b"rate_limited" in limited[2] and int(limited[1]["Retry-After"]) > 0


def test_without_redis_django_answers_everything(settings, api, catalog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.EMBED_CACHE_URL = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"  # nothing listens there
    django = CountingDjango()
    app = EmbedFastPath(django)
    job = job_succeed(job_make(catalog))
    for _ in range(3):
        status, _, body = get(app, api.key)
        assert status == 200 and str(job.pk).encode() in body
    assert django.calls == 3
