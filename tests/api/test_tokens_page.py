"""The profile's API token page: make a token (shown once), revoke one's own."""

from __future__ import annotations

import pytest

from api.models import ApiToken
from api.tokens import create_token, hash_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_client_makes_a_token_shown_once(client, client_user):
    client.force_login(client_user)
    assert b"/accounts/api-tokens/" in client.get("/accounts/profile/").content

    page = client.post("/accounts/api-tokens/", {"name": "calendar"})

    row = ApiToken.objects.get(user=client_user)
    token = page.context["new_token"]
    assert row.key_hash == hash_token(token) and token.encode() in page.content
    assert token.encode() not in client.get("/accounts/api-tokens/").content  # never again
    assert row.prefix.encode() in client.get("/accounts/api-tokens/").content


def test_a_token_needs_a_name(client, client_user):
    client.force_login(client_user)
    page = client.post("/accounts/api-tokens/", {"name": "   "})
    assert page.status_code == 200 and not ApiToken.objects.exists()


def test_revoking_works_on_ones_own_tokens_only(client, client_user):
    mine = create_token(user=client_user, name="mine")[0]
    theirs = create_token(user=UserFactory(), name="theirs")[0]
    client.force_login(client_user)

    client.post(f"/accounts/api-tokens/{theirs.pk}/revoke/")
    client.post(f"/accounts/api-tokens/{mine.pk}/revoke/")

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None


def test_the_page_needs_a_log_in(client):
    assert client.get("/accounts/api-tokens/").status_code == 302
