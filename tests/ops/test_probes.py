"""/healthz, /readyz and /metrics: who may call them, what they answer, and that nothing in front of them (the
HTTPS redirect, the host check, sign-in, CSP, request metrics) gets in the way of a kubelet or Prometheus."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shop_video.ops import probes
from shop_video.ops.probes import ANYONE, ROUTE_CALLERS, SCRAPER

pytestmark = pytest.mark.django_db


@pytest.fixture
def kubelet(settings):
    """A probe as a kubelet sends it: the pod's address as Host, plain HTTP, production security settings."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["videos.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    return Client(HTTP_HOST="10.1.2.3:8000", REMOTE_ADDR="10.1.2.4")


def test_every_probe_route_declares_its_callers():
    assert ROUTE_CALLERS == {"healthz": ANYONE, "readyz": ANYONE, "metrics": SCRAPER}
    for name in ROUTE_CALLERS:
        assert reverse(name) == f"/{name}"
        assert f"/{name}" in probes.PROBES


def test_healthz_answers_without_asking_any_dependency(kubelet, monkeypatch):
    def broken():
        raise AssertionError("liveness must not ask a dependency")

    monkeypatch.setattr(probes, "READINESS_CHECKS", {"database": broken})
    response = kubelet.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response  # no session, no CSRF cookie


def test_readyz_is_ok_when_database_broker_storage_and_migrations_are(kubelet):
    response = kubelet.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "broker": "ok", "storage": "ok"}


@pytest.mark.parametrize("failing", ["database", "migrations", "broker", "storage"])
def test_readyz_is_503_naming_the_check_that_failed_without_its_details(kubelet, monkeypatch, failing):
    def refuse():
        raise ConnectionRefusedError("secret-host.internal:5432 refused the connection")

    monkeypatch.setitem(probes.READINESS_CHECKS, failing, refuse)
    response = kubelet.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == [failing] and body["checks"][failing] == "failed: ConnectionRefusedError"
    assert all(state == "ok" for name, state in body["checks"].items() if name != failing)
    assert b"secret-host" not in response.content


def test_readyz_fails_on_an_unreachable_broker_for_real(kubelet, monkeypatch):
    from kombu import Connection

    from shop_video.celery import app

    # A real connection attempt, to a port where nothing listens
    monkeypatch.setattr(app, "connection_for_read", lambda: Connection("redis://127.0.0.1:1/0"))
    response = kubelet.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["broker"]


def test_readyz_fails_while_a_migration_is_not_applied(kubelet, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(probes, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [(("catalog", "9999_next"), False)])
    response = kubelet.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["migrations"]


def test_metrics_from_a_private_address_without_a_proxy(kubelet):
    response = kubelet.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"shop_video_queue_depth{" in response.content and b"django_http_requests_latency" in response.content


@pytest.mark.parametrize(
    ("address", "headers"),
    [
        ("203.0.113.9", {}),  # the internet
        ("10.1.2.4", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}),  # the internet through the ingress
        ("10.1.2.4", {"HTTP_FORWARDED": "for=203.0.113.9"}),
        ("203.0.113.9", {"HTTP_AUTHORIZATION": "Bearer wrong-token"}),
    ],
)
def test_metrics_are_refused_to_everyone_else(settings, address, headers):
    settings.METRICS_BEARER_TOKEN = "s3cret-metrics-token"
    response = Client(REMOTE_ADDR=address).get("/metrics", **headers)
    assert response.status_code == 403
    assert b"shop_video" not in response.content and b"METRICS_ALLOWED_CIDRS" in response.content


def test_metrics_with_the_bearer_token_from_anywhere(settings):
    settings.METRICS_BEARER_TOKEN = "s3cret-metrics-token"
    response = Client(REMOTE_ADDR="203.0.113.9").get(
        "/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response.status_code == 200 and b"shop_video_shots{" in response.content


def test_a_signed_in_owner_gets_no_metrics_from_the_internet(client, merchant):
    from shop_video.tenancy.services import membership_add

    membership_add(merchant=merchant, email="owner@acme.example", role="owner", password="pw-123456789")
    assert client.login(username="owner@acme.example", password="pw-123456789")
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


def test_metrics_are_not_public_by_default():
    from ipaddress import ip_address

    from django.conf import settings

    networks = probes._networks(tuple(settings.METRICS_ALLOWED_CIDRS))
    assert not any(ip_address("8.8.8.8") in network for network in networks)
    assert settings.METRICS_BEARER_TOKEN == ""


def test_requests_are_counted_by_view_method_and_status(client, merchant):
    from shop_video.ops.metrics import web_exposition

    client.get("/accounts/login/")
    body = web_exposition()[0].decode()
    assert 'django_http_responses_total_by_status_view_method_total{method="GET",status="200",view="login"}' in body
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="login"}' in body
    assert 'django_db_execute_total{alias="default"' in body
