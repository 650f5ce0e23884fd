"""Dates far out (year 1, year 9999, six years on) on every page and form that takes a date.

Pages move a far day in a query to the edge of config.params' bounds (five years either
side of today) and show it; forms refuse one with a message; nothing is a 500 and nothing
far out is saved.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from config.params import HORIZON_YEARS, date_bounds
from schedules import therapist_calendar
from schedules.models import AvailabilityOverride
from tests.bookings.conftest import at, make_therapist, therapy_monday
from tests.factories import LocationFactory, RoomFactory, TherapyDurationFactory, TherapyTypeFactory, UserFactory
from waitlist.models import TherapyWish

pytestmark = pytest.mark.django_db

SIX_YEARS = timedelta(days=(HORIZON_YEARS + 1) * 366)


@pytest.fixture
def studio():
    location = LocationFactory(name="Centro", slug="centro")
    therapist = make_therapist(location)
    kind = TherapyTypeFactory(
        slug="massage", therapists=[therapist], rooms=[RoomFactory(location=location, name="Sala Luna")]
    )
    TherapyDurationFactory(therapy_type=kind, minutes=60)
    return therapist, kind


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- pages: a far day in the query is moved to the edge and shown -------------------------------


def test_the_timetable_shows_the_last_week_inside_the_bounds_for_year_9999(client):
    response = client.get(reverse("schedules:timetable"), {"week": "9999-12-31"})
    assert response.status_code == 200
    latest = date_bounds(response.context["today"])[1]  # the viewer's today, not the test's UTC one
    assert latest - timedelta(days=6) <= response.context["week_start"] <= latest


def test_the_therapists_month_for_year_9999_is_the_last_month_inside_the_bounds(client, studio):
    therapist, _kind = studio
    client.force_login(therapist.user)
    response = client.get(reverse("bookings:therapist_calendar"), {"view": "month", "month": "9999-12"})
    assert response.status_code == 200
    assert response.context["month"] == date_bounds(response.context["today"])[1].replace(day=1)


def test_the_confirm_page_refuses_a_start_beyond_the_bounds(client, studio):
    therapist, kind = studio
    client.force_login(UserFactory())
    start = timezone.now() + SIX_YEARS
    response = client.get(
        reverse("bookings:book_therapy", args=[kind.slug]),
        {"start": start.isoformat(), "minutes": "60", "therapist": str(therapist.pk)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == kind.get_absolute_url()
    assert "Please choose a time first." in _messages(response)


# --- forms: a far date is refused with a message, nothing is saved ----------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01", "9999-12-31"),  # was a 500 (year 10000 is out of range)
        ("0001-01-01", "0001-01-02"),  # was saved
        ("today", "six years on"),
    ],
)
def test_time_off_beyond_the_bounds_is_refused_with_a_message(client, studio, start, end):
    therapist, _kind = studio
    named = {"today": timezone.localdate().isoformat(), "six years on": (timezone.localdate() + SIX_YEARS).isoformat()}
    client.force_login(therapist.user)
    response = client.post(
        reverse("bookings:therapist_add_override"),
        {"kind": "blocked", "start_date": named.get(start, start), "end_date": named.get(end, end)},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose a date between" in _messages(response)
    assert not AvailabilityOverride.objects.filter(practitioner=therapist).exists()


def test_time_off_up_to_the_last_day_inside_the_bounds_is_kept(client, studio):
    therapist, _kind = studio
    client.force_login(therapist.user)
    latest = date_bounds(timezone.localdate(timezone=therapist.user.zone))[1]  # the page's today is the therapist's
    client.post(
        reverse("bookings:therapist_add_override"),
        {"kind": "blocked", "start_date": (latest - timedelta(days=7)).isoformat(), "end_date": latest.isoformat()},
    )
    assert AvailabilityOverride.objects.filter(practitioner=therapist).count() == 1


def test_the_time_off_service_refuses_instants_beyond_the_bounds_for_every_caller(studio):
    therapist, _kind = studio
    now = timezone.now()
    with pytest.raises(ValidationError, match="within 5 years"):
        therapist_calendar.add_override(practitioner=therapist, kind="blocked", starts_at=now, ends_at=now + SIX_YEARS)
    assert not AvailabilityOverride.objects.exists()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("9999-12-31T23:59", "Choose a date between"),
        ("0001-01-01T00:00", "Choose a date between"),
        ("", "Enter at least one time."),
    ],
)
def test_a_proposed_time_in_year_1_or_9999_is_a_message(client, studio, when, message):
    from bookings import services

    therapist, kind = studio
    booking = services.book_therapy(
        client=UserFactory(), therapy_type=kind, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    client.force_login(therapist.user)
    response = client.post(
        reverse("bookings:therapist_propose", args=[booking.reference]), {"time1": when}, follow=True
    )
    assert response.status_code == 200  # was a 500 (date value out of range)
    assert message in _messages(response)
    assert not booking.proposals.exists()


def test_a_wish_until_year_9999_is_a_form_error(client, studio):
    _therapist, kind = studio
    client.force_login(UserFactory())
    response = client.post(
        reverse("waitlist:therapy_wish", args=[kind.slug]),
        {
            "minutes": "60",
            "earliest_date": therapy_monday().isoformat(),
            "latest_date": "9999-12-31",
            "weekdays": ["0"],
            "earliest_time": "09:00",
            "latest_time": "18:00",
        },
    )
    assert response.status_code == 200  # was a 500 (date value out of range)
    assert "Choose a date between" in response.content.decode()
    assert not TherapyWish.objects.exists()
