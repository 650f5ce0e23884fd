"""Invariant 6 under real concurrency on PostgreSQL: refunds at once never give back more than was paid.

Two staff members refund the same payment at the same moment, each in its own thread and
connection, released by a barrier; a pause at "refund-allocate" (after reading what is
left, before writing) widens the window. With the booking's lock (guard "payment") one
of them is refused; the negative control switches the lock off and the same race refunds
more than was paid while the counter loses an update, so the CHECK alone cannot see it.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.db.models import Sum

from bookings import services as booking_services
from bookings.models import Booking
from payments import services
from payments.models import Refund, RefundStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race_settings(settings):
    settings.SHALA_RACE_PAUSES = {"refund-allocate": 0.2}
    return settings


def _at_once(*actions) -> tuple[int, int, list[Exception]]:
    """Run the actions together; return (done, refused with a message, unexpected errors)."""
    barrier = threading.Barrier(len(actions))
    done, refused, errors = [], [], []

    def run(action) -> None:
        try:
            barrier.wait()
            action()
            done.append(1)
        except services.PaymentError:
            refused.append(1)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return len(done), len(refused), errors


def _owed_or_paid(booking: Booking) -> Decimal:
    rows = Refund.objects.filter(booking=booking, status__in=[RefundStatus.PENDING, RefundStatus.SUCCEEDED])
    return rows.aggregate(s=Sum("amount"))["s"] or Decimal("0")


def _two_refunds(paid: Booking, desk) -> tuple[int, int, list[Exception]]:
    payment = paid.payments.get()
    refund = lambda: services.record_refund(payment=payment, amount="8.00", actor=desk, reason="at once")  # noqa: E731
    return _at_once(refund, refund)


def test_two_refunds_at_once_never_exceed_what_was_paid(race_settings, paid, desk):
    done, refused, errors = _two_refunds(paid, desk)

    assert errors == []
    assert (done, refused) == (1, 1)
    paid.refresh_from_db()
    assert _owed_or_paid(paid) == paid.amount_refund_pending == Decimal("8.00") <= paid.amount_paid


def test_negative_control_without_the_booking_lock_the_same_race_refunds_too_much(race_settings, paid, desk):
    race_settings.SHALA_RACE_UNGUARDED = {"payment"}

    done, _refused, errors = _two_refunds(paid, desk)

    assert errors == []
    paid.refresh_from_db()
    # Both read 12.00 left and both wrote: 16.00 owed on 12.00 paid, and the counter lost
    # one of the updates, so it still looks fine to the CHECK. The lock is what prevents it.
    assert done == 2
    assert _owed_or_paid(paid) == Decimal("16.00") > paid.amount_paid
    assert paid.amount_refund_pending == Decimal("8.00")


def test_a_cancellation_and_a_staff_refund_at_once_never_exceed_what_was_paid(race_settings, paid, desk, session):
    payment = paid.payments.get()
    done, refused, errors = _at_once(
        lambda: booking_services.cancel_booking(booking=paid, actor=None, now=session.starts_at - timedelta(hours=48)),
        lambda: services.record_refund(payment=payment, amount="8.00", actor=desk, reason="at once"),
    )

    assert errors == []
    paid.refresh_from_db()
    assert paid.status == "cancelled"
    # Whichever came first, the two together owe back exactly what was paid, never more.
    assert _owed_or_paid(paid) == paid.amount_refund_pending == Decimal("12.00")
    assert done + refused == 2
