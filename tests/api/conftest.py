"""Fixtures of the API tests: a pinned clock, a class, a client with an API token."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from api.tokens import create_token
from tests.bookings.conftest import default_policy, upcoming_class  # noqa: F401  the studio's default policy
from tests.factories import UserFactory

# Wednesday 3 June 2026, 10:00 UTC (12:00 in Madrid).
NOW = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def client_user():
    return UserFactory(email="ana@example.com")


@pytest.fixture
def token(client_user) -> str:
    return create_token(user=client_user, name="my app")[1]


@pytest.fixture
def authed(api, token) -> APIClient:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.fixture
def session():
    return upcoming_class(days=2)


def problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status; its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body and body["type"]
    return body
