"""Log-in lock-outs and rate limits behind the reverse proxy: per (account, address), never per account.

Every request here reaches Django the way it does in production (docs/deployment.md):
from nginx's address (REMOTE_ADDR) with the client's address appended to
X-Forwarded-For, and TRUSTED_PROXY_COUNT = 1. An attacker at address A who fails
on someone's account must lock out only themselves (that account from A), never the
account's owner at B, and never everybody else at once.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.accounts.test_lockout import ADMIN_LOGIN, LIMIT, LOCKOUT_TEXT, SITE_LOGIN, _logged_in_as, _verified
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # nginx, as gunicorn sees it
ATTACKER = "198.51.100.7"  # address A
OWNER = "203.0.113.20"  # address B


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def member():
    return _verified(UserFactory(email="member@example.com"))


@pytest.fixture
def staff():
    return UserFactory(email="staff@example.com", is_staff=True)


def _via_proxy(client, url: str, data: dict, forwarded_for: str):
    return client.post(url, data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def _site(client, email: str, password: str, forwarded_for: str):
    return _via_proxy(client, SITE_LOGIN, {"login": email, "password": password}, forwarded_for)


def _admin(client, email: str, password: str, forwarded_for: str):
    return _via_proxy(client, ADMIN_LOGIN, {"username": email, "password": password}, forwarded_for)


def test_an_attacker_failing_on_a_members_account_locks_only_their_own_address(client, member):
    for _ in range(LIMIT + 2):
        _site(client, member.email, "wrong-password", ATTACKER)

    attacker = _site(client, member.email, PASSWORD, ATTACKER)
    assert attacker.status_code == 429 and LOCKOUT_TEXT in attacker.content.decode()
    assert not _logged_in_as(client, member)

    owner = _site(client, member.email, PASSWORD, OWNER)
    assert owner.status_code == 302
    assert _logged_in_as(client, member)


def test_an_attacker_failing_on_a_staff_account_does_not_lock_the_staff_out_of_the_admin(client, staff):
    for _ in range(LIMIT + 2):
        _admin(client, staff.email, "wrong-password", ATTACKER)

    assert _admin(client, staff.email, PASSWORD, ATTACKER).status_code == 429

    owner = _admin(client, staff.email, PASSWORD, OWNER)
    assert owner.status_code == 302
    assert _logged_in_as(client, staff)


def test_a_made_up_left_most_forwarded_for_entry_does_not_help_the_attacker(client, member):
    # The attacker sends their own X-Forwarded-For, a new one each try; nginx appends their
    # real address after it. The lock-out follows the real one.
    for n in range(LIMIT):
        _site(client, member.email, "wrong-password", f"192.0.2.{n + 1}, {ATTACKER}")

    retry = _site(client, member.email, PASSWORD, f"192.0.2.99, {ATTACKER}")
    assert retry.status_code == 429
    assert not _logged_in_as(client, member)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}

    assert _site(client, member.email, PASSWORD, OWNER).status_code == 302


def test_without_a_trusted_proxy_the_forwarded_for_header_is_ignored(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 0  # gunicorn faces the clients directly
    for n in range(LIMIT):
        client.post(
            SITE_LOGIN,
            {"login": member.email, "password": "wrong-password"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}",
        )

    retry = client.post(
        SITE_LOGIN, {"login": member.email, "password": PASSWORD}, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=OWNER
    )
    assert retry.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}

    owner = client.post(SITE_LOGIN, {"login": member.email, "password": PASSWORD}, REMOTE_ADDR=OWNER)
    assert owner.status_code == 302 and _logged_in_as(client, member)


def test_ten_failures_on_ten_accounts_from_one_address_block_that_address_only(client, member):
    # allauth's per-address limit (10 failed log-ins a minute) must count per client, not
    # per proxy: behind one proxy it used to stop every log-in of the studio for a minute.
    for n in range(10):
        _site(client, f"someone{n}@example.com", "wrong-password", ATTACKER)

    attacker = _site(client, member.email, PASSWORD, ATTACKER)
    assert attacker.status_code == 200 and LOCKOUT_TEXT in attacker.content.decode()
    assert not _logged_in_as(client, member)

    owner = _site(client, member.email, PASSWORD, OWNER)
    assert owner.status_code == 302
    assert _logged_in_as(client, member)


def test_the_rate_limit_page_offers_a_password_reset(client):
    # allauth's "login" limit (30 log-in posts a minute per address) answers with its 429 page.
    for n in range(30):
        _site(client, f"someone{n}@example.com", "wrong-password", ATTACKER)

    response = _site(client, "someone-else@example.com", "wrong-password", ATTACKER)

    assert response.status_code == 429
    assert f'href="{reverse("account_reset_password")}"' in response.content.decode()
