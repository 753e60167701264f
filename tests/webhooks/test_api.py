"""The webhooks REST API: scoped to the caller's merchant (another merchant's ids are 404), the secret shown on
create and on demand only, destinations refused with a 400 that says why, deliveries with attempts, re-send."""

import base64

import pytest

from shop_video.webhooks.models import WebhookDelivery, WebhookEndpoint
from shop_video.webhooks.services import webhook_event_emit
from shop_video.webhooks.signing import webhook_verify
from shop_video.webhooks.tasks import webhook_deliver

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.215.14/hooks/shop-video"  # a global address literal: no DNS needed


def _create(api, **body):
    return api.post("/api/v1/webhooks", {"url": PUBLIC, **body}, format="json")


def test_create_shows_the_secret_list_and_detail_do_not(api, merchant):
    response = _create(api, events=["render.failed", "render.succeeded"], description="storefront")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["url"] == PUBLIC and created["is_active"] is True and created["description"] == "storefront"
    assert created["events"] == ["render.succeeded", "render.failed"]
    assert created["secret"].startswith("whsec_") and len(base64.b64decode(created["secret"][6:])) == 32
    assert WebhookEndpoint.objects.get(pk=created["id"]).merchant == merchant

    listed = api.get("/api/v1/webhooks").json()
    assert [item["id"] for item in listed] == [created["id"]] and "secret" not in listed[0]
    detail = api.get(f"/api/v1/webhooks/{created['id']}").json()
    assert "secret" not in detail and detail["url"] == PUBLIC
    assert api.get(f"/api/v1/webhooks/{created['id']}/secret").json() == {"secret": created["secret"]}


def test_private_and_loopback_destinations_are_refused_with_the_reason(api, receiver):
    for url, reason in [
        ("http://10.0.0.5/hook", "10.0.0.5 resolves to 10.0.0.5, which is not a public address"),
        ("http://169.254.169.254/latest", "not a public address"),
        (receiver.url.replace("127.0.0.1", "localhost") + "/hook", "localhost resolves to"),
        (receiver.url + "/hook", "127.0.0.1 resolves to 127.0.0.1"),
        ("ftp://example.com/hook", "only http and https"),
        ("https://user:pw@93.184.215.14/", "must not contain a user name or password"),
        ("", "Give the URL"),
    ]:
        response = _create(api, url=url)
        assert response.status_code == 400, url
        error = response.json()["error"]
        assert error["type"] == "validation_error" and reason in error["fields"]["url"][0], (url, error)
        assert reason in error["message"]
    assert not WebhookEndpoint.objects.exists() and receiver.requests == []


def test_loopback_is_accepted_with_the_test_allowance(api, receiver, allow_loopback):
    assert _create(api, url=receiver.url + "/hook").status_code == 201


def test_unknown_events_are_refused(api):
    response = _create(api, events=["render.succeeded", "order.paid"])
    assert response.status_code == 400
    assert "Unknown event type 'order.paid'" in response.json()["error"]["fields"]["events"][0]


