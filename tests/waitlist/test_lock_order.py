"""The one lock order under real concurrency on PostgreSQL: no deadlock between a client
booking a class and the waitlist promoting the same client into it.

The client waits for two spots of a class with one free and books the one directly at
the moment another client's cancellation frees a second and promotes their party. Before the one lock order, the booking
held the client's row (its caps, or its uncommitted booking of the class) and waited
for the session, while the promotion, inside the cancellation, held the session and
waited for the client: PostgreSQL aborts one of the two. Pauses (config.race) widen the
window: the booking pauses before its claim, the promotion after it holds the session.
Now the promotion takes the client's row without waiting and passes a busy client over;
the negative control (guard "lock-order" off) makes it wait as before, and the same
race must deadlock.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from bookings import services as booking_services
from bookings.models import Booking, BookingPolicy, BookingStatus
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory
from tests.waitlist.conftest import wait
from waitlist.models import EntryState, WaitlistEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DEADLOCK = "40P01"


def _is_deadlock(exc: BaseException | None) -> bool:
    while exc is not None:
        if getattr(exc, "sqlstate", None) == DEADLOCK:
            return True
        exc = exc.__cause__
    return False


def _at_once(*calls) -> list[BaseException]:
    """Run the calls together, one thread and connection each; what they raised."""
    barrier = threading.Barrier(len(calls))
    raised: list[BaseException] = []

    def run(call) -> None:
        try:
            barrier.wait()
            call()
        except Exception as exc:
            raised.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return raised


@pytest.fixture
def race_settings(settings):
    # The booking holds the client (and its new booking row) for 0.6 s before it claims;
    # the promotion holds the session 0.2 s before it takes the client.
    settings.SHALA_RACE_PAUSES = {"booking-claim": 0.6, "waitlist-promote": 0.2}
    return settings


def _booking_while_promoted(capped: bool, caplog) -> tuple[list[BaseException], list, WaitlistEntry, ClassSession]:
    if capped:
        BookingPolicy.objects.filter(is_default=True).update(max_active_per_day=3, max_active_per_week=10)
    session = upcoming_class(capacity=3)
    booked = [booking_services.book_class(client=UserFactory(), session_id=session.pk, quantity=1) for _ in range(2)]
    client = UserFactory()
    entry = wait(session, 2, client=client)  # one spot free, two wanted
    raised = _at_once(
        lambda: booking_services.book_class(client=client, session_id=session.pk, quantity=1),
        lambda: booking_services.cancel_booking(booking=booked[0], actor=None),
    )
    # A deadlock the waitlist's receiver swallowed (the promotion rolled back, logged), or
    # one that config.db_retry answered by running the booking again, counts too.
    logged = [
        r
        for r in caplog.records
        if (r.exc_info and _is_deadlock(r.exc_info[1]))
        or (r.name == "config.db_retry" and "deadlock" in r.getMessage())
    ]
    entry.refresh_from_db()
    session.refresh_from_db()
    return raised, logged, entry, session


@pytest.mark.parametrize("capped", [True, False], ids=["capped", "uncapped"])
def test_booking_a_class_while_the_waitlist_promotes_you_never_deadlocks(race_settings, caplog, capped):
    raised, logged, entry, session = _booking_while_promoted(capped, caplog)

    assert raised == [] and logged == []
    # The promotion passed the busy client over; their own booking took one spot.
    booking = Booking.objects.get(client=entry.client, class_session=session)
    assert (booking.status, booking.quantity) == (BookingStatus.CONFIRMED, 1)
    assert session.spots_taken == 2 == Booking.objects.filter(class_session=session, status="confirmed").count()
    assert entry.state == EntryState.WAITING


@pytest.mark.parametrize("capped", [True, False], ids=["capped", "uncapped"])
def test_negative_control_waiting_for_the_client_inside_the_release_deadlocks(race_settings, caplog, capped):
    race_settings.SHALA_RACE_UNGUARDED = {"lock-order"}

    raised, logged, _entry, session = _booking_while_promoted(capped, caplog)

    assert any(_is_deadlock(e) for e in raised) or logged, (raised, caplog.records)
    session.refresh_from_db()
    held = sum(
        Booking.objects.filter(class_session=session, status__in=["confirmed", "pending"]).values_list(
            "quantity", flat=True
        )
    )
    assert session.spots_taken == held <= 3  # the database aborted one side: nothing half-done
