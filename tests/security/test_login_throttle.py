"""Sign-in throttling (issue 17.5): by account and by address, on the dashboard's and the admin's sign-in pages,
with the defaults a fresh install gets (LOGIN_FAILURE_LIMIT 10, LOGIN_LOCKOUT_MINUTES 15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.merchant_make's owners
ACME_OWNER, GLOBEX_OWNER = "owner@acme.test", "owner@globex.test"
LOCKED_MESSAGE = "Too many failed sign-ins for this account or from this address. Try again in 15 minutes"


@pytest.fixture(autouse=True)
def _members(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 40 sign-ins, not 40 PBKDF2s
    factories.merchant_make(slug="acme")
    factories.merchant_make(slug="globex")


def _sign_in(client: Client, username: str, password: str, *, address: str, path: str = "/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def _lock_out(username: str, *, address: str, attempts: int = 25) -> list[int]:
    client = Client()
    return [_sign_in(client, username, f"wrong-{n}", address=address).status_code for n in range(attempts)]


def test_25_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused_with_a_clear_message():
    statuses = _lock_out(ACME_OWNER, address="203.0.113.1")
    assert statuses == [200] * 9 + [429] * 16  # the form's own error nine times, then locked from the tenth

    for address in ("203.0.113.1", "198.51.100.7"):  # the account is locked wherever the right password comes from
        client = Client()
        response = _sign_in(client, ACME_OWNER.upper(), PASSWORD, address=address)  # however it is capitalised
        assert response.status_code == 429 and not _signed_in(client)
        assert LOCKED_MESSAGE in response.content.decode()
        assert 'name="password"' in response.content.decode()  # still the sign-in page, not a bare error

    other = Client()  # another account from another address is not affected
    response = _sign_in(other, GLOBEX_OWNER, PASSWORD, address="198.51.100.7")
    assert response.status_code == 302 and _signed_in(other)


def test_an_address_trying_many_accounts_is_locked_out_and_other_addresses_are_not():
    client = Client()
    for n in range(10):  # one wrong password for each of ten accounts: no account reaches the limit
        _sign_in(client, f"guess-{n}@example.com", "wrong", address="203.0.113.9")
    refused = Client()
    response = _sign_in(refused, ACME_OWNER, PASSWORD, address="203.0.113.9")
    assert response.status_code == 429 and not _signed_in(refused)

    elsewhere = Client()
    assert _sign_in(elsewhere, ACME_OWNER, PASSWORD, address="198.51.100.8").status_code == 302
    assert _signed_in(elsewhere)


def test_the_lockout_ends_after_the_cool_off():
    _lock_out(ACME_OWNER, address="203.0.113.2", attempts=12)
    assert _sign_in(Client(), ACME_OWNER, PASSWORD, address="203.0.113.2").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    client = Client()
    assert _sign_in(client, ACME_OWNER, PASSWORD, address="203.0.113.2").status_code == 302 and _signed_in(client)


def test_an_administrator_can_lift_a_lockout_early():
    _lock_out(ACME_OWNER, address="203.0.113.3", attempts=12)
    call_command("axes_reset_username", ACME_OWNER)
    client = Client()
    assert _sign_in(client, ACME_OWNER, PASSWORD, address="203.0.113.3").status_code == 302 and _signed_in(client)


def test_a_success_clears_the_count():
    client = Client()
    for _ in range(2):
        for n in range(9):
            assert _sign_in(client, ACME_OWNER, f"wrong-{n}", address="203.0.113.4").status_code == 200
        assert _sign_in(client, ACME_OWNER, PASSWORD, address="203.0.113.4").status_code == 302
        client.logout()


def test_the_admin_sign_in_is_throttled_too():
    statuses = [
        _sign_in(Client(), ACME_OWNER, "wrong", address="203.0.113.5", path="/admin/login/").status_code
        for _ in range(12)
    ]
    assert statuses[:9] == [200] * 9 and set(statuses[9:]) == {429}
    response = _sign_in(Client(), ACME_OWNER, PASSWORD, address="203.0.113.5", path="/admin/login/")
    assert response.status_code == 429 and LOCKED_MESSAGE in response.content.decode()


def test_behind_a_trusted_proxy_the_forwarded_address_counts_and_a_client_cannot_forge_it(settings):
    settings.LOGIN_TRUSTED_PROXIES = 1
    client = Client()
    for n in range(10):  # each attempt claims a new address; the proxy appends the real one last
        client.post(
            "/accounts/login/",
            {"username": f"guess-{n}@example.com", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.10",
        )
    locked = client.post(
        "/accounts/login/",
        {"username": ACME_OWNER, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )
    assert locked.status_code == 429
    other = Client()
    response = other.post(
        "/accounts/login/",
        {"username": ACME_OWNER, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",  # the same proxy, another client: not locked
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert response.status_code == 302 and _signed_in(other)


def test_the_test_client_login_still_works():
    assert Client().login(username=ACME_OWNER, password=PASSWORD)