def test_patch_rechecks_the_url_and_changes_events_and_state(api):
    endpoint_id = _create(api).json()["id"]
    response = api.patch(f"/api/v1/webhooks/{endpoint_id}", {"url": "http://192.168.1.10/hook"}, format="json")
    assert response.status_code == 400 and "not a public address" in response.json()["error"]["message"]
    response = api.patch(
        f"/api/v1/webhooks/{endpoint_id}",
        {"events": ["catalog_import.finished"], "is_active": False, "description": "paused"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["events"], body["is_active"], body["description"], body["url"]) == (
        ["catalog_import.finished"],
        False,
        "paused",
        PUBLIC,
    )
    assert api.patch(f"/api/v1/webhooks/{endpoint_id}", {"events": []}, format="json").json()["events"] == []


def test_delete(api):
    endpoint_id = _create(api).json()["id"]
    assert api.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert api.get(f"/api/v1/webhooks/{endpoint_id}").status_code == 404
    assert api.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 404
    assert not WebhookEndpoint.objects.exists()


def test_another_merchants_ids_are_404_everywhere(api, other_api, merchant, sent):
    endpoint_id = _create(api).json()["id"]
    (delivery,) = webhook_event_emit(merchant=merchant, event="render.succeeded", data={})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.FAILED)
    calls = [
        ("get", f"/api/v1/webhooks/{endpoint_id}"),
        ("patch", f"/api/v1/webhooks/{endpoint_id}"),
        ("delete", f"/api/v1/webhooks/{endpoint_id}"),
        ("get", f"/api/v1/webhooks/{endpoint_id}/secret"),
        ("get", f"/api/v1/webhooks/{endpoint_id}/deliveries"),
        ("post", f"/api/v1/webhooks/deliveries/{delivery.pk}/resend"),
    ]
    for method, url in calls:
        response = (
            getattr(other_api, method)(url, {"description": "mine now"}, format="json")
            if method == "patch"
            else getattr(other_api, method)(url)
        )
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["type"] == "not_found"
    assert other_api.get("/api/v1/webhooks").json() == []
    assert other_api.get("/api/v1/webhooks/deliveries").json()["results"] == []
    assert other_api.get("/api/v1/webhooks/default/secret").json() != api.get("/api/v1/webhooks/default/secret").json()
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert endpoint.description == "" and WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED
    assert api.get(f"/api/v1/webhooks/{endpoint_id}").status_code == 200


def test_deliveries_newest_first_with_attempts_and_resend(
    api, merchant, receiver, allow_loopback, sent, django_capture_on_commit_callbacks
):
    created = api.post("/api/v1/webhooks", {"url": receiver.url + "/hook"}, format="json").json()
    receiver.answers = [(500, b"try later", {})]
    (first,) = webhook_event_emit(merchant=merchant, event="catalog_import.finished", data={"import": 1})
    (second,) = webhook_event_emit(merchant=merchant, event="render.succeeded", data={"job": 2})
    webhook_deliver.apply(args=(first.pk,))
    webhook_deliver.apply(args=(second.pk,))

    page = api.get(f"/api/v1/webhooks/{created['id']}/deliveries").json()
    assert [item["id"] for item in page["results"]] == [second.pk, first.pk]
    newest, oldest = page["results"]
    assert newest["status"] == "succeeded" and newest["payload"]["data"] == {"job": 2}
    assert newest["attempts"][0]["response_code"] == 200 and newest["attempt_count"] == 1
    assert oldest["status"] == "pending" and oldest["last_response_code"] == 500
    assert oldest["attempts"] == [
        {
            **oldest["attempts"][0],
            "number": 1,
            "response_code": 500,
            "error": "the endpoint answered HTTP 500",
            "response_body": "try later",
        }
    ]
    assert api.get(f"/api/v1/webhooks/{created['id']}/deliveries?status=failed").json()["results"] == []
    assert api.get("/api/v1/webhooks/deliveries?status=nope").status_code == 400

    # Pending (still being retried): a re-send is a 409. Succeeded: re-sent with the same id and body.
    response = api.post(f"/api/v1/webhooks/deliveries/{first.pk}/resend")
    assert response.status_code == 409 and "still being attempted" in response.json()["error"]["message"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhooks/deliveries/{second.pk}/resend")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert sent[-1] == (second.pk, None, "default")
    webhook_deliver.apply(args=(second.pk,))
    resent = [r for r in receiver.requests if r.headers["webhook-id"] == second.message_id]
    assert len(resent) == 2 and resent[0].body == resent[1].body
    webhook_verify(secret=created["secret"], headers=resent[1].headers, body=resent[1].body)
    detail = api.get("/api/v1/webhooks/deliveries").json()["results"]
    assert [a["number"] for a in detail[0]["attempts"]] == [2, 1]
