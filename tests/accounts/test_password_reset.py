"""Password reset: the same page for every address, and mail only to people who have an account.

ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS is off on purpose (docs/deployment.md): the form must
not be a way to send the studio's mail to strangers, and it must not tell who has an
account, so the page answers an unknown address exactly as a known one.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.accounts.test_lockout import LIMIT, _fail, _logged_in_as, _site_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = reverse("account_reset_password")


@pytest.fixture
def member():
    user = UserFactory(email="member@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_an_unknown_address_gets_no_mail_and_the_same_answer_as_a_known_one(client, member):
    known = client.post(RESET, {"email": member.email})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]

    unknown = client.post(RESET, {"email": "stranger@example.com"})

    assert len(mail.outbox) == 1  # nothing went to the stranger
    done = reverse("account_reset_password_done")
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url) == (302, done)


def test_a_new_password_like_the_display_name_is_refused(member):
    member.display_name = "Priyanka Ramaswamy"

    with pytest.raises(ValidationError, match="too similar to the display name"):
        validate_password("Ramaswamy-2026", user=member)


def _reset_password_by_mail(client, email: str, new_password: str) -> None:
    client.post(RESET, {"email": email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link).url  # allauth moves the key into the session, then shows the form
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302, response.content.decode()


def test_resetting_the_password_lifts_the_lockout_it_was_offered_for(client, member):
    _fail(_site_login, client, member.email, LIMIT)
    assert _site_login(client, member.email, "wrong-password").status_code == 429

    _reset_password_by_mail(client, member.email, "new-lotus-morning-77")
    response = _site_login(client, member.email, "new-lotus-morning-77")

    assert response.status_code == 302
    assert _logged_in_as(client, member)
