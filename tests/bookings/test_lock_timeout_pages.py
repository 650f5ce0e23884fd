"""A row lock held elsewhere makes a booking page answer "busy, try again" (409), never a 500.

A second PostgreSQL connection holds the row lock a booking needs (the class session
row; the therapist's settings row for therapy), as a long admin transaction or a stuck
worker would. The test's connections get a short lock_timeout the way settings give
every web connection DB_LOCK_TIMEOUT (libpq options, config/db_timeouts.py). Each page
must then answer 409 with the busy message within a moment, having written nothing; the
negative control shows that without the timeout the same request just waits.
"""

from __future__ import annotations

import html
import threading
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from psycopg import sql

from bookings import services
from bookings.models import Booking
from config.db_timeouts import postgres_options
from schedules.models import ClassSession, TherapistSettings
from tests.bookings.conftest import at, upcoming_class
from tests.factories import UserFactory
from tests.waitlist.conftest import full_class, offer_of, wait
from waitlist.models import OfferState, WaitlistEntry, WaitlistSettings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOCK_TIMEOUT = 0.5  # seconds: short, so the test is quick; production's default is 3
QUICKLY = 3.0  # the whole request, lock wait included, well under gunicorn's 30 s
BUSY = "This class is busy, please try again"


@contextmanager
def row_locked(model, pk):
    """Hold ``SELECT … FOR UPDATE`` on one row from a second connection until the block ends."""
    db = connection.settings_dict
    holder = psycopg.connect(
        dbname=db["NAME"],
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )
    try:
        with holder.cursor() as cursor:
            query = sql.SQL("SELECT 1 FROM {} WHERE {} = %s FOR UPDATE").format(
                sql.Identifier(model._meta.db_table), sql.Identifier(model._meta.pk.column)
            )
            cursor.execute(query, [pk])
            assert cursor.fetchone() == (1,), "the row to lock does not exist"
        yield
    finally:
        holder.rollback()
        holder.close()


