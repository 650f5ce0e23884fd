"""DESIGN invariant 1 under real concurrency on PostgreSQL: a class is never oversold.

Fifty clients race for ten spots from fifty threads, each with its own database
connection, released at once by a barrier. A test-only pause widens the gap between
reading the counter and claiming the spots; with the locking claim switched off
(guard "booking" off through config.race, the negative control) the same race must oversell,
which proves the test can see the bug it guards against.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.models import Sum

from bookings import services
from bookings.models import Booking
from bookings.transitions import ACTIVE_VALUES
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 50
CAPACITY = 10


def _race(session_id: int, clients: list, quantity: int = 1) -> tuple[int, int, list[Exception]]:
    """Fire one booking per client at once; return (booked, refused cleanly, unexpected errors)."""
    barrier = threading.Barrier(len(clients))
    booked, refused, errors = [], [], []

    def attempt(client) -> None:
        try:
            barrier.wait()
            services.book_class(client=client, session_id=session_id, quantity=quantity)
            booked.append(client.pk)
        except services.SessionFull:
            refused.append(client.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return len(booked), len(refused), errors


def _active_spots(session_id: int) -> int:
    return (
        Booking.objects.filter(class_session_id=session_id, status__in=ACTIVE_VALUES).aggregate(s=Sum("quantity"))["s"]
        or 0
    )


@pytest.fixture
def race_settings(settings):
    settings.SHALA_RACE_PAUSES = {"booking-claim": 0.02}
    return settings


@pytest.fixture
def clients():
    return [UserFactory() for _ in range(ATTEMPTS)]


def test_fifty_simultaneous_bookings_fill_ten_spots_exactly(race_settings, clients):
    assert connection.vendor == "postgresql"
    session = upcoming_class(capacity=CAPACITY)

    booked, refused, errors = _race(session.pk, clients)

    assert errors == []
    assert (booked, refused) == (CAPACITY, ATTEMPTS - CAPACITY)
    counter = ClassSession.objects.get(pk=session.pk).spots_taken
    assert counter == _active_spots(session.pk) == CAPACITY


def test_parties_of_different_sizes_never_overfill(race_settings, clients):
    session = upcoming_class(capacity=CAPACITY)
    booked_two, _, errors = _race(session.pk, clients[:20], quantity=2)  # 40 spots wanted
    assert errors == []
    counter = ClassSession.objects.get(pk=session.pk).spots_taken
    assert booked_two == 5 and counter == _active_spots(session.pk) == CAPACITY


def test_negative_control_without_the_lock_the_same_race_oversells(race_settings, clients):
    race_settings.SHALA_RACE_UNGUARDED = {"booking"}
    session = upcoming_class(capacity=CAPACITY)

    booked, _refused, errors = _race(session.pk, clients)

    assert errors == []
    # The naive read-then-write lets more clients in than there are spots, and the
    # counter no longer matches the bookings: exactly the bug the lock prevents.
    assert booked > CAPACITY
    assert _active_spots(session.pk) > CAPACITY
    assert ClassSession.objects.get(pk=session.pk).spots_taken != _active_spots(session.pk)


def test_concurrent_cancellations_and_bookings_keep_the_counter_true(race_settings, clients):
    session = upcoming_class(capacity=CAPACITY)
    first, _, _ = _race(session.pk, clients[:CAPACITY])
    assert first == CAPACITY
    to_cancel = list(Booking.objects.filter(class_session=session)[:5])
    barrier = threading.Barrier(5 + 20)
    errors: list[Exception] = []

    def cancel(booking):
        try:
            barrier.wait()
            services.cancel_booking(booking=booking, actor=None)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def book(client):
        try:
            barrier.wait()
            services.book_class(client=client, session_id=session.pk, quantity=1)
        except services.SessionFull:
            pass
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel, args=(b,)) for b in to_cancel]
    threads += [threading.Thread(target=book, args=(c,)) for c in clients[CAPACITY : CAPACITY + 20]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    counter = ClassSession.objects.get(pk=session.pk).spots_taken
    assert counter == _active_spots(session.pk) <= CAPACITY


def test_the_same_form_submitted_twice_at_once_books_once(race_settings):
    session = upcoming_class(capacity=CAPACITY)
    client = UserFactory()
    barrier = threading.Barrier(2)
    results: list = []

    def submit():
        try:
            barrier.wait()
            results.append(
                services.book_class(client=client, session_id=session.pk, quantity=2, idempotency_key="same")
            )
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert all(isinstance(r, Booking) for r in results), results
    assert results[0].pk == results[1].pk
    assert Booking.objects.count() == 1 and ClassSession.objects.get(pk=session.pk).spots_taken == 2
