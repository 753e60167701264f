"""The hostile-input corpus (issue 17): every case of the tables in tests/security/hostile_*.py is sent by its
caller to a world of two merchants, and must answer its status with its message, and change nothing but what
it names (every row of every model and every stored file is compared before and after). A new writable API field
or dashboard form field that no case attacks fails the meta-tests at the bottom, naming it.

The world is built once per module and each case runs in its own savepoint, so 100+ cases cost seconds."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from tests.security.hostile_cases_api import API_CASES
from tests.security.hostile_cases_dashboard import DASHBOARD_CASES
from tests.security.hostile_cases_files import FILE_CASES
from tests.security.hostile_cases_hooks import HOOK_CASES
from tests.security.hostile_cases_live_push import LIVE_PUSH_CASES
from tests.security.hostile_world import (
    Case,
    case_send,
    changed_against,
    files_remove_added,
    response_raw,
    response_text,
    snapshot,
    world_build,
)

pytestmark = pytest.mark.django_db

CASES: list[Case] = [*API_CASES, *HOOK_CASES, *FILE_CASES, *DASHBOARD_CASES, *LIVE_PUSH_CASES]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from catalog import dispatch as catalog_dispatch
    from generation import dispatch as generation_dispatch
    from shop_video.live import dispatch as live_dispatch
    from shop_video.webhooks import dispatch as webhook_dispatch

    media, private = tmp_path_factory.mktemp("corpus-media"), tmp_path_factory.mktemp("corpus-private")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PRIVATE_MEDIA_ROOT=private, IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS=[]),
        pytest.MonkeyPatch.context() as patch,
    ):
        # No worker in unit tests: what the services would queue is dropped (no case may depend on it).
        for module, names in (
            (generation_dispatch, ("shots_send", "assembly_send")),
            (catalog_dispatch, ("import_send", "images_fetch_send", "image_fetch_send")),
            (webhook_dispatch, ("delivery_send",)),
            (live_dispatch, ("segment_cut_send",)),
        ):
            for name in names:
                patch.setattr(module, name, lambda **kwargs: None)
        with transaction.atomic():
            built = world_build()
            yield built
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_root(world):
    """The world's media folder for every case (overrides tests/conftest.py's fresh folder per test)."""
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_case(world, case: Case):
    with override_settings(**case.settings):
        if case.before:
            case.before(world)
        before = snapshot()
        response = case_send(case, world)
    text = response_text(response)
    where = f"{case.id}: {case.method} {case.url} -> {response.status_code} {text[:400]!r}"
    assert response.status_code == case.status, where
    assert case.message in text, where
    for header, part in case.response_headers.items():
        assert part in response.get(header, ""), f"{where}: {header}: {response.get(header)!r}"
    assert not case.absent or case.absent not in response_raw(response), f"{where}: {case.absent!r} in the response"
    if case.then:
        followed = FOLLOW_UPS[case.then](world, response)
        assert case.then_message in followed, f"{case.id}: then {case.then}: {followed[:400]!r}"
    unexpected = changed_against(case, before)
    files_remove_added(before)
    assert not unexpected, f"{case.id}: {unexpected}"


def _run_import(world, response) -> str:
    """The queued import run as the worker would, then read back as the merchant sees it."""
    from catalog.import_requests import catalog_import_request_run

    import_id = response.json()["id"]
    catalog_import_request_run(import_id=import_id)
    return world["clients"]["key"].get(f"/api/v1/catalog/imports/{import_id}").content.decode()


FOLLOW_UPS = {"run_import": _run_import}


def test_the_corpus_is_large_and_ids_are_unique():
    assert len(CASES) >= 100, len(CASES)
    assert len({case.id for case in CASES}) == len(CASES)


# --- a new input field without a case fails ----------------------------------------------------------------------


class _AnyId(dict):
    def __missing__(self, key):
        return "1"


def _route(url: str) -> str:
    """The URL pattern's name a case's or the schema's URL resolves to (placeholders filled with 1)."""
    from django.urls import resolve

    return resolve(url.split("?")[0].format_map(_AnyId())).url_name


def _api_fields() -> set[tuple[str, str]]:
    """(route name, field) for every writable field of every request body, and every query parameter, in the API
    schema (drf-spectacular)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    fields = set()
    for path, methods in schema["paths"].items():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            fields.update((_route(path), p["name"]) for p in operation.get("parameters", []) if p["in"] == "query")
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content["schema"]
                body = components[body["$ref"].split("/")[-1]] if "$ref" in body else body
                for name, spec in body.get("properties", {}).items():
                    if not spec.get("readOnly"):
                        fields.add((_route(path), name))
    return fields


def _dashboard_form_fields() -> set[tuple[str, str]]:
    """(form class, field) for every form the dashboard's views use (shop_video/dashboard/forms.py)."""
    import inspect

    from django import forms

    from shop_video.dashboard import forms as dashboard_forms

    return {
        (cls.__name__, name)
        for cls in vars(dashboard_forms).values()
        if inspect.isclass(cls) and issubclass(cls, forms.BaseForm) and cls.__module__ == dashboard_forms.__name__
        for name in cls.base_fields
    }


# Every dashboard page with a form, as the owner sees it (placeholders name the world's values).
DASHBOARD_PAGES = [
    "/app/",
    "/app/products/{product_id}/",
    "/app/imports/",
    "/app/templates/",
    "/app/templates/acme-only/edit/",
    "/app/renders/",
    "/app/renders/new/",
    "/app/renders/{job_id}/",
    "/app/brand/",
    "/app/api-keys/",
    "/app/webhooks/",
    "/app/webhooks/{endpoint_id}/",
    "/app/live/",
    "/app/live/{room_id}/",
    "/app/presenters/new/",
]


def _page_form_fields(world) -> set[str]:
    """The names of the inputs of every POST form on the dashboard's pages, however the form was written."""
    import re

    names = set()
    for url in DASHBOARD_PAGES:
        page = world["clients"]["owner"].get(url.format(**world["values"])).content.decode()
        for body in re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, flags=re.S | re.I):
            names.update(re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', body))
    return names - {"csrfmiddlewaretoken", "next"}


def _covered_api() -> set[tuple[str, str]]:
    return {(_route(case.url), case.field) for case in CASES if case.field and case.url.startswith("/api/")}


def _covered_forms() -> set[tuple[str, str]]:
    return {(case.form, case.field) for case in CASES if case.form}


def test_every_writable_api_field_has_a_case():
    missing = sorted(_api_fields() - _covered_api())
    assert not missing, f"API fields no hostile case attacks (add one to tests/security/hostile_cases_*.py): {missing}"


def test_every_dashboard_form_field_has_a_case(world):
    missing = sorted(_dashboard_form_fields() - _covered_forms())
    missing += sorted(_page_form_fields(world) - {field for _, field in _covered_forms()})
    assert not missing, f"Dashboard fields no hostile case attacks (add one to hostile_cases_dashboard.py): {missing}"


def test_every_case_names_a_real_field(world):
    """A misspelt `field` would count as coverage of nothing."""
    known = _api_fields() | _dashboard_form_fields()
    page_fields = _page_form_fields(world)
    unknown = sorted(
        (case.id, case.field)
        for case in CASES
        if case.field and case.url.startswith("/api/") and (_route(case.url), case.field) not in known
    )
    unknown += sorted(
        (case.id, case.field)
        for case in CASES
        if case.form and (case.form, case.field) not in known and case.field not in page_fields
    )
    assert not unknown, unknown
