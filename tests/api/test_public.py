"""The public part of /api/v1/: timetable reads, bounded ranges, caching headers, CORS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services
from tests.api.conftest import problem
from tests.bookings.conftest import upcoming_class
from tests.factories import ClassTypeFactory, LocationFactory, PractitionerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_it_lists_active_locations_class_types_and_teachers_in_pages(api):
    LocationFactory(name="Centro")
    LocationFactory(name="Closed", is_active=False)
    ClassTypeFactory(title="Hatha")
    PractitionerFactory(public_name="Lola", is_instructor=True)

    locations = api.get("/api/v1/locations/").json()
    assert [loc["name"] for loc in locations["results"]] == ["Centro"] and locations["count"] == 1
    assert [c["title"] for c in api.get("/api/v1/class-types/").json()["results"]] == ["Hatha"]
    teacher = api.get("/api/v1/teachers/").json()["results"][0]
    assert teacher["public_name"] == "Lola" and teacher["url"].startswith("http://testserver/teachers/")


def test_sessions_in_a_range_show_the_spots_left(api, session):
    services.book_class(client=UserFactory(), session_id=session.pk, quantity=3)
    later = upcoming_class(days=20)

    body = api.get("/api/v1/sessions/", {"start": "2026-06-03", "end": "2026-06-10"}).json()

    assert [s["id"] for s in body["results"]] == [session.pk]
    row = body["results"][0]
    assert (row["capacity"], row["spots_left"], row["status"]) == (10, 7, "scheduled")
    assert row["url"] == f"http://testserver/classes/{session.pk}/"
    assert later.pk not in {s["id"] for s in body["results"]}


def test_sessions_filter_by_location(api, session):
    elsewhere = upcoming_class(days=2)
    body = api.get("/api/v1/sessions/", {"location": elsewhere.location_id}).json()
    assert [s["id"] for s in body["results"]] == [elsewhere.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-06-01", "end": "2026-09-30"},  # longer than API_MAX_RANGE_DAYS
        {"start": "2026-06-10", "end": "2026-06-01"},  # backwards
        {"start": "03/06/2026"},
        {"start": "2026-02-30"},
        {"start": "9999-01-01", "end": "9999-01-02"},  # past the horizon
        {"start": "x" * 5000},
        {"location": "99999999999999999999"},
        {"location": "-1"},
        {"level": "expert"},
    ],
)
def test_a_bad_or_too_long_range_is_a_400_problem(api, query):
    body = problem(api.get("/api/v1/sessions/", query), 400)
    assert body["errors"]


def test_a_page_past_the_end_is_a_404_problem(api):
    problem(api.get("/api/v1/locations/", {"page": "7"}), 404)


def test_the_etag_follows_the_timetable_version(api, session):
    first = api.get("/api/v1/sessions/")
    etag = first["ETag"]
    assert first["Cache-Control"].startswith("public") and first["Last-Modified"]

    assert api.get("/api/v1/sessions/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get("/api/v1/sessions/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304

    services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)  # bumps the version
    again = api.get("/api/v1/sessions/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag
    assert again.json()["results"][0]["spots_left"] == 9


def test_a_cached_answer_costs_no_query(api, session, django_assert_num_queries):
    api.get("/api/v1/sessions/")
    with django_assert_num_queries(0):
        assert api.get("/api/v1/sessions/").status_code == 200


def test_cors_answers_only_the_configured_origins(api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://yoga.example.com"]
    allowed = api.get("/api/v1/locations/", HTTP_ORIGIN="https://yoga.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://yoga.example.com"
    other = api.get("/api/v1/locations/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other
    page = api.get("/classes/", HTTP_ORIGIN="https://yoga.example.com")
    assert "Access-Control-Allow-Origin" not in page  # the pages never


def test_the_schema_and_docs_pages_answer(api):
    assert api.get("/api/v1/schema/").status_code == 200
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_an_unknown_route_under_the_api_is_not_a_500(api):
    assert api.get("/api/v1/nothing-here/").status_code == 404
    assert timezone.now() + timedelta(0)  # the pinned clock is in force


@pytest.mark.parametrize("path", ["/api/v1/therapy-types/a%00b/slots/", "/api/v1/therapy-types/a%20b/slots/"])
def test_a_spoiled_therapy_in_the_path_is_a_404_problem(api, path):
    problem(api.get(path), 404)
