"""Holds waiting for an online payment: released at their deadline, and their Checkout pages closed.

A payment hold has no other owner (no offer to expire it first), so it need not wait
for bookings' ``OWNER_GRACE``: this sweep releases it through bookings' ``release_hold``
as soon as its deadline passes. Whoever releases a hold (this sweep, bookings'
``expire_holds``, the client), ``hold_released`` closes the hold's open Checkout page
after commit (handlers.close_checkout), since Stripe would keep it open 30 minutes.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.services import release_hold
from bookings.transitions import Status
from payments.models import Payment, PaymentStatus, Provider


def awaiting_payment() -> Exists:
    """A hold made for an online payment: it has a Stripe payment (pending, or failed and to try again)."""
    return Exists(Payment.objects.filter(booking=OuterRef("pk"), provider=Provider.STRIPE))


def expire_payment_holds(*, now: datetime | None = None, limit: int = 500) -> int:
    """Release holds made for an online payment once their deadline has passed. Idempotent."""
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(awaiting_payment(), status=BookingStatus.PENDING, hold_until__lte=now)
        .order_by("hold_until")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for pk in due:
        booking = Booking.objects.get(pk=pk)
        if release_hold(booking=booking, to=Status.EXPIRED, actor=None, reason="not paid in time"):
            expired += 1
    return expired


def open_checkouts(booking: Booking) -> list[str]:
    """The Checkout Session ids of this booking's payments still pending."""
    return list(
        booking.payments.filter(provider=Provider.STRIPE, status=PaymentStatus.PENDING)
        .exclude(checkout_session_id="")
        .values_list("checkout_session_id", flat=True)
    )
