"""Deliveries through the real task body to a real HTTP server on 127.0.0.1: what arrives, what is logged,
retries with backoff, giving up, SSRF refusals at delivery time, the claim, re-sends and the sweep."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shop_video.webhooks import services
from shop_video.webhooks.models import WebhookAttempt, WebhookDelivery
from shop_video.webhooks.services import (
    webhook_deliveries_send_overdue,
    webhook_delivery_attempt,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_event_emit,
    webhook_secret_default_get,
)
from shop_video.webhooks.signing import webhook_verify
from shop_video.webhooks.tasks import webhook_deliver
from shop_video.webhooks.transport import PostResult

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


def _due(delivery):
    """The countdown has elapsed: make the scheduled retry due now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@pytest.fixture
def endpoint(merchant, receiver, allow_loopback):
    return webhook_endpoint_create(merchant=merchant, url=receiver.url + "/hooks?shop=acme")


def _emit(merchant, capture, event="render.succeeded", **kwargs):
    with capture(execute=True):
        return webhook_event_emit(merchant=merchant, event=event, data={"id": 1, "status": "succeeded"}, **kwargs)


def test_a_delivery_arrives_signed_with_the_exact_body_and_is_logged(
    merchant, endpoint, receiver, sent, django_capture_on_commit_callbacks
):
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    assert sent == [(delivery.pk, None, "default")]  # the task was queued on commit, on the default queue
    assert delivery.message_id.startswith("msg_") and delivery.status == Status.PENDING

    webhook_deliver.apply(args=(delivery.pk,))

    (request,) = receiver.requests
    assert request.path == "/hooks?shop=acme"
    assert request.headers["webhook-id"] == delivery.message_id
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("shop_video-webhooks/")
    assert request.body == delivery.body.encode("utf-8")  # byte for byte what was stored and signed
    payload = webhook_verify(secret=endpoint.secret, headers=request.headers, body=request.body)
    assert payload["type"] == "render.succeeded" and payload["data"] == {"id": 1, "status": "succeeded"}
    assert payload["timestamp"].endswith("Z")

    delivery.refresh_from_db()
    assert delivery.status == Status.SUCCEEDED and delivery.attempts == 1 and delivery.last_response_code == 200
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    (attempt,) = delivery.attempt_log.all()
    assert (attempt.number, attempt.response_code, attempt.error, attempt.response_body) == (1, 200, "", "ok")
    assert attempt.url == receiver.url + "/hooks?shop=acme" and attempt.duration_ms >= 0
    assert sent == [(delivery.pk, None, "default")]  # nothing more to send
    # A duplicate message for the same delivery posts nothing.
    webhook_deliver.apply(args=(delivery.pk,))
    assert len(receiver.requests) == 1


def test_a_500_is_logged_and_retried_with_backoff_then_the_retry_succeeds(
    merchant, endpoint, receiver, sent, django_capture_on_commit_callbacks
):
    receiver.answers = [(500, b"database is down", {})]
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliver.apply(args=(delivery.pk,))

    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING and delivery.attempts == 1
    assert delivery.last_response_code == 500 and delivery.last_error == "the endpoint answered HTTP 500"
    (first,) = delivery.attempt_log.all()
    assert (first.number, first.response_code, first.response_body) == (1, 500, "database is down")
    # The retry: 5 s +/- 10 % later, in the database and as the countdown of the message sent.
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 4.4 <= wait <= 6.0, wait
    retry_id, countdown, queue = sent[-1]
    assert retry_id == delivery.pk and queue == "default" and 4.5 <= countdown <= 5.5
    assert len(sent) == 2

    # The retry message arriving early (clock skew beyond the claim's slack) does nothing.
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1

    _due(delivery)
    webhook_deliver.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == Status.SUCCEEDED and delivery.attempts == 2 and delivery.last_error == ""
    assert [(a.number, a.response_code) for a in delivery.attempt_log.all()] == [(2, 200), (1, 500)]
    first_request, second_request = receiver.requests
    # Same message id and body on the retry; each attempt signs its own timestamp.
    assert first_request.headers["webhook-id"] == second_request.headers["webhook-id"] == delivery.message_id
    assert first_request.body == second_request.body
    webhook_verify(secret=endpoint.secret, headers=second_request.headers, body=second_request.body)


