"""The therapists report: figures against factory data with answers worked out by hand.

November 2026 in Madrid. Marta works Monday to Friday 09:00-17:00 (make_therapist): 21
weekdays, 168 hours, less Friday 13 taken off (8 hours): 160 hours offered. She kept three
sessions: 60 minutes paid 60.00, 60 minutes paid 60.00 with 20.00 given back, and a 90-minute
no-show that paid nothing: 3.5 hours booked, utilisation 3.5 / 160 = 2.2 %, revenue 100.00.
A cancelled session and a December one do not count. Her requests: approved after 2 and 6
hours, declined after 1 hour, one left to expire: median answer 2.0 hours. Leo has no hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from bookings.models import Booking, BookingEvent
from bookings.reports import therapists
from bookings.reports.period import Period
from bookings.reports.selectors import therapist_report
from tests.bookings.conftest import MADRID, make_therapist
from tests.factories import (
    AvailabilityOverrideFactory,
    LocationFactory,
    TherapistFactory,
    TherapyTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), MADRID)
D = Decimal


def _owner():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OWNER))
    return user


def _session(therapist, location, start: datetime, minutes=60, status="completed", paid="0", refunded="0"):
    return Booking.objects.create(
        client=UserFactory(),
        therapy_type=TherapyTypeFactory(),
        practitioner=therapist,
        location=location,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        status=status,
        unit_price=D("60.00"),
        total=D("60.00"),
        amount_paid=D(paid),
        amount_refunded=D(refunded),
        currency="EUR",
    )


def _answered(therapist, location, asked: datetime, hours: float, outcome: str) -> None:
    with time_machine.travel(asked, tick=False):
        booking = _session(therapist, location, asked + timedelta(days=3), status="requested")
    with time_machine.travel(asked + timedelta(hours=hours), tick=False):
        BookingEvent.objects.create(booking=booking, from_status="requested", to_status=outcome, source="page")


@pytest.fixture
def november(db):
    centro = LocationFactory(name="Centro")
    marta = make_therapist(centro)
    marta.public_name = "Marta"
    marta.save()
    TherapistFactory(public_name="Leo")
    AvailabilityOverrideFactory(
        practitioner=marta,
        starts_at=datetime(2026, 11, 13, 9, tzinfo=MADRID),
        ends_at=datetime(2026, 11, 13, 17, tzinfo=MADRID),
    )
    _session(marta, centro, datetime(2026, 11, 3, 10, tzinfo=MADRID), paid="60.00")
    _session(marta, centro, datetime(2026, 11, 4, 10, tzinfo=MADRID), paid="60.00", refunded="20.00")
    _session(marta, centro, datetime(2026, 11, 5, 10, tzinfo=MADRID), minutes=90, status="no_show")
    _session(marta, centro, datetime(2026, 11, 6, 10, tzinfo=MADRID), status="cancelled", paid="60.00")
    _session(marta, centro, datetime(2026, 12, 1, 10, tzinfo=MADRID), paid="60.00")
    day = datetime(2026, 11, 16, 9, tzinfo=UTC)
    _answered(marta, centro, day, 2, "confirmed")
    _answered(marta, centro, day + timedelta(days=1), 6, "confirmed")
    _answered(marta, centro, day + timedelta(days=2), 1, "declined")
    _answered(marta, centro, day + timedelta(days=3), 24, "expired")
    return {"centro": centro}


def test_november_matches_the_hand_count(november, django_assert_max_num_queries):
    owner = _owner()
    with django_assert_max_num_queries(11):  # the role's (two), therapists, sessions, answers, the calendar's six
        marta, leo = therapist_report(viewer=owner, period=NOVEMBER)

    assert marta.name == "Marta" and marta.sessions == 3
    assert (marta.booked_hours, marta.offered_hours, marta.utilisation) == (D("3.5"), D("160.0"), D("2.2"))
    assert marta.revenue == D("100.00")
    assert (marta.approved, marta.declined, marta.expired, marta.median_answer_hours) == (2, 1, 1, D("2.0"))
    assert (leo.name, leo.sessions, leo.offered_minutes, leo.utilisation, leo.median_answer_hours) == (
        "Leo",
        0,
        0,
        None,
        None,
    )


def test_the_query_count_does_not_grow_with_the_range(november, django_assert_max_num_queries):
    owner = _owner()
    with django_assert_max_num_queries(11):
        therapist_report(viewer=owner, period=Period(date(2024, 1, 1), date(2026, 12, 31), MADRID))


def test_another_location_has_none_of_martas_hours_or_sessions(november):
    (marta, _leo) = therapist_report(
        viewer=_owner(), period=Period(NOVEMBER.first, NOVEMBER.last, MADRID, LocationFactory().pk)
    )
    assert (marta.sessions, marta.offered_minutes, marta.approved) == (0, 0, 0)


def test_overlapping_hours_count_once():
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    spans = [
        (at, at + timedelta(hours=4)),
        (at + timedelta(hours=2), at + timedelta(hours=6)),
        (at + timedelta(hours=8), at + timedelta(hours=9)),
    ]
    assert therapists.merged_minutes(spans) == 7 * 60


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=UTC), tick=True):
        yield


def test_the_therapists_page_and_its_csv(client, november, clock):
    client.force_login(_owner())
    html = client.get(reverse("bookings:report_therapists")).content.decode()
    assert "Marta" in html and "3.5 / 160.0" in html and "2.2 %" in html and "€100.00" in html

    csv = client.get(reverse("bookings:report_therapists"), {"format": "csv"}).content.decode().splitlines()
    assert csv[0].startswith("therapist,sessions,hours_booked,hours_offered,utilisation_percent")
    assert "Marta,3,3.5,160.0,2.2,100.00,2,1,1,2.0" in csv


def test_the_desk_may_not_read_the_therapists_report(client, clock):
    desk = UserFactory(is_staff=True)
    desk.groups.add(Group.objects.get(name=roles.FRONT_DESK))
    client.force_login(desk)
    assert client.get(reverse("bookings:report_therapists")).status_code == 403
