"""Brute-force protection: django-axes on both log-in forms, allauth's own rate limits on top.

AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]] locks the *pair*: after
AXES_FAILURE_LIMIT failures, that account from that address is refused, while the
same address may still log in to another account and the same account may still
log in from another address. allauth's limits count per address only (failed
log-ins: 10 a minute; log-in posts: 30 a minute), never per account across
addresses: that let anyone lock anyone out by typing a wrong password five times.
Behind the proxy: tests/accounts/test_lockout_behind_proxy.py.
"""

from __future__ import annotations

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

ADMIN_LOGIN = reverse("admin:login")
SITE_LOGIN = reverse("account_login")
LIMIT = settings.AXES_FAILURE_LIMIT
HOME_IP = "127.0.0.1"  # the test client's REMOTE_ADDR
OTHER_IP = "198.51.100.7"
LOCKOUT_TEXT = "Too many failed log-in attempts"


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True)


@pytest.fixture
def other_staff(db):
    return UserFactory(email="colleague@example.com", is_staff=True)


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def member(db):
    return _verified(UserFactory(email="member@example.com"))


@pytest.fixture
def other_member(db):
    return _verified(UserFactory(email="friend@example.com"))


def _admin_login(client, email: str, password: str, ip: str = HOME_IP):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _site_login(client, email: str, password: str, ip: str = HOME_IP):
    return client.post(SITE_LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip)


def _fail(login, client, email: str, times: int, ip: str = HOME_IP):
    response = None
    for _ in range(times):
        response = login(client, email, "wrong-password", ip)
    return response


def _logged_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


# --- admin log-in ----------------------------------------------------------------------------


def test_it_lets_the_admin_log_in_one_failure_short_of_the_limit(client, staff):
    _fail(_admin_login, client, staff.email, LIMIT - 1)

    response = _admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client, staff)


def test_it_shows_the_lockout_page_on_the_admin_failure_that_reaches_the_limit(client, staff):
    response = _fail(_admin_login, client, staff.email, LIMIT)

    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()


def test_it_refuses_the_right_admin_password_once_locked_out(client, staff):
    _fail(_admin_login, client, staff.email, LIMIT)

    response = _admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()
    assert not _logged_in_as(client, staff)


def test_it_counts_admin_failures_whatever_the_case_of_the_email(client, staff):
    for login in [
        "Staff@Example.com",
        "STAFF@EXAMPLE.COM",
        " staff@example.com",
        "staff@EXAMPLE.com",
        "sTaff@example.com",
    ]:
        _admin_login(client, login, "wrong-password")

    response = _admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 429
    assert not _logged_in_as(client, staff)


def test_it_lets_another_admin_log_in_from_the_locked_address(client, staff, other_staff):
    _fail(_admin_login, client, staff.email, LIMIT)

    response = _admin_login(client, other_staff.email, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client, other_staff)


def test_it_lets_the_locked_admin_log_in_from_another_address(client, staff):
    _fail(_admin_login, client, staff.email, LIMIT)

    response = _admin_login(client, staff.email, PASSWORD, ip=OTHER_IP)

    assert response.status_code == 302
    assert _logged_in_as(client, staff)


# --- allauth log-in ------------------------------------------------------------------------------


def test_it_lets_a_member_log_in_one_failure_short_of_the_limit(client, member):
    _fail(_site_login, client, member.email, LIMIT - 1)

    response = _site_login(client, member.email, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client, member)


def test_it_shows_the_lockout_page_on_the_site_failure_that_reaches_the_limit(client, member):
    response = _fail(_site_login, client, member.email, LIMIT)

    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()


def test_it_refuses_the_right_site_password_right_after_the_lockout(client, member):
    _fail(_site_login, client, member.email, LIMIT)

    response = _site_login(client, member.email, PASSWORD)

    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()
    assert not _logged_in_as(client, member)


def test_it_keeps_the_site_lockout_after_allauths_window_has_passed(client, member):
    _fail(_site_login, client, member.email, LIMIT)
    cache.clear()  # allauth's rate-limit counters expire after minutes; axes' lockout lasts the cool-off

    response = _site_login(client, member.email, PASSWORD)

    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()
    assert not _logged_in_as(client, member)


def test_it_lets_another_member_log_in_from_the_locked_address(client, member, other_member):
    _fail(_site_login, client, member.email, LIMIT)

    response = _site_login(client, other_member.email, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client, other_member)


def test_it_lets_the_locked_member_log_in_from_another_address_at_once(client, member):
    _fail(_site_login, client, member.email, LIMIT)

    response = _site_login(client, member.email, PASSWORD, ip=OTHER_IP)

    assert response.status_code == 302
    assert _logged_in_as(client, member)


# --- allauth's own rate limit ------------------------------------------------------------------


def test_it_keeps_allauths_login_rate_limits_on_per_address():
    assert getattr(settings, "ACCOUNT_RATE_LIMITS", None) is not False
    assert allauth_settings.RATE_LIMITS.get("login")
    assert allauth_settings.RATE_LIMITS.get("login_failed")
    assert all(rate.endswith("/ip") for rate in allauth_settings.RATE_LIMITS["login_failed"].split(","))


def test_failures_spread_over_addresses_do_not_lock_the_account_for_its_owner(client, member):
    # One failure from each of many addresses (a botnet, or a shared guess list) stays under
    # every (account, address) limit; the owner, at yet another address, gets in. What slows
    # such guessing instead: Argon2 per try, the password validators, per-address limits.
    for n in range(LIMIT + 1):
        _site_login(client, member.email, "wrong-password", ip=f"203.0.113.{n + 10}")

    response = _site_login(client, member.email, PASSWORD, ip=OTHER_IP)

    assert response.status_code == 302
    assert _logged_in_as(client, member)
