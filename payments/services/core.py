"""Shared parts of the ledger services: errors, permission checks, amounts and the locks.

Lock order (docs/architecture.md): the booking comes first (bookings' ``lock_booking``:
its class session, then the booking row), then its payment and refund rows. Every
ledger write holds the booking row, so two writers on one booking's money queue up
and each sees the other's committed counters (guard ``payment`` in ``config.race``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from bookings.services import BookingError, NotPermitted, RequestMeta, lock_booking, log_event
from config import race
from payments.balance import balance_due

ADD_PAYMENT = "payments.add_payment"
CHANGE_PAYMENT = "payments.change_payment"
ADD_REFUND = "payments.add_refund"
CHANGE_REFUND = "payments.change_refund"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999.99")  # the columns' max_digits=9, decimal_places=2


class PaymentError(BookingError):
    """A ledger action that cannot be done; str() is the message staff see."""


def check_may(actor: User | None, permission: str, message: str) -> None:
    """Staff holding ``permission``; ``None`` is the system (webhooks, tasks, a cancellation's refund).

    A client never records money, whatever permissions an account was given by mistake.
    """
    if actor is None:
        return
    if not (actor.is_authenticated and actor.is_staff and actor.is_active and actor.has_perm(permission)):
        raise NotPermitted(message)


def clean_amount(amount: object) -> Decimal:
    """A positive amount in cents, or a PaymentError saying what is wrong with it."""
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise PaymentError(_("Enter an amount such as 12.50.")) from None
    if not value.is_finite():
        raise PaymentError(_("Enter an amount such as 12.50."))
    if value <= 0:
        raise PaymentError(_("The amount must be more than zero."))
    if value != value.quantize(CENT):
        raise PaymentError(_("Amounts are in whole cents."))
    if value > MAX_AMOUNT:
        raise PaymentError(_("That amount is too large."))
    return value.quantize(CENT)


def lock_for_money(booking: Booking) -> Booking:
    """The booking, locked (after its class session), re-read with its current counters.

    The race tests' negative control (guard ``payment`` off) reads it without the lock.
    """
    if not race.locking("payment"):
        return Booking.objects.select_related("class_session", "policy").get(pk=booking.pk)
    return lock_booking(booking)


def due(booking: Booking) -> Decimal:
    """What the client still owes on this booking (payments.balance)."""
    return balance_due(
        status=booking.status,
        total=booking.total,
        fee=booking.fee_charged,
        paid=booking.amount_paid,
        refunded=booking.amount_refunded,
        refund_pending=booking.amount_refund_pending,
    )


def refundable(booking: Booking) -> Decimal:
    """What may still be refunded on this booking: paid, less refunded and owed back."""
    return booking.amount_paid - booking.amount_refunded - booking.amount_refund_pending


def save_counters(
    booking: Booking, *, paid: Decimal = Decimal(0), refunded: Decimal = Decimal(0), pending: Decimal = Decimal(0)
) -> None:
    """Move the booking's counters by these amounts; the CHECKs refuse a result that breaks invariant 6.

    Written as values read under the booking's lock (so the negative control, which reads
    without it, loses an update the way a real unlocked path would).
    """
    booking.amount_paid += paid
    booking.amount_refunded += refunded
    booking.amount_refund_pending += pending
    booking.save(update_fields=["amount_paid", "amount_refunded", "amount_refund_pending", "updated_at"])


def log_money(booking: Booking, *, actor: User | None, meta: RequestMeta, reason: str, data: dict) -> None:
    """A line in the booking's history for every movement of money (its status does not change)."""
    log_event(
        booking, actor=actor, from_status=booking.status, to_status=booking.status, meta=meta, reason=reason, data=data
    )
