"""A deadlock (or serialization failure) PostgreSQL still finds is retried once, then the
page says "busy, please try again" (409): never a 500, never anything half-done.

The spot claim is made to fail the way a deadlock does: PostgreSQL itself raises
SQLSTATE 40P01 inside the booking's transaction (psycopg's DeadlockDetected, wrapped in
Django's OperationalError), which aborts it, for the first one or two attempts. The
retry (config.db_retry, on the service) runs the whole transaction again.
"""

from __future__ import annotations

import html

import psycopg
import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from bookings import services
from bookings.models import Booking, BookingEvent
from bookings.services import classes, lifecycle
from notifications.models import Notification
from schedules.models import ClassSession
from tests.bookings.conftest import upcoming_class
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUSY = "This class is busy, please try again"


@pytest.fixture
def deadlocks(monkeypatch):
    """``deadlocks(n)``: the next ``n`` spot claims are aborted by PostgreSQL with 40P01."""
    real = services.claim_spots
    left = [0]
    attempts = [0]

    def claim(session_id: int, quantity: int) -> bool:
        attempts[0] += 1
        if left[0]:
            left[0] -= 1
            with connection.cursor() as cursor:
                cursor.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$")
        return real(session_id, quantity)

    monkeypatch.setattr(classes, "claim_spots", claim)  # where book_class looks it up

    def arm(n: int) -> list[int]:
        left[0] = n
        return attempts

    return arm


def test_the_injected_failure_is_a_real_psycopg_deadlock(deadlocks):
    deadlocks(5)
    session = upcoming_class(capacity=5)

    with pytest.raises(OperationalError) as raised:
        services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)

    assert isinstance(raised.value.__cause__, psycopg.errors.DeadlockDetected)


def test_a_booking_that_loses_one_deadlock_is_run_again_and_succeeds(deadlocks):
    attempts = deadlocks(1)
    session = upcoming_class(capacity=5)
    client = UserFactory()

    booking = services.book_class(client=client, session_id=session.pk, quantity=2)

    assert attempts == [2]
    assert Booking.objects.get().pk == booking.pk
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 2
    # The first attempt's event and messages went with its rollback: one of each.
    assert BookingEvent.objects.filter(booking=booking).count() == 1
    assert Notification.objects.filter(recipient=client, kind="booking_confirmed", channel="inapp").count() == 1


def test_a_cancellation_that_loses_one_deadlock_is_run_again(monkeypatch):
    session = upcoming_class(capacity=5)
    booking = services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)
    real = services.release_spots
    calls = []

    def release(session_id: int, quantity: int) -> None:
        calls.append(session_id)
        if len(calls) == 1:
            with connection.cursor() as cursor:
                cursor.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
        real(session_id, quantity)

    monkeypatch.setattr(lifecycle, "release_spots", release)  # where cancel_booking looks it up

    services.cancel_booking(booking=booking, actor=None)

    assert len(calls) == 2
    booking.refresh_from_db()
    assert booking.status == "cancelled" and ClassSession.objects.get(pk=session.pk).spots_taken == 0
    assert BookingEvent.objects.filter(booking=booking, to_status="cancelled").count() == 1


def test_two_deadlocks_in_a_row_give_up_after_the_second_with_nothing_written(deadlocks):
    attempts = deadlocks(2)
    session = upcoming_class(capacity=5)

    with pytest.raises(OperationalError):
        services.book_class(client=UserFactory(), session_id=session.pk, quantity=1)

    assert attempts == [2]  # once more, not forever
    assert not Booking.objects.exists() and not BookingEvent.objects.exists()
    assert ClassSession.objects.get(pk=session.pk).spots_taken == 0


def test_the_booking_page_answers_a_second_deadlock_with_the_busy_page_409(client, deadlocks):
    deadlocks(2)
    session = upcoming_class(capacity=5)
    client.force_login(UserFactory())

    response = client.post(
        reverse("bookings:book_class", args=[session.pk]),
        {"quantity": 1, "token": "t1"},
        HTTP_REFERER=f"http://testserver{session.get_absolute_url()}",
    )

    assert response.status_code == 409
    assert BUSY in html.unescape(response.content.decode())
    assert not Booking.objects.exists()
    # Trying again, as the page says, books.
    assert (
        client.post(reverse("bookings:book_class", args=[session.pk]), {"quantity": 1, "token": "t1"}).status_code
        == 302
    )