@pytest.fixture
def db_limits():
    """Give every database connection opened from now on these limits (seconds; 0 = none)."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    before = options.get("options", "")

    def use(*, lock: float, statement: float = 0) -> None:
        options["options"] = postgres_options(before, lock_timeout=lock, statement_timeout=statement)
        connection.close()  # the next query reconnects with them

    yield use
    options["options"] = before
    connection.close()


def _html(response) -> str:
    return html.unescape(response.content.decode())


def _timed_post(client: Client, url: str, data: dict, referer: str):
    started = time.monotonic()
    response = client.post(url, data, HTTP_REFERER=f"http://testserver{referer}")
    return response, time.monotonic() - started


# --- class booking: the busy page, the negative control, a statement timeout ---------------------


def test_booking_a_class_whose_row_is_locked_says_busy_409_at_once_and_books_nothing(client, db_limits):
    session = upcoming_class(capacity=10)
    user = UserFactory()
    client.force_login(user)
    url = reverse("bookings:book_class", args=[session.pk])
    db_limits(lock=LOCK_TIMEOUT)

    with row_locked(ClassSession, session.pk):
        response, elapsed = _timed_post(client, url, {"quantity": 1, "token": "t1"}, session.get_absolute_url())

    assert response.status_code == 409
    page = _html(response)
    assert BUSY in page and "Nothing was booked, changed or charged" in page
    assert f'href="{session.get_absolute_url()}"' in page  # back to the class, to try again
    assert elapsed < QUICKLY
    assert not Booking.objects.exists()
    session.refresh_from_db()
    assert session.spots_taken == 0
    # Once the lock is gone, trying again books.
    assert client.post(url, {"quantity": 1, "token": "t1"}).status_code == 302
    assert Booking.objects.get().client == user


def test_without_a_lock_timeout_the_same_booking_waits_for_the_lock(client, db_limits):
    """Negative control: the 409 above comes from the timeout, not from a lock that was never taken."""
    session = upcoming_class(capacity=10)
    client.force_login(UserFactory())
    url = reverse("bookings:book_class", args=[session.pk])
    db_limits(lock=0)  # no limit at all, as before DB_LOCK_TIMEOUT existed
    answers = []

    def book() -> None:
        try:
            answers.append(client.post(url, {"quantity": 1, "token": "t2"}).status_code)
        finally:
            connections.close_all()

    waiter = threading.Thread(target=book)
    with row_locked(ClassSession, session.pk):
        waiter.start()
        waiter.join(timeout=LOCK_TIMEOUT * 4)
        still_waiting = waiter.is_alive()
    waiter.join(timeout=30)

    assert still_waiting and answers == [302]
    assert Booking.objects.count() == 1


def test_a_statement_timeout_says_try_again_503_and_books_nothing(client, db_limits):
    session = upcoming_class(capacity=10)
    client.force_login(UserFactory())
    url = reverse("bookings:book_class", args=[session.pk])
    db_limits(lock=0, statement=LOCK_TIMEOUT)  # the wait for the lock is cut by the statement limit

    with row_locked(ClassSession, session.pk):
        response, elapsed = _timed_post(client, url, {"quantity": 1, "token": "t3"}, session.get_absolute_url())

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "That took too long, please try again" in _html(response)
    assert elapsed < QUICKLY
    assert not Booking.objects.exists()


# --- every other page that waits on a booking lock -----------------------------------------------


def _cancel(client):
    session = upcoming_class(capacity=10)
    user = UserFactory()
    booking = services.book_class(client=user, session_id=session.pk, quantity=1)
    client.force_login(user)

    def unchanged() -> bool:
        booking.refresh_from_db()
        return booking.status == "confirmed" and booking.events.count() == 1

    return reverse("bookings:cancel", args=[booking.reference]), {"reason": ""}, (ClassSession, session.pk), unchanged


def _change(client):
    session = upcoming_class(capacity=10)
    user = UserFactory()
    booking = services.book_class(client=user, session_id=session.pk, quantity=1)
    client.force_login(user)

    def unchanged() -> bool:
        booking.refresh_from_db()
        return booking.quantity == 1 and booking.events.count() == 1

    data = {"session": "", "quantity": 2}
    return reverse("bookings:change", args=[booking.reference]), data, (ClassSession, session.pk), unchanged


def _join_waitlist(client):
    WaitlistSettings.objects.get_or_create(class_type=None)
    session, _ = full_class(capacity=1)
    user = UserFactory()
    client.force_login(user)

    def unchanged() -> bool:
        return not WaitlistEntry.objects.filter(client=user).exists()

    return reverse("waitlist:join", args=[session.pk]), {"party_size": 1}, (ClassSession, session.pk), unchanged


def _accept_offer(client):
    WaitlistSettings.objects.get_or_create(class_type=None)
    session, booked = full_class(capacity=1)
    entry = wait(session)
    services.cancel_booking(booking=booked[0], actor=None)
    offer = offer_of(entry)
    client.force_login(entry.client)

    def unchanged() -> bool:
        offer.refresh_from_db()
        return offer.state == OfferState.OPEN and offer.booking.status == "pending"

    return reverse("waitlist:accept_offer", args=["class", offer.pk]), {}, (ClassSession, session.pk), unchanged


def _book_therapy(client, massage, therapist):
    user = UserFactory()
    client.force_login(user)

    def unchanged() -> bool:
        return not Booking.objects.filter(client=user).exists()

    data = {"start": at(10).isoformat(), "minutes": 60, "therapist": therapist.pk, "token": "t4"}
    return reverse("bookings:book_therapy", args=[massage.slug]), data, (TherapistSettings, therapist.pk), unchanged


@pytest.mark.parametrize("page", [_cancel, _change, _join_waitlist, _accept_offer, _book_therapy])
def test_every_booking_page_says_busy_409_when_its_lock_is_held(client, db_limits, page, request):
    extra = [request.getfixturevalue(name) for name in ("massage", "therapist")] if page is _book_therapy else []
    url, data, (model, pk), unchanged = page(client, *extra)
    assert unchanged()
    db_limits(lock=LOCK_TIMEOUT)

    with row_locked(model, pk):
        response, elapsed = _timed_post(client, url, data, "/")

    assert response.status_code == 409, response.status_code
    assert BUSY in _html(response)
    assert elapsed < QUICKLY
    assert unchanged()