def test_backoff_grows_and_after_max_attempts_the_delivery_fails_with_the_reason(
    merchant, endpoint, receiver, sent, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.answers = [(503, b"", {})] * 3
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    countdowns = []
    for _ in range(3):
        _due(delivery)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_deliver.apply(args=(delivery.pk,))
        countdowns.append(sent[-1][1])
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.attempts == 3 and delivery.next_attempt_at is None
    assert delivery.last_error == "gave up after 3 attempts; the last: the endpoint answered HTTP 503"
    # Two retries were scheduled (about 5 s, then about 30 s); none after the last attempt.
    assert len(sent) == 3 and countdowns[2] == countdowns[1]
    assert 4.5 <= countdowns[0] <= 5.5 and 27 <= countdowns[1] <= 33
    assert [a.response_code for a in delivery.attempt_log.all()] == [503, 503, 503]
    assert len(receiver.requests) == 3


def test_backoff_schedule():
    waits = [services.webhook_backoff_seconds(failed_attempts=n) for n in range(1, 10)]
    for wait, base in zip(waits, [5, 30, 120, 600, 3600, 10800, 21600, 21600, 21600]):
        assert base * 0.9 <= wait <= base * 1.1


def test_a_one_off_url_to_a_private_address_fails_at_delivery_time_with_the_reason(
    merchant, receiver, sent, django_capture_on_commit_callbacks
):
    # No loopback allowance here: 127.0.0.1 is refused like 10.0.0.5, and nothing reaches the server.
    deliveries = _emit(
        merchant,
        django_capture_on_commit_callbacks,
        extra_urls=["http://10.0.0.5/hook", receiver.url + "/hook", "ftp://example.com/x"],
    )
    assert len(deliveries) == 3 and all(d.endpoint is None for d in deliveries)
    for delivery in deliveries:
        webhook_deliver.apply(args=(delivery.pk,))
    reasons = {}
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.status == Status.FAILED and delivery.attempts == 1
        (attempt,) = delivery.attempt_log.all()
        assert attempt.response_code is None and attempt.error == delivery.last_error
        reasons[delivery.url] = delivery.last_error
    assert reasons["http://10.0.0.5/hook"] == "refused: 10.0.0.5 resolves to 10.0.0.5, which is not a public address"
    assert "127.0.0.1, which is not a public address" in reasons[receiver.url + "/hook"]
    assert "only http and https" in reasons["ftp://example.com/x"]
    assert receiver.requests == []
    assert len(sent) == 3  # the first messages only: refusals are not retried


def test_a_one_off_url_is_signed_with_the_merchants_default_secret(
    merchant, receiver, allow_loopback, sent, django_capture_on_commit_callbacks
):
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks, extra_urls=[receiver.url + "/render-7"])
    webhook_deliver.apply(args=(delivery.pk,))
    (request,) = receiver.requests
    webhook_verify(secret=webhook_secret_default_get(merchant=merchant), headers=request.headers, body=request.body)
    delivery.refresh_from_db()
    assert delivery.status == Status.SUCCEEDED


def test_redirects_are_not_followed(merchant, endpoint, receiver, sent, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.answers = [(307, b"", {"Location": "http://10.0.0.1/internal"})]
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    webhook_deliver.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.last_response_code == 307
    assert "HTTP 307 (to http://10.0.0.1/internal); redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_timeout_is_a_failed_attempt_that_is_retried(
    merchant, sent, allow_loopback, settings, django_capture_on_commit_callbacks
):
    import socket

    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        (delivery,) = _emit(
            merchant,
            django_capture_on_commit_callbacks,
            extra_urls=[f"http://127.0.0.1:{silent.getsockname()[1]}/hook"],
        )
        with django_capture_on_commit_callbacks(execute=True):
            webhook_deliver.apply(args=(delivery.pk,))
    finally:
        silent.close()
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING and delivery.last_response_code is None
    assert delivery.last_error == "no answer from 127.0.0.1 within 1 s"
    assert sent[-1][0] == delivery.pk and sent[-1][1] is not None


def test_the_claim_lets_only_one_worker_post_an_attempt(
    merchant, endpoint, monkeypatch, sent, django_capture_on_commit_callbacks
):
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    posts, second_worker = [], []

    def post_while_another_worker_arrives(**kwargs):
        posts.append(kwargs["url"])
        # The same delivery's message handled by a second worker while this POST is in flight.
        second_worker.append(webhook_delivery_attempt(delivery_id=delivery.pk))
        return PostResult(status=204, body_excerpt="", location=None)

    monkeypatch.setattr(services, "webhook_post", post_while_another_worker_arrives)
    attempt = webhook_delivery_attempt(delivery_id=delivery.pk)
    assert attempt.number == 1 and attempt.response_code == 204
    assert second_worker == [None] and len(posts) == 1
    assert WebhookAttempt.objects.count() == 1


