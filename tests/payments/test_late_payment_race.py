"""A payment arriving as its hold expires (PostgreSQL): the webhook and the expiry at the same moment.

Two threads, each with its own connection, released at once by a barrier: Stripe's
"completed" webhook for a hold that is past its deadline, and the sweep that expires it.
A pause after each has read "pending" (``hold-answer``) widens the window. With the locks
on, whoever goes first, the client ends up booked once, the spot counted once, and no
money is kept without a booking. The negative control switches the hold's locks off
(guard ``hold``): both then write, and the booking is lost or oversold, with the money kept.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.transitions import ACTIVE_VALUES
from payments import checkout, webhooks
from payments.holds import expire_payment_holds
from payments.models import Payment
from schedules.models import ClassSession, PaymentMode
from tests.bookings.conftest import upcoming_class
from tests.payments.stripe_fakes import (
    answer_checkout,
    answer_expire,
    event,
    session_obj,
)


@pytest.fixture
def racing(settings, stripe_keys, stripe_http, client_user):
    settings.SHALA_RACE_PAUSES = {"hold-answer": 0.2}
    session = upcoming_class(capacity=3, price="12.00")
    session.class_type.payment_mode = PaymentMode.ONLINE
    session.class_type.save()
    answer_checkout(stripe_http, "cs_race")
    answer_expire(stripe_http, "cs_race")
    started = checkout.book_class_online(
        client=client_user,
        session_id=session.pk,
        quantity=1,
        note="",
        attempt_key="race",
        urls=checkout.ReturnUrls(base="http://testserver/"),
    )
    assert started.payment is not None
    return settings, Payment.objects.get(pk=started.payment.pk)


def _webhook_racing_expiry(payment: Payment) -> tuple[int, list[Exception]]:
    barrier = threading.Barrier(2)
    outcome = {"expired": 0}
    errors: list[Exception] = []
    due = timezone.now() + timedelta(minutes=20)

    def webhook() -> None:
        try:
            barrier.wait()
            webhooks.process_event(event("checkout.session.completed", session_obj(payment)))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def expire() -> None:
        try:
            barrier.wait()
            outcome["expired"] = expire_payment_holds(now=due)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=webhook), threading.Thread(target=expire)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcome["expired"], errors


def spots_counted(booking: Booking) -> tuple[int, int]:
    """(the session's counter, the spots its active bookings hold)."""
    taken = ClassSession.objects.get(pk=booking.class_session_id).spots_taken
    active = Booking.objects.filter(class_session_id=booking.class_session_id, status__in=ACTIVE_VALUES)
    return taken, sum(active.values_list("quantity", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_its_holds_expiry_books_once_and_keeps_no_money_without_a_booking(racing):
    assert connection.vendor == "postgresql"
    _, payment = racing

    _, errors = _webhook_racing_expiry(payment)

    assert errors == []
    booking = Booking.objects.get(pk=payment.booking_id)
    # Either order ends the same: confirmed by the webhook, or expired and then taken
    # again by the late payment (the spot was still free).
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.amount_paid == Decimal("12.00") and booking.amount_refund_pending == 0
    assert spots_counted(booking) == (1, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_negative_control_without_the_holds_locks_the_money_is_kept_without_its_spot(racing):
    settings_, payment = racing
    settings_.SHALA_RACE_UNGUARDED = ("hold",)

    expired, errors = _webhook_racing_expiry(payment)

    assert errors == []
    booking = Booking.objects.get(pk=payment.booking_id)
    # Both wrote: the expiry freed the spot of a booking the webhook confirmed (or
    # expired it after), so the money is counted while the spot is not.
    assert expired == 1
    assert booking.amount_paid == Decimal("12.00") and booking.amount_refund_pending == 0
    taken, _ = spots_counted(booking)
    assert taken == 0
    moves = booking.events.exclude(from_status="").values_list("from_status", "to_status")
    assert {("pending", "confirmed"), ("pending", "expired")} <= set(moves)
