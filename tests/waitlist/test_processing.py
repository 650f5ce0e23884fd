"""A released spot goes to the right entry: priority, then join time, skipping parties that do not fit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.transitions import ACTIVE_VALUES
from notifications.models import Notification
from schedules import services as schedule_services
from schedules.models import ClassSession
from tests.factories import UserFactory
from tests.waitlist.conftest import full_class, settings_for, wait
from waitlist.models import EntryState, OfferState, WaitlistEvent, WaitlistMode, WaitlistOffer, WaitlistPriority

pytestmark = pytest.mark.django_db


def _cancel(booking) -> None:
    booking_services.cancel_booking(booking=booking, actor=booking.client)


def _counter_is_true(session) -> None:
    session.refresh_from_db()
    held = (
        Booking.objects.filter(class_session=session, status__in=ACTIVE_VALUES).aggregate(s=Sum("quantity"))["s"] or 0
    )
    assert session.spots_taken == held <= session.capacity


def test_it_offers_a_cancelled_spot_to_the_first_in_line():
    session, booked = full_class()
    first, second = wait(session), wait(session)

    _cancel(booked[0])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (EntryState.OFFERED, EntryState.WAITING)
    offer = first.offer
    assert offer.state == OfferState.OPEN and offer.quantity == 1
    assert offer.booking.status == BookingStatus.PENDING and offer.booking.client == first.client
    _counter_is_true(session)
    assert ClassSession.objects.get(pk=session.pk).spots_left == 0  # the hold keeps the spot


def test_it_puts_a_client_with_priority_ahead_of_earlier_joiners():
    session, booked = full_class()
    early = wait(session)
    member = UserFactory()
    WaitlistPriority.objects.create(client=member, priority=10, note="member")
    late_member = wait(session, client=member)

    _cancel(booked[0])

    early.refresh_from_db()
    late_member.refresh_from_db()
    assert late_member.priority == 10
    assert (late_member.state, early.state) == (EntryState.OFFERED, EntryState.WAITING)


def test_it_skips_a_party_that_does_not_fit_and_keeps_its_place():
    session, booked = full_class(capacity=3)
    couple = wait(session, 2)
    single = wait(session, 1)

    _cancel(booked[0])  # one spot free

    couple.refresh_from_db()
    single.refresh_from_db()
    assert (couple.state, single.state) == (EntryState.WAITING, EntryState.OFFERED)

    _cancel(booked[1])  # one more: the couple still does not fit (one spot is held)
    couple.refresh_from_db()
    assert couple.state == EntryState.WAITING
    _cancel(booked[2])  # now two are free together
    couple.refresh_from_db()
    assert couple.state == EntryState.OFFERED and couple.offer.quantity == 2
    _counter_is_true(session)


def test_it_fills_several_freed_spots_in_queue_order():
    session, booked = full_class(capacity=3)
    a, b, c = wait(session), wait(session, 2), wait(session)

    for booking in booked[:2]:
        _cancel(booking)

    states = [e.state for e in (a, b, c) if not e.refresh_from_db()]
    # a got the first spot; b (2) never fitted in one; c got the second.
    assert states == [EntryState.OFFERED, EntryState.WAITING, EntryState.OFFERED]


def test_it_books_at_once_in_auto_enroll_mode():
    session, booked = full_class()
    settings_for(session, mode=WaitlistMode.AUTO_ENROLL)
    entry = wait(session)

    _cancel(booked[0])

    entry.refresh_from_db()
    assert entry.state == EntryState.BOOKED
    booking = Booking.objects.get(client=entry.client, class_session=session)
    assert booking.status == BookingStatus.CONFIRMED
    assert list(BookingEvent.objects.filter(booking=booking).values_list("to_status", flat=True)) == ["confirmed"]
    kinds = set(Notification.objects.filter(recipient=entry.client).values_list("kind", flat=True))
    assert "waitlist_enrolled" in kinds and "booking_confirmed" not in kinds
    assert Notification.objects.filter(recipient=session.instructor.user, kind="class_booking_news").exists()
    _counter_is_true(session)


def test_it_offers_new_spots_when_staff_raise_the_capacity():
    session, _booked = full_class()
    entry = wait(session)

    session.capacity = 3
    schedule_services.save_class_session(session=session, changed_fields=["capacity"])

    entry.refresh_from_db()
    assert entry.state == EntryState.OFFERED
    _counter_is_true(session)


def test_it_holds_the_spot_for_two_hours_by_default():
    session, booked = full_class(days=3)
    entry = wait(session)
    before = timezone.now()

    _cancel(booked[0])

    offer = WaitlistOffer.objects.get(entry=entry)
    assert before + timedelta(hours=2) <= offer.expires_at <= timezone.now() + timedelta(hours=2)


def test_it_holds_for_less_when_the_class_starts_soon():
    session, booked = full_class(days=0.25)  # six hours ahead
    entry = wait(session)

    _cancel(booked[0])

    offer = WaitlistOffer.objects.get(entry=entry)
    assert offer.expires_at <= timezone.now() + timedelta(minutes=30)


def test_it_makes_no_offer_after_the_cutoff():
    session, booked = full_class(days=3)
    entry = wait(session)
    settings_for(session, cutoff_minutes=4 * 24 * 60)  # the waitlist closed a day ago

    _cancel(booked[0])

    entry.refresh_from_db()
    assert entry.state == EntryState.WAITING
    assert not WaitlistOffer.objects.exists()
    assert ClassSession.objects.get(pk=session.pk).spots_left == 1  # anyone may book it now


def test_every_step_writes_an_event():
    session, booked = full_class()
    entry = wait(session)

    _cancel(booked[0])

    steps = list(WaitlistEvent.objects.filter(entry=entry).values_list("from_state", "to_state", "source"))
    assert steps == [("", "waiting", "page"), ("waiting", "offered", "task")]


def _queries_to_cancel_with(waiting: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session, booked = full_class()
    for _ in range(waiting):
        wait(session)
    booking = Booking.objects.get(pk=booked[0].pk)
    with CaptureQueriesContext(connection) as captured:
        _cancel(booking)
    assert WaitlistOffer.objects.filter(session=session).count() == 1
    return len(captured.captured_queries)


def test_processing_a_cancellation_costs_the_same_queries_whatever_the_queue_length():
    assert _queries_to_cancel_with(5) == _queries_to_cancel_with(80)
