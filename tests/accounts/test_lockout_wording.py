"""One lock-out wording, from one template, wherever a locked-out person is told."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string

from tests.accounts.test_lockout import LIMIT, _admin_login, _fail, _site_login, _verified
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return _verified(UserFactory(email="member@example.com"))


@pytest.fixture
def staff():
    return UserFactory(email="staff@example.com", is_staff=True)


@pytest.fixture
def wording() -> str:
    return render_to_string("account/_lockout_message.txt").strip()


def test_the_wording_says_what_happened_and_what_to_do(wording):
    assert wording.startswith("Too many failed log-in attempts.") and "reset your password" in wording


def test_the_site_lockout_page_says_it(client, member, wording):
    response = _fail(_site_login, client, member.email, LIMIT)
    assert response.status_code == 429 and wording in response.content.decode()


def test_the_next_site_try_says_the_same(client, member, wording):
    _fail(_site_login, client, member.email, LIMIT)
    html = _site_login(client, member.email, PASSWORD).content.decode()  # axes' lock-out page
    assert wording in html and "Too many failed login attempts" not in html


def test_the_site_says_it_once_allauths_window_passed(client, member, wording):
    _fail(_site_login, client, member.email, LIMIT)
    cache.clear()
    assert wording in _site_login(client, member.email, PASSWORD).content.decode()


def test_the_admin_says_the_same(client, staff, wording):
    _fail(_admin_login, client, staff.email, LIMIT)
    assert wording in _admin_login(client, staff.email, PASSWORD).content.decode()
