"""Therapy types, free therapy slots and the monthly summary of /api/v1/."""

from __future__ import annotations

from datetime import date, time

import pytest

from bookings import services
from tests.api.conftest import problem
from tests.bookings.conftest import upcoming_class
from tests.factories import (
    AvailabilityRuleFactory,
    LocationFactory,
    RoomFactory,
    TherapistSettingsFactory,
    TherapyDurationFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def massage():
    """A 60-minute massage by one therapist, Mondays 09:00-12:00 (Madrid) at one studio."""
    location = LocationFactory(slug="centro")
    room = RoomFactory(location=location)
    therapist = TherapistSettingsFactory(practitioner__slug="marta", slot_step_minutes=60).practitioner
    AvailabilityRuleFactory(practitioner=therapist, weekday=0, start_time=time(9), end_time=time(12), location=location)
    kind = TherapyTypeFactory(slug="massage", therapists=[therapist], rooms=[room])
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    return kind


def test_therapy_types_list_lengths_and_therapists(api, massage):
    (row,) = api.get("/api/v1/therapy-types/").json()["results"]
    assert row["slug"] == "massage" and row["durations"][0]["minutes"] == 60
    assert [t["slug"] for t in row["therapists"]] == ["marta"]


def test_free_slots_come_from_the_slot_engine(api, massage):
    body = api.get("/api/v1/therapy-types/massage/slots/", {"start": "2026-06-08", "end": "2026-06-08"}).json()
    starts = [s["starts_at"] for s in body["results"]]
    # Monday 8 June, 09:00, 10:00 and 11:00 in Madrid (UTC+2)
    assert starts == ["2026-06-08T09:00:00+02:00", "2026-06-08T10:00:00+02:00", "2026-06-08T11:00:00+02:00"]
    assert {s["therapist"] for s in body["results"]} == {"marta"}
    assert (
        api.get("/api/v1/therapy-types/massage/slots/", {"start": "2026-06-09", "end": "2026-06-14"}).json()["count"]
        == 0
    )


def test_slot_errors_are_problems(api, massage):
    problem(api.get("/api/v1/therapy-types/nope/slots/"), 404)
    problem(api.get("/api/v1/therapy-types/massage/slots/", {"therapist": "nobody"}), 404)
    problem(api.get("/api/v1/therapy-types/massage/slots/", {"minutes": "45"}), 400)
    problem(api.get("/api/v1/therapy-types/massage/slots/", {"start": "2026-06-01", "end": "2027-06-01"}), 400)


def test_the_monthly_summary_counts_classes_spots_and_marks_free_therapy_days(api, massage):
    location = massage.rooms.get().location
    first = upcoming_class(days=2, location=location, room=RoomFactory(location=location))  # Fri 5 June
    services.book_class(client=UserFactory(), session_id=first.pk, quantity=4)
    upcoming_class(days=2, capacity=5, location=location, room=RoomFactory(location=location))

    body = api.get("/api/v1/summary/", {"month": "2026-06", "location": location.pk, "therapy_type": "massage"}).json()

    assert body["month"] == "2026-06" and len(body["days"]) == 30
    days = {d["date"]: d for d in body["days"]}
    assert (days["2026-06-05"]["sessions"], days["2026-06-05"]["spots_left"]) == (2, 6 + 5)
    assert days["2026-06-04"]["sessions"] == 0
    assert days["2026-06-08"]["free_therapy_time"] is True  # a Monday
    assert days["2026-06-09"]["free_therapy_time"] is False
    assert days["2026-06-01"]["free_therapy_time"] is False  # Monday, but before now
    without = api.get("/api/v1/summary/", {"month": "2026-06"}).json()
    assert {d["free_therapy_time"] for d in without["days"]} == {None}


def test_the_summary_costs_the_same_queries_for_more_sessions(api, massage):
    location = massage.rooms.get().location
    query = {"month": "2026-06", "location": location.pk, "therapy_type": "massage"}
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        cache.clear()  # the free days are kept a minute: count a cold answer each time
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/summary/", query).status_code == 200
        return len(ctx.captured_queries)

    upcoming_class(days=3, location=location, room=RoomFactory(location=location))
    few = count()
    for day in range(4, 20):
        upcoming_class(days=day, location=location, room=RoomFactory(location=location))
    assert count() == few


@pytest.mark.parametrize("month", ["2026-13", "2026-6", "junio", "9999-01", "0000-01", "", "2026-06-01"])
def test_a_bad_month_is_a_400_problem(api, month):
    problem(api.get("/api/v1/summary/", {"month": month}), 400)


def test_an_unknown_therapy_in_the_summary_is_a_404(api):
    problem(api.get("/api/v1/summary/", {"month": "2026-06", "therapy_type": "nope"}), 404)


def test_summary_month_days_follow_the_calendar(api):
    body = api.get("/api/v1/summary/", {"month": "2026-02"}).json()
    assert body["days"][-1]["date"] == date(2026, 2, 28).isoformat()


def test_the_summary_follows_a_booking_at_once(api, massage):
    location = massage.rooms.get().location
    session = upcoming_class(days=2, location=location, room=RoomFactory(location=location))
    query = {"month": "2026-06", "location": location.pk, "therapy_type": "massage"}
    before = {d["date"]: d for d in api.get("/api/v1/summary/", query).json()["days"]}["2026-06-05"]
    services.book_class(client=UserFactory(), session_id=session.pk, quantity=2)
    after = {d["date"]: d for d in api.get("/api/v1/summary/", query).json()["days"]}["2026-06-05"]
    assert (before["spots_left"], after["spots_left"]) == (10, 8)
