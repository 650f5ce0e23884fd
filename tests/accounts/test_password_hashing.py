"""One password hash per log-in attempt, on both log-in forms, and Argon2 for everyone.

The hash is the expensive part of a log-in (by design); two backends that both hash
on failure doubled the cost of every wrong password and of every unknown address.
The tests count hash runs with MD5 (fast, like the rest of the suite) wrapped in a
counter; the upgrade test uses the production hashers.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.conf import global_settings
from django.contrib.auth.hashers import Argon2PasswordHasher, MD5PasswordHasher, PBKDF2PasswordHasher
from django.urls import reverse

import config.settings as production_settings
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SITE_LOGIN = reverse("account_login")
ADMIN_LOGIN = reverse("admin:login")
# What production hashes with (tests/conftest.py switches the suite to MD5): the settings
# module's list, or Django's default when it names none.
PRODUCTION_HASHERS = getattr(production_settings, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)


class CountingHasher(MD5PasswordHasher):
    """MD5 that counts how often it hashes: every run goes through encode (verify re-encodes)."""

    runs = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).runs += 1
        return super().encode(password, salt)


@pytest.fixture
def hash_runs(settings):
    settings.PASSWORD_HASHERS = [f"{CountingHasher.__module__}.CountingHasher"]

    def runs_of(action) -> int:
        CountingHasher.runs = 0
        action()
        return CountingHasher.runs

    return runs_of


@pytest.fixture
def member(hash_runs):
    user = UserFactory(email="member@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def staff(hash_runs):
    return UserFactory(email="staff@example.com", is_staff=True)


def _site(client, email: str, password: str):
    return client.post(SITE_LOGIN, {"login": email, "password": password})


def _admin(client, email: str, password: str):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password})


@pytest.mark.parametrize(
    ("log_in", "email"),
    [
        (_site, "member@example.com"),
        (_site, "nobody@example.com"),  # unknown: one dummy hash, so it takes as long as a known one
        (_admin, "staff@example.com"),
        (_admin, "nobody@example.com"),
    ],
    ids=["site-known", "site-unknown", "admin-known", "admin-unknown"],
)
def test_a_failed_log_in_hashes_the_password_once(client, member, staff, hash_runs, log_in, email):
    responses = []

    runs = hash_runs(lambda: responses.append(log_in(client, email, "wrong-password")))

    assert runs == 1
    assert responses[0].status_code == 200 and "_auth_user_id" not in client.session


@pytest.mark.parametrize(("log_in", "email"), [(_site, "member@example.com"), (_admin, "staff@example.com")])
def test_a_successful_log_in_hashes_the_password_once(client, member, staff, hash_runs, log_in, email):
    responses = []

    runs = hash_runs(lambda: responses.append(log_in(client, email, PASSWORD)))

    assert runs == 1
    assert responses[0].status_code == 302 and "_auth_user_id" in client.session


def test_a_deactivated_account_is_told_so_after_one_hash(client, member, hash_runs):
    member.is_active = False
    member.save(update_fields=["is_active"])
    responses = []

    runs = hash_runs(lambda: responses.append(_site(client, member.email, PASSWORD)))

    assert runs == 1
    assert responses[0].status_code == 302 and responses[0].url == reverse("account_inactive")
    assert "_auth_user_id" not in client.session


def test_an_address_stored_with_capitals_logs_in_however_it_is_typed(client, hash_runs):
    # createsuperuser keeps the local part as typed; allauth looks addresses up lower-cased.
    staff = UserFactory(email="Maria.Lopez@example.com", is_staff=True)

    for typed in ["maria.lopez@example.com", "MARIA.LOPEZ@example.com", "Maria.Lopez@example.com"]:
        client.logout()
        runs = hash_runs(lambda typed=typed: _admin(client, typed, PASSWORD))
        assert runs == 1 and client.session.get("_auth_user_id") == str(staff.pk), typed


@pytest.mark.parametrize(
    "old_hasher",
    [
        # Few rounds keep the test fast; the upgrade is decided by the algorithm, not the rounds.
        lambda: PBKDF2PasswordHasher().encode(PASSWORD, "oldsalt0123456789", iterations=1000),
        # Django's own Argon2 defaults (100 MiB, 8 lanes): same algorithm, heavier parameters.
        lambda: Argon2PasswordHasher().encode(PASSWORD, "oldsalt0123456789"),
    ],
    ids=["pbkdf2", "argon2-django-defaults"],
)
def test_an_older_hash_is_replaced_by_argon2id_at_owasps_cost_at_the_next_log_in(client, settings, old_hasher):
    user = UserFactory(email="old@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user.password = old_hasher()
    user.save(update_fields=["password"])

    response = _site(client, user.email, PASSWORD)

    assert response.status_code == 302
    user.refresh_from_db()
    params = Argon2PasswordHasher().decode(user.password)
    assert (params["algorithm"], params["memory_cost"], params["time_cost"], params["parallelism"]) == (
        "argon2",
        19 * 1024,
        2,
        1,
    )
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "backend", ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"]
)
def test_a_session_logged_in_before_the_one_backend_stays_logged_in(client, member, backend):
    # Sessions name the backend that logged them in; upgrading must not log everyone out.
    client.force_login(member, backend=backend)

    response = client.get(reverse("bookings:mine"))

    assert response.status_code == 200 and response.wsgi_request.user == member
