"""What the ledger tells clients, as outbox rows written by the receivers of ``payments.signals``.

Every message is keyed by its ledger row (``payment:<id>:received``…), so a transition
seen twice, a webhook delivered twice or a retried task queues nothing more; the balance
reminder is keyed by its booking (once per booking). Words kept in a row (the method's
name) are in the client's language (bookings.messages.in_language_of).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from bookings.messages import booking_context, in_language_of
from bookings.models import Booking
from bookings.transitions import Status
from notifications.services import Message, notify, notify_many
from payments import receipts, selectors, signals
from payments.models import Method, Payment, Refund
from payments.services import due


def receipt_url(booking: Booking) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("payments:receipt", args=[booking.reference])


def _about(booking: Booking) -> dict:
    """The booking as the client reads it, without the calendar event (these are not invitations)."""
    context = booking_context(booking)
    context.pop("calendar", None)
    return {**context, "receipt_url": receipt_url(booking)}


def _method_name(booking: Booking, method: str) -> str:
    with in_language_of(booking.client):
        return str(Method(method).label) if method in Method.values else method


def payment_received(payment: Payment, booking: Booking) -> None:
    """The receipt: items, tax, total, how and when it was paid, its reference, the studio."""
    context = {
        **_about(booking),
        "items": receipts.items(booking),
        "tax": str(booking.tax) if booking.tax else "",
        "tax_added": booking.tax_added,  # on top of the prices (a rate not included), else included
        "discount": str(booking.discount) if booking.discount else "",
        "amount": str(payment.amount),
        "method": _method_name(booking, payment.method),
        "receipt_number": receipts.receipt_number(payment),
        "provider_reference": payment.payment_intent_id,
        "paid_at": (payment.succeeded_at or timezone.now()).isoformat(),
        "amount_paid": str(booking.amount_paid),
        "balance_due": str(due(booking)),
        "studio": receipts.studio().as_dict(),
    }
    notify(
        recipient=booking.client, kind="payment_received", context=context, dedupe_key=f"payment:{payment.pk}:received"
    )


def payment_failed(payment: Payment, booking: Booking) -> None:
    """An online payment did not go through: what, and where to pay again (the booking's page)."""
    context = {**_about(booking), "amount": str(payment.amount), "balance_due": str(due(booking))}
    notify(recipient=booking.client, kind="payment_failed", context=context, dedupe_key=f"payment:{payment.pk}:failed")


def refund_issued(refund: Refund, booking: Booking) -> None:
    """Money owed back has reached the client."""
    context = {
        **_about(booking),
        "amount": str(refund.amount),
        "method": _method_name(booking, refund.method),
        "refund_number": f"{booking.reference}-R{refund.pk}",
        "refunded_at": (refund.succeeded_at or timezone.now()).isoformat(),
        "studio": receipts.studio().as_dict(),
    }
    notify(recipient=booking.client, kind="refund_issued", context=context, dedupe_key=f"refund:{refund.pk}:paid")


@receiver(signals.payment_succeeded, dispatch_uid="payments.messages.payment_succeeded")
def _on_payment_succeeded(sender, *, payment: Payment, booking: Booking, **kwargs) -> None:
    payment_received(payment, booking)


@receiver(signals.payment_failed, dispatch_uid="payments.messages.payment_failed")
def _on_payment_failed(sender, *, payment: Payment, booking: Booking, **kwargs) -> None:
    payment_failed(payment, booking)


@receiver(signals.refund_succeeded, dispatch_uid="payments.messages.refund_succeeded")
def _on_refund_succeeded(sender, *, refund: Refund, booking: Booking, **kwargs) -> None:
    refund_issued(refund, booking)


# --- balance due before the session (a beat task) ----------------------------------------------


def balance_due_key(booking_id: int) -> str:
    return f"booking:{booking_id}:balance_due"


def send_balance_due_reminders(*, now: datetime | None = None) -> int:
    """Tell each client who still owes money on a confirmed booking, once, before it starts.

    Bookings starting within settings.BALANCE_DUE_REMINDER_HOURS; the key makes it once per
    booking however often the task runs (a payment in between leaves nothing to send).
    Returns how many messages were new.
    """
    hours = settings.BALANCE_DUE_REMINDER_HOURS
    if hours <= 0:
        return 0
    now = now or timezone.now()
    bookings = selectors.owing_before(now=now, until=now + timedelta(hours=hours), status=Status.CONFIRMED)
    batch = [
        Message(
            recipient=b.client,
            kind="balance_due",
            context={**_about(b), "balance_due": str(due(b))},
            dedupe_key=balance_due_key(b.pk),
        )
        for b in bookings
    ]
    if not batch:
        return 0
    with transaction.atomic():
        return notify_many(batch)
