"""Moving, cancelling and repeating therapy sessions: reschedule, therapist_cancel, series."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

import bookings.services.therapy_moves as therapy_module
from bookings.models import Booking, BookingEvent, BookingSeries, BookingStatus
from bookings.services import (
    BookingError,
    SlotTaken,
    book_series,
    book_therapy,
    cancel_booking,
    cancel_rest_of_series,
    plan_series,
    reschedule,
    therapist_cancel,
)
from notifications.models import Notification
from payments.models import Method
from payments.services import record_payment
from schedules.models import Occupancy
from schedules.recurrence import wall_time_to_utc
from tests.bookings.conftest import MADRID, at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def book(client, therapy_type, therapist, start, minutes=60) -> Booking:
    return book_therapy(
        client=client, therapy_type=therapy_type, minutes=minutes, practitioner=therapist, starts_at=start
    )


@pytest.fixture
def session(client_user, massage, therapist) -> Booking:
    booking = book(client_user, massage, therapist, at(10))
    record_payment(booking=booking, amount=booking.total, method=Method.CASH, actor=None)
    booking.refresh_from_db()
    return booking


# --- reschedule ---------------------------------------------------------------------------------


def test_it_moves_the_session_and_its_held_time_together(session, client_user):
    moved = reschedule(booking=session, starts_at=at(15), actor=client_user)
    assert (moved.starts_at, moved.ends_at, moved.status) == (at(15), at(16), BookingStatus.CONFIRMED)
    (hold,) = Occupancy.objects.all()
    assert (hold.pk, hold.starts_at, hold.ends_at) == (moved.occupancy_id, at(14, 55), at(16, 10))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_frees_the_old_time_and_takes_the_new_one_in_one_transaction(session, client_user, monkeypatch):
    """Seen from another connection while the move is under way, nothing has changed yet."""
    seen_meanwhile: list = []

    def look_from_outside(booking) -> None:  # runs inside reschedule's transaction, after the move
        def read():
            try:
                seen_meanwhile.extend(Occupancy.objects.values_list("starts_at", flat=True))
            finally:
                connections.close_all()

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=30)

    monkeypatch.setattr(therapy_module.messages, "booking_changed", look_from_outside)
    reschedule(booking=session, starts_at=at(15), actor=client_user)
    assert seen_meanwhile == [at(9, 55)]
    assert list(Occupancy.objects.values_list("starts_at", flat=True)) == [at(14, 55)]


def test_it_leaves_the_session_and_its_hold_alone_when_the_new_time_is_taken(session, client_user, massage, therapist):
    book(UserFactory(), massage, therapist, at(15))
    before = Occupancy.objects.get(pk=session.occupancy_id)
    with pytest.raises(SlotTaken) as refused:
        reschedule(booking=session, starts_at=at(15), actor=client_user)
    assert refused.value.alternatives
    session.refresh_from_db()
    assert (session.starts_at, session.occupancy_id, session.ics_sequence) == (at(10), before.pk, 0)
    after = Occupancy.objects.get(pk=before.pk)
    assert (after.starts_at, after.ends_at, after.is_tentative) == (before.starts_at, before.ends_at, False)
    assert BookingEvent.objects.filter(booking=session).exclude(reason="payment received").count() == 1


def test_it_lets_a_session_move_over_its_own_old_time(session, client_user):
    moved = reschedule(booking=session, starts_at=at(10, 30), actor=client_user)
    assert moved.starts_at == at(10, 30)


def test_it_refuses_a_client_move_within_the_minimum_notice(session, client_user):
    with pytest.raises(BookingError, match="up to 12 hours before"):
        reschedule(booking=session, starts_at=at(15), actor=client_user, now=at(10) - timedelta(hours=11))
    assert Booking.objects.get(pk=session.pk).starts_at == at(10)


def test_it_lets_the_therapist_move_a_session_within_the_notice(session, therapist):
    now = at(10) - timedelta(hours=11)
    moved = reschedule(booking=session, starts_at=at(15, weeks=1), actor=therapist.user, now=now)
    assert moved.starts_at == at(15, weeks=1)


def test_it_refuses_a_move_by_another_client(session, other_client):
    with pytest.raises(BookingError, match="not one of your sessions"):
        reschedule(booking=session, starts_at=at(15), actor=other_client)


def test_it_refuses_a_move_by_another_therapist(session, other_therapist):
    with pytest.raises(BookingError, match="not one of your sessions"):
        reschedule(booking=session, starts_at=at(15), actor=other_therapist.user)


def test_it_raises_the_calendar_revision_on_a_move(session, client_user):
    assert reschedule(booking=session, starts_at=at(15), actor=client_user).ics_sequence == session.ics_sequence + 1


def test_it_records_where_the_session_moved_from_and_to(session, client_user):
    reschedule(booking=session, starts_at=at(15), actor=client_user)
    event = BookingEvent.objects.filter(booking=session).last()
    assert event.reason == "rescheduled" and event.actor_id == client_user.pk
    assert event.data["from"]["starts_at"] == at(10).isoformat()
    assert event.data["to"]["starts_at"] == at(15).isoformat()


def test_it_tells_the_client_the_session_moved(session, client_user):
    reschedule(booking=session, starts_at=at(15), actor=client_user)
    assert Notification.objects.filter(recipient=client_user, kind="booking_changed").exists()


# --- therapist_cancel -----------------------------------------------------------------------------


def test_it_needs_a_reason_for_the_therapist_to_cancel(session, therapist):
    with pytest.raises(BookingError, match="Tell the client why"):
        therapist_cancel(booking=session, actor=therapist.user, reason="")
    assert Booking.objects.get(pk=session.pk).status == BookingStatus.CONFIRMED


def _starting_soon(booking: Booking) -> Booking:
    """Move the session (not its hold) to two hours from now: inside every refund tier."""
    soon = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    Booking.objects.filter(pk=booking.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=1))
    booking.refresh_from_db()
    return booking


def test_it_refunds_everything_and_charges_no_fee_when_the_therapist_cancels(session, therapist):
    cancelled = therapist_cancel(booking=_starting_soon(session), actor=therapist.user, reason="Ill")
    assert cancelled.status == BookingStatus.CANCELLED and cancelled.cancel_reason == "Ill"
    assert (cancelled.amount_refund_pending, cancelled.fee_charged) == (Decimal("60.00"), Decimal("0.00"))


def test_it_refunds_nothing_when_the_client_cancels_as_late(session, client_user):
    cancel_booking(booking=_starting_soon(session), actor=client_user, reason="Busy")
    assert Booking.objects.get(pk=session.pk).amount_refund_pending == Decimal("0.00")


def test_it_frees_the_time_when_the_therapist_cancels(session, therapist, massage, other_client):
    therapist_cancel(booking=session, actor=therapist.user, reason="Ill")
    assert not Occupancy.objects.exists()
    assert book(other_client, massage, therapist, at(10)).status == BookingStatus.CONFIRMED


def test_it_refuses_another_therapists_cancellation(session, other_therapist):
    with pytest.raises(BookingError, match="not one of your sessions"):
        therapist_cancel(booking=session, actor=other_therapist.user, reason="Not mine")
    assert Booking.objects.get(pk=session.pk).status == BookingStatus.CONFIRMED


def test_it_frees_the_time_when_the_client_cancels(session, client_user):
    cancel_booking(booking=session, actor=client_user, reason="Busy")
    assert not Occupancy.objects.exists() and Booking.objects.get(pk=session.pk).occupancy_id is None


# --- series -------------------------------------------------------------------------------------------


def test_it_plans_a_weekly_series_at_the_same_time(massage, therapist):
    plan = plan_series(
        therapy_type=massage, minutes=60, practitioner=therapist, first=at(10), interval_weeks=1, count=4
    )
    assert [(i.wanted, i.free) for i in plan] == [(at(10, weeks=n), True) for n in range(4)]


def test_it_plans_every_two_weeks(massage, therapist):
    plan = plan_series(
        therapy_type=massage, minutes=60, practitioner=therapist, first=at(10), interval_weeks=2, count=3
    )
    assert [i.wanted for i in plan] == [at(10), at(10, weeks=2), at(10, weeks=4)]


def test_it_marks_a_colliding_occurrence_with_same_day_alternatives(massage, therapist):
    book(UserFactory(), massage, therapist, at(10, weeks=1))  # holds 09:55-11:10 that day
    plan = plan_series(
        therapy_type=massage, minutes=60, practitioner=therapist, first=at(10), interval_weeks=1, count=3
    )
    assert [i.free for i in plan] == [True, False, True]
    clash = plan[1]
    assert [s.start for s in clash.alternatives] == [at(11, 30, weeks=1), at(12, weeks=1), at(12, 30, weeks=1)]
    assert {s.start.astimezone(MADRID).date() for s in clash.alternatives} == {at(10, weeks=1).date()}


def _next_clock_change() -> date:
    day = timezone.localdate() + timedelta(days=8)
    while wall_time_to_utc(day, time(12), MADRID).astimezone(MADRID).utcoffset() == (
        wall_time_to_utc(day - timedelta(days=1), time(12), MADRID).astimezone(MADRID).utcoffset()
    ):
        day += timedelta(days=1)
    return day  # a Sunday in Europe


def test_it_keeps_the_wall_time_of_a_series_across_a_clock_change(massage, therapist):
    monday_before = _next_clock_change() - timedelta(days=6)
    first = wall_time_to_utc(monday_before, time(10), MADRID)
    plan = plan_series(therapy_type=massage, minutes=60, practitioner=therapist, first=first, interval_weeks=1, count=3)
    assert [i.wanted.astimezone(MADRID).strftime("%a %H:%M") for i in plan] == ["Mon 10:00"] * 3
    assert len({i.wanted.astimezone(MADRID).utcoffset() for i in plan}) == 2
    assert all(i.free for i in plan)


def test_it_refuses_a_series_of_one_or_every_three_weeks(massage, therapist):
    for weeks, count in [(1, 1), (3, 4)]:
        with pytest.raises(BookingError, match="every week or every two weeks"):
            plan_series(
                therapy_type=massage,
                minutes=60,
                practitioner=therapist,
                first=at(10),
                interval_weeks=weeks,
                count=count,
            )


def _series(client, massage, therapist, starts) -> BookingSeries:
    return book_series(
        client=client, therapy_type=massage, minutes=60, practitioner=therapist, starts=starts, interval_weeks=1
    )


def test_it_books_each_occurrence_as_its_own_booking_in_the_series(client_user, massage, therapist):
    series = _series(client_user, massage, therapist, [at(10, weeks=n) for n in range(3)])
    bookings = list(series.bookings.order_by("starts_at"))
    assert [b.starts_at for b in bookings] == [at(10, weeks=n) for n in range(3)]
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED} and series.count == 3
    assert Occupancy.objects.count() == 3


def test_it_books_no_occurrence_when_one_time_is_taken(client_user, massage, therapist):
    book(UserFactory(), massage, therapist, at(10, weeks=2))
    with pytest.raises(SlotTaken, match="Nothing was booked"):
        _series(client_user, massage, therapist, [at(10, weeks=n) for n in range(4)])
    assert not Booking.objects.filter(client=client_user).exists()
    assert not BookingSeries.objects.exists()
    assert Occupancy.objects.count() == 1


def test_it_cancels_this_and_the_later_sessions_of_a_series_only(client_user, massage, therapist):
    series = _series(client_user, massage, therapist, [at(10, weeks=n) for n in range(4)])
    first, second, third, _fourth = series.bookings.order_by("starts_at")
    assert cancel_rest_of_series(booking=third, actor=client_user, reason="Moving away") == 2
    statuses = [b.status for b in series.bookings.order_by("starts_at")]
    assert statuses == [BookingStatus.CONFIRMED] * 2 + [BookingStatus.CANCELLED] * 2
    assert set(Occupancy.objects.values_list("pk", flat=True)) == {first.occupancy_id, second.occupancy_id}


def test_it_skips_sessions_of_the_series_already_cancelled(client_user, massage, therapist):
    series = _series(client_user, massage, therapist, [at(10, weeks=n) for n in range(3)])
    _first, second, third = series.bookings.order_by("starts_at")
    cancel_booking(booking=third, actor=client_user)
    assert cancel_rest_of_series(booking=second, actor=client_user) == 1


def test_it_refuses_to_cancel_the_rest_of_a_session_outside_a_series(session, client_user):
    with pytest.raises(BookingError, match="not part of a series"):
        cancel_rest_of_series(booking=session, actor=client_user)
