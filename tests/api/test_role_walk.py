"""Roles across the whole API: every route and method of the schema, called by each role of acme (signed in with
a browser session) and by an API key, is refused (403) exactly when the role table says so, and answers
something else (200, 400, 404, ...) when it allows it.

The expectations are written here, not read from the code: viewers read; owners, admins and editors edit;
owners and admins manage webhooks (signing secrets). An API key may do everything for its merchant. A route
whose view declares no role is refused to everyone, so it fails this walk until it declares one."""

import pytest
from django.urls import resolve
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from generation.models import VideoTemplate
from shop_video.api.permissions import ROLE_PERMISSIONS
from shop_video.tenancy.services import membership_add
from shop_video.webhooks.models import WebhookEndpoint
from tests.api.walk import schema_operations

pytestmark = pytest.mark.django_db

ROLES = {
    "owner": {"read", "edit", "manage"},
    "admin": {"read", "edit", "manage"},
    "editor": {"read", "edit"},
    "viewer": {"read"},
}
# Everything under them shows or makes a secret (a signing secret, a live destination's stream key).
MANAGE_PREFIXES = ("/api/v1/webhooks", "/api/v1/live/rooms/{room_id}/destinations")
BODIES = {"patch": {}, "post": {}, "put": {}}
PASSWORD = "pw-123456789"


def _needed(path: str, method: str) -> str:
    if path.startswith(MANAGE_PREFIXES):
        return "manage"
    return "read" if method in ("get", "head", "options") else "edit"


def _session_client(merchant, role: str) -> APIClient:
    membership_add(merchant=merchant, email=f"{role}@acme.example", role=role, password=PASSWORD)
    client = APIClient()
    assert client.login(username=f"{role}@acme.example", password=PASSWORD)
    return client


@pytest.fixture
def callers(merchant, api):
    """acme's four roles by session, and acme's API key."""
    return {
        **{f"{role} (session)": (_session_client(merchant, role), ROLES[role]) for role in ROLES},
        "API key": (api, {"read", "edit", "manage"}),
    }


@pytest.fixture
def quiet_side_effects(monkeypatch, settings):
    """Allowed calls may resend a delivery or queue an import: record instead of sending."""
    from shop_video.webhooks import dispatch

    monkeypatch.setattr(dispatch, "delivery_send", lambda **kwargs: None)
    settings.IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]


def test_every_view_declares_its_role():
    undeclared = []
    for path, method, names in schema_operations():
        view = resolve(path.format(**{name: "1" for name in names})).func.view_class
        if not set(view.permission_classes) & set(ROLE_PERMISSIONS):
            undeclared.append(f"{method.upper()} {path} ({view.__name__})")
    assert not undeclared, f"declare permission_classes = [CanEdit] or [CanManage] on: {undeclared}"


def test_every_route_and_method_answers_each_role_by_the_role_table(acme, callers, quiet_side_effects):
    walked = 0
    # Refusals first: the allowed calls below may delete what the later paths name (a 404 is not a 403).
    for path, method, names in sorted(schema_operations(), key=lambda op: op[1] == "delete"):
        url = path.format(**{name: acme["values"][name] for name in names})
        needed = _needed(path, method)
        for caller, (client, abilities) in callers.items():
            response = getattr(client, method)(url, BODIES.get(method), format="json")
            walked += 1
            where = (caller, method.upper(), path, response.status_code, response.content[:300])
            if needed in abilities:
                assert response.status_code != 403, where
            else:
                assert response.status_code == 403, where
                error = response.json()["error"]
                assert error["type"] == "permission_denied", where
                role = caller.split()[0]  # says the role, and which one to ask for
                assert f"your role is {role}" in error["message"] or f"is {role}:" in error["message"], where
                assert "Ask an owner for the" in error["message"], where
    assert walked >= 5 * 30, walked


def _viewer(merchant) -> APIClient:
    return _session_client(merchant, "viewer")


def test_viewer_cannot_read_a_webhook_signing_secret(acme, merchant):
    response = _viewer(merchant).get(f"/api/v1/webhooks/{acme['endpoint'].pk}/secret")
    assert response.status_code == 403
    assert "whsec_" not in response.content.decode()
    message = response.json()["error"]["message"]
    assert "Only owners and admins" in message and "your role is viewer" in message and "admin role" in message


def test_viewer_cannot_edit_a_product(acme, merchant):
    response = _viewer(merchant).patch("/api/v1/products/MUG-1", {"title": "Changed by a viewer"}, format="json")
    assert response.status_code == 403
    assert "viewer" in response.json()["error"]["message"] and "editor role" in response.json()["error"]["message"]
    acme["product"].refresh_from_db()
    assert acme["product"].title != "Changed by a viewer"


def test_viewer_cannot_create_a_template(acme, merchant):
    spec = {"scenes": [{"type": "product_shots", "duration": 2}]}
    response = _viewer(merchant).post(
        "/api/v1/templates", {"slug": "viewer-made", "name": "Viewer", "spec": spec}, format="json"
    )
    assert response.status_code == 403
    assert not VideoTemplate.objects.filter(slug="viewer-made").exists()
    # The same body is fine for an editor: the 403 is the role, not the request.
    editor = _session_client(merchant, "editor")
    assert (
        editor.post(
            "/api/v1/templates", {"slug": "editor-made", "name": "Editor", "spec": spec}, format="json"
        ).status_code
        == 201
    )


def test_viewer_cannot_register_a_webhook_or_receive_its_secret(acme, merchant, quiet_side_effects):
    before = WebhookEndpoint.objects.count()
    response = _viewer(merchant).post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hooks"}, format="json")
    assert response.status_code == 403 and "whsec_" not in response.content.decode()
    assert WebhookEndpoint.objects.count() == before
    editor = _session_client(merchant, "editor")  # editors change the catalog, not secrets
    assert editor.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hooks"}, format="json").status_code == 403
    admin = _session_client(merchant, "admin")
    created = admin.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/hooks"}, format="json")
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")


def test_a_view_without_a_declared_role_is_refused_even_to_a_key(api):
    class Undeclared(APIView):
        def get(self, request):
            return None  # never reached

    request = APIRequestFactory().get("/api/v1/new", HTTP_AUTHORIZATION=f"Api-Key {api.key}")
    response = Undeclared.as_view()(request)
    assert response.status_code == 403
    assert "declares no role" in response.data["error"]["message"]
