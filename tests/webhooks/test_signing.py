"""Signatures, checked against the Standard Webhooks spec with a second implementation written here by hand
(hmac + hashlib + base64), and webhook_verify checked against a real delivery's headers and body."""

import base64
import hashlib
import hmac
import json
import time

import pytest

from shop_video.webhooks.services import webhook_endpoint_create, webhook_event_emit
from shop_video.webhooks.signing import WebhookVerificationError, webhook_secret_generate, webhook_sign, webhook_verify
from shop_video.webhooks.tasks import webhook_deliver


def reference_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """From the spec: key = base64-decode(secret minus "whsec_"); content = "{id}.{timestamp}.{body}";
    signature = "v1," + base64(HMAC-SHA256(key, content))."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    content = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def test_the_published_example_signs_as_the_spec_says():
    # The example from the Standard Webhooks / Svix documentation.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    args = dict(msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=b'{"test": 2432232314}')
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert reference_signature(secret, **args) == expected
    assert webhook_sign(secret=secret, **args) == expected


def test_secrets_are_whsec_and_base64_of_32_random_bytes():
    secrets = {webhook_secret_generate() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:], validate=True)) == 32


@pytest.fixture
def delivered(merchant, receiver, allow_loopback, sent, django_capture_on_commit_callbacks):
    """One real delivery of a render.succeeded event to the local receiver: (endpoint, received request)."""
    endpoint = webhook_endpoint_create(merchant=merchant, url=receiver.url + "/hooks/video")
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhook_event_emit(
            merchant=merchant, event="render.succeeded", data={"id": 7, "sku": "MUG-1", "title": "Mug ☕"}
        )
    webhook_deliver.apply(args=(delivery.pk,))
    (request,) = receiver.requests
    return endpoint, request


@pytest.mark.django_db
def test_a_real_delivery_verifies_by_hand_and_with_webhook_verify(delivered):
    endpoint, request = delivered
    headers = {name.lower(): value for name, value in request.headers.items()}
    expected = reference_signature(
        endpoint.secret, headers["webhook-id"], int(headers["webhook-timestamp"]), request.body
    )
    assert headers["webhook-signature"] == expected
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    payload = webhook_verify(secret=endpoint.secret, headers=request.headers, body=request.body)
    assert payload["type"] == "render.succeeded" and payload["data"]["title"] == "Mug ☕"
    assert payload == json.loads(request.body)


@pytest.mark.django_db
def test_tampered_body_stale_or_future_timestamp_wrong_secret_and_missing_headers_fail(delivered):
    endpoint, request = delivered
    timestamp = int(request.headers["webhook-timestamp"])
    with pytest.raises(WebhookVerificationError, match="no signature .* matches"):
        webhook_verify(
            secret=endpoint.secret, headers=request.headers, body=request.body.replace(b'"MUG-1"', b'"MUG-2"')
        )
    with pytest.raises(WebhookVerificationError, match="301 s old, beyond the tolerance of 300 s"):
        webhook_verify(secret=endpoint.secret, headers=request.headers, body=request.body, now=timestamp + 301)
    with pytest.raises(WebhookVerificationError, match="in the future"):
        webhook_verify(secret=endpoint.secret, headers=request.headers, body=request.body, now=timestamp - 400)
    # Within tolerance it still verifies (the boundary is inclusive).
    webhook_verify(secret=endpoint.secret, headers=request.headers, body=request.body, now=timestamp + 300)
    with pytest.raises(WebhookVerificationError, match="no signature"):
        webhook_verify(secret=webhook_secret_generate(), headers=request.headers, body=request.body)
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        headers = {name: value for name, value in request.headers.items() if name.lower() != missing}
        with pytest.raises(WebhookVerificationError, match=f"the {missing} header is missing"):
            webhook_verify(secret=endpoint.secret, headers=headers, body=request.body)


def test_several_signatures_are_accepted_when_one_matches_and_other_versions_are_ignored():
    secret, other = webhook_secret_generate(), webhook_secret_generate()
    body, now = b'{"type":"render.failed"}', int(time.time())
    good = reference_signature(secret, "msg_1", now, body)
    stale = reference_signature(other, "msg_1", now, body)
    signature = good.partition(",")[2]
    for header in (f"{stale} {good}", f"{good} {stale}", f"v1a,{signature} {good}"):
        headers = {"Webhook-Id": "msg_1", "Webhook-Timestamp": str(now), "Webhook-Signature": header}
        assert webhook_verify(secret=secret, headers=headers, body=body) == {"type": "render.failed"}
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": f"v1a,{signature} {stale}"}
    with pytest.raises(WebhookVerificationError, match="no signature"):
        webhook_verify(secret=secret, headers=headers, body=body)
    # The signature covers the id and the timestamp too.
    for changed in ({"webhook-id": "msg_2"}, {"webhook-timestamp": str(now + 1)}):
        headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": good, **changed}
        with pytest.raises(WebhookVerificationError, match="no signature"):
            webhook_verify(secret=secret, headers=headers, body=body)


def test_django_request_meta_spelling_is_understood():
    secret, body, now = webhook_secret_generate(), b"{}", int(time.time())
    meta = {
        "HTTP_WEBHOOK_ID": "msg_9",
        "HTTP_WEBHOOK_TIMESTAMP": str(now),
        "HTTP_WEBHOOK_SIGNATURE": reference_signature(secret, "msg_9", now, body),
    }
    assert webhook_verify(secret=secret, headers=meta, body=body) == {}
