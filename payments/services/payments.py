"""Taking money: record a payment, and move a pending (online) one to succeeded or failed."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from bookings.services import ADMIN, RequestMeta
from config.db_retry import retry_on_conflict
from payments import signals
from payments.models import DESK_METHODS, Method, Payment, PaymentStatus, Provider
from payments.services.core import (
    ADD_PAYMENT,
    CHANGE_PAYMENT,
    PaymentError,
    check_may,
    clean_amount,
    due,
    lock_for_money,
    log_money,
    save_counters,
)


@retry_on_conflict
@transaction.atomic
def record_payment(
    *,
    booking: Booking,
    amount: Decimal | str,
    method: str,
    actor: User | None,
    provider: str = Provider.DESK,
    checkout_session_id: str = "",
    payment_intent_id: str = "",
    note: str = "",
    meta: RequestMeta = ADMIN,
) -> Payment:
    """Record money taken for a booking. Locks the booking, then writes the row and the counter.

    Desk methods (cash, card terminal, bank transfer) succeed at once and may not take more
    than the balance due; other methods start pending until the provider confirms them
    (``mark_payment_succeeded``). Staff need ``payments.add_payment``; ``actor=None`` is the system.
    """
    check_may(actor, ADD_PAYMENT, _("You may not record payments."))
    amount = clean_amount(amount)
    if method not in Method.values:
        raise PaymentError(_("Choose how the client paid."))
    booking = lock_for_money(booking)
    at_desk = method in DESK_METHODS
    if at_desk and amount > due(booking):
        raise PaymentError(
            _("That is more than the %(due)s %(currency)s due on this booking.")
            % {"due": due(booking), "currency": booking.currency}
        )
    now = timezone.now()
    payment = Payment.objects.create(
        booking=booking,
        amount=amount,
        currency=booking.currency,
        method=method,
        provider=provider,
        checkout_session_id=checkout_session_id,
        payment_intent_id=payment_intent_id,
        status=PaymentStatus.SUCCEEDED if at_desk else PaymentStatus.PENDING,
        succeeded_at=now if at_desk else None,
        recorded_by=actor if actor and actor.pk else None,
        note=note.strip()[:255],
    )
    if at_desk:
        save_counters(booking, paid=amount)
    log_money(
        booking,
        actor=actor,
        meta=meta,
        reason="payment received" if at_desk else "payment started",
        data={"payment": payment.pk, "amount": str(amount), "currency": booking.currency, "method": method},
    )
    if at_desk:
        signals.payment_succeeded.send(sender=Payment, payment=payment, booking=booking, actor=actor)
    return payment


@retry_on_conflict
@transaction.atomic
def mark_payment_succeeded(*, payment: Payment, actor: User | None, meta: RequestMeta = ADMIN) -> Payment:
    """A pending payment went through: it counts as paid from now. A second call does nothing.

    Staff need ``payments.change_payment``; the provider's webhook is the system (``None``).
    """
    check_may(actor, CHANGE_PAYMENT, _("You may not change payments."))
    booking = lock_for_money(payment.booking)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == PaymentStatus.SUCCEEDED:
        return payment
    if payment.status != PaymentStatus.PENDING:
        raise PaymentError(
            _("This payment has already %(status)s: record a new one.")
            % {"status": payment.get_status_display().lower()}
        )
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.save(update_fields=["status", "succeeded_at"])
    save_counters(booking, paid=payment.amount)
    log_money(
        booking,
        actor=actor,
        meta=meta,
        reason="payment received",
        data={"payment": payment.pk, "amount": str(payment.amount), "currency": payment.currency},
    )
    signals.payment_succeeded.send(sender=Payment, payment=payment, booking=booking, actor=actor)
    return payment


@retry_on_conflict
@transaction.atomic
def mark_payment_failed(
    *, payment: Payment, actor: User | None, reason: str = "", meta: RequestMeta = ADMIN
) -> Payment:
    """A pending payment did not go through; nothing was paid. A second call does nothing.

    A succeeded payment never fails afterwards: money that goes back is a refund.
    """
    check_may(actor, CHANGE_PAYMENT, _("You may not change payments."))
    booking = lock_for_money(payment.booking)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == PaymentStatus.FAILED:
        return payment
    if payment.status != PaymentStatus.PENDING:
        raise PaymentError(_("Only a pending payment can fail; money already taken goes back as a refund."))
    payment.status = PaymentStatus.FAILED
    payment.note = (reason.strip() or payment.note)[:255]
    payment.save(update_fields=["status", "note"])
    log_money(
        booking,
        actor=actor,
        meta=meta,
        reason="payment failed",
        data={"payment": payment.pk, "amount": str(payment.amount), "why": reason[:200]},
    )
    signals.payment_failed.send(sender=Payment, payment=payment, booking=booking, actor=actor, reason=reason[:200])
    return payment
