"""Attendance closes by itself: past confirmed bookings become attended or no-shows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from bookings import services, tasks
from bookings.models import Booking, BookingEvent, BookingPolicy, BookingStatus, ClassTypePolicy
from bookings.services.attendance import outcome_for
from bookings.transitions import Status
from tests.bookings.conftest import at, upcoming_class

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("checked_in", "absent_is_no_show", "expected"),
    [
        (True, True, Status.COMPLETED),
        (True, False, Status.COMPLETED),
        (False, False, Status.COMPLETED),
        (False, True, Status.NO_SHOW),
    ],
)
def test_the_outcome_follows_check_in_and_the_policy(checked_in, absent_is_no_show, expected):
    assert outcome_for(checked_in=checked_in, absent_is_no_show=absent_is_no_show) == expected


def booked_class(client, *, policy: BookingPolicy | None = None) -> Booking:
    session = upcoming_class(days=2)
    if policy is not None:
        ClassTypePolicy.objects.create(class_type=session.class_type, policy=policy)
    return services.book_class(client=client, session_id=session.pk, quantity=1)


def test_nothing_closes_before_the_window_ends(client_user, default_policy):
    booking = booked_class(client_user)
    ends = booking.class_session.ends_at
    assert services.close_attendance(now=ends) == 0
    assert services.close_attendance(now=ends + timedelta(minutes=59)) == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_after_the_window_a_booking_is_attended_with_an_event(client_user, default_policy):
    booking = booked_class(client_user)
    closes = booking.class_session.ends_at + timedelta(minutes=default_policy.attendance_closes_minutes)
    assert services.close_attendance(now=closes) == 1
    booking.refresh_from_db()
    assert (booking.status, booking.fee_charged) == (BookingStatus.COMPLETED, Decimal("0"))
    event = BookingEvent.objects.filter(booking=booking).latest("at")
    assert (event.from_status, event.to_status, event.actor_id, event.reason) == (
        BookingStatus.CONFIRMED,
        BookingStatus.COMPLETED,
        None,
        "attendance closed",
    )


def test_it_is_idempotent(client_user, default_policy):
    booking = booked_class(client_user)
    later = booking.class_session.ends_at + timedelta(hours=3)
    assert services.close_attendance(now=later) == 1
    events = BookingEvent.objects.filter(booking=booking).count()
    assert services.close_attendance(now=later) == 0
    assert BookingEvent.objects.filter(booking=booking).count() == events


def test_a_policy_that_counts_absence_makes_a_no_show_with_its_fee(client_user, other_client):
    strict = BookingPolicy.objects.create(
        name="Workshops", absent_is_no_show=True, no_show_fee=Decimal("8.00"), attendance_closes_minutes=15
    )
    absent = booked_class(client_user, policy=strict)
    came = services.book_class(client=other_client, session_id=absent.class_session_id, quantity=1)
    services.set_checked_in(booking=came, checked_in=True, actor=None)
    ends = absent.class_session.ends_at
    assert services.close_attendance(now=ends + timedelta(minutes=14)) == 0
    assert services.close_attendance(now=ends + timedelta(minutes=15)) == 2
    absent.refresh_from_db()
    came.refresh_from_db()
    assert (absent.status, absent.fee_charged) == (BookingStatus.NO_SHOW, Decimal("8.00"))
    assert (came.status, came.fee_charged) == (BookingStatus.COMPLETED, Decimal("0"))


def test_only_confirmed_bookings_are_closed(client_user, other_client, default_policy):
    kept = booked_class(client_user)
    cancelled = services.book_class(client=other_client, session_id=kept.class_session_id, quantity=1)
    services.cancel_booking(booking=cancelled, actor=other_client)
    later = kept.class_session.ends_at + timedelta(hours=2)
    assert services.close_attendance(now=later) == 1
    cancelled.refresh_from_db()
    assert cancelled.status == BookingStatus.CANCELLED


def test_therapy_time_closes_from_its_own_end(client_user, massage, therapist, default_policy):
    booking = services.book_therapy(
        client=client_user, therapy_type=massage, minutes=60, practitioner=therapist, starts_at=at(10)
    )
    assert services.close_attendance(now=at(11, 59)) == 0
    assert services.close_attendance(now=at(12)) == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED


def test_the_beat_task_closes_on_the_real_clock(client_user, default_policy):
    booking = booked_class(client_user)
    with time_machine.travel(booking.class_session.ends_at + timedelta(hours=2), tick=False):
        assert tasks.close_attendance.delay().get() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