def test_events_filter_inactive_endpoints_and_one_message_id(
    merchant, other_merchant, sent, django_capture_on_commit_callbacks
):
    renders = webhook_endpoint_create(
        merchant=merchant, url="https://93.184.215.14/renders", events=["render.succeeded", "render.failed"]
    )
    everything = webhook_endpoint_create(merchant=merchant, url="https://93.184.215.14/all")
    disabled = webhook_endpoint_create(merchant=merchant, url="https://93.184.215.14/off")
    disabled.is_active = False
    disabled.save()
    webhook_endpoint_create(merchant=other_merchant, url="https://93.184.215.14/globex")

    imported = _emit(merchant, django_capture_on_commit_callbacks, event="catalog_import.finished")
    assert [d.endpoint for d in imported] == [everything]
    rendered = _emit(
        merchant,
        django_capture_on_commit_callbacks,
        event="render.failed",
        extra_urls=["https://93.184.215.14/all", "https://93.184.215.14/job-9"],
    )
    assert [(d.endpoint, d.url) for d in rendered] == [
        (renders, renders.url),
        (everything, everything.url),
        (None, "https://93.184.215.14/job-9"),
    ]
    assert len({d.message_id for d in rendered}) == 1 and rendered[0].message_id != imported[0].message_id
    assert json.loads(rendered[0].body)["type"] == "render.failed"
    assert sorted(pk for pk, _, _ in sent) == sorted(d.pk for d in imported + rendered)
    with pytest.raises(ValueError, match="unknown webhook event 'render.started'"):
        webhook_event_emit(merchant=merchant, event="render.started", data={})


def test_nothing_is_sent_until_the_transaction_commits(merchant, endpoint, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_event_emit(merchant=merchant, event="render.succeeded", data={})
    assert sent == [] and len(callbacks) == 1


def test_resend_posts_the_same_message_id_and_body_again(
    merchant, endpoint, receiver, sent, django_capture_on_commit_callbacks
):
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    webhook_deliver.apply(args=(delivery.pk,))
    with django_capture_on_commit_callbacks(execute=True):
        resent = webhook_delivery_resend(merchant=merchant, delivery_id=delivery.pk)
    assert resent.status == Status.PENDING and sent[-1] == (delivery.pk, None, "default")
    # While it is pending, a second re-send is refused.
    with pytest.raises(services.DeliveryInProgress, match="still being attempted"):
        webhook_delivery_resend(merchant=merchant, delivery_id=delivery.pk)
    webhook_deliver.apply(args=(delivery.pk,))

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    assert first.body == second.body
    webhook_verify(secret=endpoint.secret, headers=second.headers, body=second.body)
    delivery.refresh_from_db()
    assert delivery.status == Status.SUCCEEDED and delivery.attempts == 2 and delivery.cycle_attempts == 1
    assert [a.number for a in delivery.attempt_log.all()] == [2, 1]


def test_resend_of_a_failed_delivery_gets_a_full_round_of_attempts(
    merchant, endpoint, receiver, sent, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.answers = [(500, b"", {}), (500, b"", {})]
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    webhook_deliver.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    webhook_delivery_resend(merchant=merchant, delivery_id=delivery.pk)
    webhook_deliver.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.attempts == 2
    assert delivery.last_error == "gave up after 1 attempts; the last: the endpoint answered HTTP 500"


def test_resend_is_scoped_to_the_merchant_and_refused_for_a_disabled_endpoint(
    merchant, other_merchant, endpoint, receiver, sent, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    webhook_deliver.apply(args=(delivery.pk,))
    with pytest.raises(WebhookDelivery.DoesNotExist):
        webhook_delivery_resend(merchant=other_merchant, delivery_id=delivery.pk)
    endpoint.is_active = False
    endpoint.save()
    with pytest.raises(ValidationError, match="is disabled"):
        webhook_delivery_resend(merchant=merchant, delivery_id=delivery.pk)


def test_a_pending_delivery_to_an_endpoint_disabled_meanwhile_is_not_sent(
    merchant, endpoint, receiver, sent, django_capture_on_commit_callbacks
):
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    endpoint.is_active = False
    endpoint.save()
    webhook_deliver.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and "the endpoint is disabled" in delivery.last_error
    assert receiver.requests == []


def test_the_sweep_resends_overdue_pending_deliveries_only(
    merchant, endpoint, sent, django_capture_on_commit_callbacks
):
    lost, fresh, done = (_emit(merchant, django_capture_on_commit_callbacks)[0] for _ in range(3))
    sent.clear()
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    WebhookDelivery.objects.filter(pk=done.pk).update(
        status=Status.SUCCEEDED, next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    assert webhook_deliveries_send_overdue() == 1
    assert sent == [(lost.pk, None, "default")]


def test_what_the_server_answers_is_stored_safely_and_capped(
    merchant, endpoint, receiver, sent, django_capture_on_commit_callbacks
):
    receiver.answers = [(400, b"bad\x00input " + b"x" * 5000, {})]
    (delivery,) = _emit(merchant, django_capture_on_commit_callbacks)
    webhook_deliver.apply(args=(delivery.pk,))
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.response_code == 400 and attempt.response_body.startswith("bad\ufffdinput xxx")
    assert len(attempt.response_body) == 1024


def test_a_merchant_has_at_most_twenty_endpoints(merchant):
    from django.core.exceptions import ValidationError

    for index in range(services.ENDPOINTS_MAX):
        webhook_endpoint_create(merchant=merchant, url=f"https://93.184.215.14/hook/{index}")
    with pytest.raises(ValidationError, match="can have 20 webhook endpoints"):
        webhook_endpoint_create(merchant=merchant, url="https://93.184.215.14/one-more")
