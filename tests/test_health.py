"""The health endpoints: /healthz (liveness: the process answers) and /readyz (its dependencies do too)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.celery_broker import broker_at
from tests.redis_server import free_port


def _readyz(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


@pytest.fixture
def database_down(transactional_db):
    """PostgreSQL refusing connections: the connection re-opened to a port nobody listens on."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    yield
    connection.close()
    connection.settings_dict.update(saved)


@pytest.fixture
def broker_down():
    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        yield


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_200_with_each_check_when_everything_is_up(client):
    status, report = _readyz(client)
    assert (status, report["status"], report["down"]) == (200, "ok", [])
    assert set(report["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in report["checks"].values())


@pytest.mark.django_db
def test_readyz_answers_503_naming_the_broker_when_it_is_down(client, broker_down):
    status, report = _readyz(client)
    assert (status, report["status"], report["down"]) == (503, "unavailable", ["broker"])
    assert report["checks"]["broker"]["error"]
    assert report["checks"]["database"]["ok"] and report["checks"]["cache"]["ok"]


@pytest.mark.postgres
def test_with_the_database_down_healthz_stays_up_and_readyz_names_it(client, database_down):
    assert client.get("/healthz").status_code == 200
    status, report = _readyz(client)
    assert (status, report["down"]) == (503, ["database"])
    assert report["checks"]["database"]["error"] == "OperationalError"
    # The page is public: the kind of error only, no addresses.
    assert "127.0.0.1" not in json.dumps(report)
    # The pages themselves answer with the studio's 500 page, rendered without the database.
    page = Client(raise_request_exception=False).get(reverse("schedules:timetable"))
    assert page.status_code == 500 and settings.STUDIO_NAME.encode() in page.content
