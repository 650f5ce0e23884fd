"""Stripe's webhook events, each applied once, in any order, through the ledger services.

An event is stored by id (``ProviderEvent``, unique) in the same transaction as what it
changes, so a second delivery finds it and changes nothing, and a failure rolls both
back for Stripe to deliver again. Handlers look the payment or refund up by the ids and
metadata we gave Stripe, act only on rows still pending, and never confirm twice: a
completed Checkout that arrives after an "expired" one still books (or refunds), an
"expired" after "completed" does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.services import TASK, lock_therapist, log_event, reclaim_hold
from bookings.services import confirm_hold as confirm_booking_hold
from payments import signals
from payments.models import Payment, PaymentStatus, Provider, ProviderEvent, Refund, RefundStatus
from payments.services import (
    mark_payment_failed,
    mark_payment_succeeded,
    mark_refund_failed,
    mark_refund_paid,
    record_refund,
    refundable_on,
)

log = logging.getLogger(__name__)
Obj = dict[str, Any]


def process_event(event: Obj) -> bool:
    """Apply one verified event; False when it was seen before (nothing changes)."""
    handler = HANDLERS.get(event["type"])
    try:
        with transaction.atomic():
            with transaction.atomic():
                row = ProviderEvent.objects.create(
                    provider=Provider.STRIPE, event_id=event["id"], type=event["type"], payload=event
                )
            if handler is not None:
                handler(event["data"]["object"])
            row.processed_at = timezone.now()
            row.save(update_fields=["processed_at"])
    except IntegrityError:
        if ProviderEvent.objects.filter(provider=Provider.STRIPE, event_id=event["id"]).exists():
            return False
        raise
    return True


def _payment_for_session(session: Obj) -> Payment | None:
    found = Payment.objects.filter(provider=Provider.STRIPE, checkout_session_id=session["id"]).first()
    if found is None and (pk := (session.get("metadata") or {}).get("payment", "")).isdigit():
        # The webhook came before the session's id was saved on the payment.
        found = Payment.objects.filter(provider=Provider.STRIPE, pk=int(pk)).first()
    if found is None:
        log.warning("Stripe checkout session %s matches no payment", session["id"])
    return found


def _checkout_completed(session: Obj) -> None:
    if session.get("payment_status") in ("paid", "no_payment_required"):
        _settle(session)
    elif payment := _payment_for_session(session):
        _keep_intent(payment, session)  # an async method (a bank debit): settled by a later event


def _keep_intent(payment: Payment, session: Obj) -> None:
    updates = {"checkout_session_id": session["id"]}
    if intent := session.get("payment_intent") or "":
        updates["payment_intent_id"] = intent
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(**updates)


def _settle(session: Obj) -> None:
    """The money arrived: count it, then confirm the hold, take the spot again, or give it back."""
    payment = _payment_for_session(session)
    if payment is None or payment.status == PaymentStatus.SUCCEEDED:
        return
    booking = payment.booking
    if booking.practitioner_id and not booking.class_session_id:
        lock_therapist(booking.practitioner_id)  # the first lock of the order, before the booking's
    _keep_intent(payment, session)
    if payment.status != PaymentStatus.PENDING:
        # A payment we had marked failed (an expired page) was paid after all: a new row is the fact.
        log.warning("Stripe paid checkout %s of a %s payment", session["id"], payment.status)
        return
    payment = mark_payment_succeeded(payment=payment, actor=None, meta=TASK)  # sends payment_succeeded
    _place(booking, payment)


def _place(booking: Booking, payment: Payment) -> None:
    booking.refresh_from_db()
    if booking.status == BookingStatus.PENDING:
        confirm_booking_hold(booking=booking, actor=None, meta=TASK, reason="paid online")
        return
    if booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        return
    if reclaim_hold(booking=booking, meta=TASK, reason="paid online after the hold ended"):
        return
    refund = record_refund(
        payment=payment, amount=refundable_on(payment), actor=None, reason="paid after the hold ended", meta=TASK
    )
    signals.late_payment_refunded.send(sender=Payment, payment=payment, booking=booking, refund=refund)


def _checkout_failed(session: Obj, reason: str) -> None:
    payment = _payment_for_session(session)
    if payment is None or payment.status != PaymentStatus.PENDING:
        return
    mark_payment_failed(payment=payment, actor=None, reason=reason, meta=TASK)  # sends payment_failed


def _refund_changed(refund_obj: Obj) -> None:
    refund = Refund.objects.filter(provider_refund_id=refund_obj["id"]).first()
    if refund is None and (pk := (refund_obj.get("metadata") or {}).get("refund", "")).isdigit():
        refund = Refund.objects.filter(pk=int(pk)).first()
    if refund is None:
        log.warning("Stripe refund %s matches no refund", refund_obj["id"])
        return
    if refund.status != RefundStatus.PENDING:
        return
    status = refund_obj.get("status")
    if status == "succeeded":
        mark_refund_paid(
            refund=refund, actor=None, provider_refund_id=refund_obj["id"], meta=TASK
        )  # sends refund_succeeded
    elif status in ("failed", "canceled"):
        mark_refund_failed(refund=refund, actor=None, reason=f"stripe: {status}", meta=TASK)


def _charge_refunded(charge: Obj) -> None:
    for refund_obj in (charge.get("refunds") or {}).get("data", []):
        _refund_changed(refund_obj)


def _dispute_created(dispute: Obj) -> None:
    """The client disputed the charge with their bank: flag the payment and the booking for staff."""
    payment = Payment.objects.filter(provider=Provider.STRIPE, payment_intent_id=dispute.get("payment_intent")).first()
    if payment is None or payment.disputed_at:
        return
    Payment.objects.filter(pk=payment.pk).update(disputed_at=timezone.now())
    booking = payment.booking
    log_event(
        booking,
        actor=None,
        from_status=booking.status,
        to_status=booking.status,
        meta=TASK,
        reason="payment disputed",
        data={"payment": payment.pk, "dispute": dispute["id"], "reason": dispute.get("reason", "")},
    )


HANDLERS: dict[str, Callable[[Obj], None]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _settle,
    "checkout.session.async_payment_failed": lambda s: _checkout_failed(s, "payment failed"),
    "checkout.session.expired": lambda s: _checkout_failed(s, "checkout expired"),
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
    "charge.dispute.created": _dispute_created,
}
