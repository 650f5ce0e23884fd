"""Staff's bookings list: one start for class and therapy bookings, shown, filtered and drilled into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from bookings import services
from bookings.admin import START_FORMAT
from bookings.models import Booking
from bookings.services import book_therapy
from schedules.models import ClassSession
from schedules.recurrence import wall_time_to_utc
from schedules.selectors import local_midnight
from tests.bookings.conftest import MADRID, at, upcoming_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:bookings_booking_changelist")


@pytest.fixture
def staff(client):
    user = UserFactory(email="desk@example.com", is_staff=True, is_superuser=True, time_zone="Europe/Madrid")
    client.force_login(user)
    return user


@dataclass
class Pair:
    """A class booking and a therapy booking starting at the same moment."""

    lesson: Booking
    therapy: Booking

    @property
    def pks(self) -> set[int]:
        return {self.lesson.pk, self.therapy.pk}


def _class_booking_at(starts_at: datetime) -> Booking:
    """Booked while upcoming, then its class moved to ``starts_at`` (past times included)."""
    session = upcoming_class(days=2)
    booking = services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)
    ClassSession.objects.filter(pk=session.pk).update(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    return booking


def _therapy_booking_at(starts_at: datetime, *, massage, therapist, week: int) -> Booking:
    """Booked at a free time (10:00 on a Monday ``week`` weeks after the test one), then moved."""
    booking = book_therapy(
        client=UserFactory(), therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10, weeks=week)
    )
    Booking.objects.filter(pk=booking.pk).update(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    return booking


@dataclass
class Bookings:
    past: Pair  # two days ago
    today: Pair  # a minute after the local midnight of today (Madrid)
    soon: Pair  # in three days
    later: Pair  # in ten days
    next_month: Pair  # noon on the first day of next month (Madrid)

    def all_pks(self) -> set[int]:
        return set().union(*(p.pks for p in (self.past, self.today, self.soon, self.later, self.next_month)))


@pytest.fixture
def bookings(massage, therapist) -> Bookings:
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now, MADRID)
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    moments = {
        "past": now - timedelta(days=2),
        "today": local_midnight(today, MADRID) + timedelta(minutes=1),
        "soon": now + timedelta(days=3),
        "later": now + timedelta(days=10),
        "next_month": wall_time_to_utc(first_of_next_month, time(12), MADRID),
    }
    pairs = {}
    # Made out of chronological order, so no other column (client, booked at) sorts like the start.
    for week, name in enumerate(["later", "past", "next_month", "today", "soon"]):
        moment = moments[name]
        pairs[name] = Pair(
            lesson=_class_booking_at(moment),
            therapy=_therapy_booking_at(moment, massage=massage, therapist=therapist, week=week),
        )
    return Bookings(**pairs)


def _start_of(booking: Booking | int) -> datetime:
    return Booking.objects.get(pk=getattr(booking, "pk", booking)).start


def _listed(response) -> set[int]:
    assert response.status_code == 200
    return {b.pk for b in response.context["cl"].result_list}


def _row(html: str, reference: str) -> str:
    start = html.index(reference)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_it_shows_when_class_and_therapy_bookings_start_in_the_viewers_zone(client, staff, bookings):
    html = client.get(CHANGELIST).content.decode()

    for booking in (bookings.soon.lesson, bookings.soon.therapy):
        shown = date_format(timezone.localtime(_start_of(booking), staff.zone), START_FORMAT)
        assert shown in _row(html, booking.reference)


@pytest.mark.parametrize(
    ("choice", "inside", "outside"),
    [
        ("today", ["today"], ["past", "soon", "later"]),
        ("week", ["soon"], ["past", "later"]),
        ("month", ["today"], ["next_month"]),
        ("future", ["soon", "later", "next_month"], ["past"]),
        ("past", ["past"], ["soon", "later", "next_month"]),
    ],
)
def test_it_filters_class_and_therapy_bookings_by_their_start(client, staff, bookings, choice, inside, outside):
    listed = _listed(client.get(CHANGELIST, {"starts": choice}))

    for name in inside:
        assert getattr(bookings, name).pks <= listed, name
    for name in outside:
        assert not getattr(bookings, name).pks & listed, name


def test_it_drills_down_to_the_day_both_kinds_start_on(client, staff, bookings):
    day = timezone.localtime(_start_of(bookings.soon.lesson), MADRID).date()
    params = {"begins__year": day.year, "begins__month": day.month, "begins__day": day.day}

    listed = _listed(client.get(CHANGELIST, params))

    assert bookings.soon.pks <= listed
    # Exactly those starting that Madrid day (next month's may share it, near a month's end).
    on_that_day = {pk for pk in bookings.all_pks() if timezone.localtime(_start_of(pk), MADRID).date() == day}
    assert listed == on_that_day


def test_it_offers_the_drill_down_on_the_start(client, staff, bookings):
    day = timezone.localtime(_start_of(bookings.soon.lesson), MADRID).date()
    html = client.get(CHANGELIST, {"begins__year": day.year, "begins__month": day.month}).content.decode()

    assert f"begins__day={day.day}" in html  # a link to the day of the soon pair
    assert "created_at__" not in html


def test_it_orders_the_list_by_start(client, staff, bookings):
    column = client.get(CHANGELIST).context["cl"].list_display.index("start")
    listed = client.get(CHANGELIST, {"o": str(column)}).context["cl"].result_list

    starts = [b.start for b in listed]
    assert starts == sorted(starts)
    assert {b.pk for b in listed} == bookings.all_pks()


def test_it_lists_the_bookings_in_a_fixed_number_of_queries(client, staff, bookings, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == len(bookings.all_pks())
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST, {"starts": "future"})
    assert len(response.context["cl"].result_list) == 6


def test_its_actions_still_work_on_the_annotated_list(client, staff, massage, therapist):
    lesson = services.book_class(client=UserFactory(), session_id=upcoming_class(days=3).pk, quantity=1)
    therapy = book_therapy(
        client=UserFactory(), therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    chosen = {"action": "cancel", "index": "0", "_selected_action": [lesson.pk, therapy.pk]}

    asked = client.post(CHANGELIST, chosen)
    done = client.post(CHANGELIST, {**chosen, "reason": "The studio is closed."})

    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    assert done.status_code == 302
    cancelled = Booking.objects.filter(pk__in=[lesson.pk, therapy.pk])
    assert {(b.status, b.cancel_reason) for b in cancelled} == {("cancelled", "The studio is closed.")}
