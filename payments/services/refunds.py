"""Giving money back: record a refund owed, pay it out (or see it fail), and the policy's refund.

A refund is owed (pending) from the moment it is recorded, and counted in the booking's
``amount_refund_pending``; paid back, it moves to ``amount_refunded``. Both together never
exceed ``amount_paid`` (a CHECK), and each payment gives back at most its own amount.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from bookings.services import ADMIN, RequestMeta
from config import race
from config.db_retry import retry_on_conflict
from payments import refund_api, signals
from payments.models import DESK_METHODS, Payment, PaymentStatus, Provider, Refund, RefundStatus
from payments.services.core import (
    ADD_REFUND,
    CHANGE_REFUND,
    PaymentError,
    check_may,
    clean_amount,
    lock_for_money,
    log_money,
    refundable,
    save_counters,
)

OWED_OR_PAID = (RefundStatus.PENDING, RefundStatus.SUCCEEDED)


def refundable_on(payment: Payment) -> Decimal:
    """What this payment can still give back: its amount less refunds owed or paid on it."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return Decimal("0.00")
    taken = payment.refunds.filter(status__in=OWED_OR_PAID).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return payment.amount - taken


def _create(payment: Payment, booking: Booking, amount: Decimal, actor: User | None, reason: str) -> Refund:
    """The refund row; one owed on a Stripe payment goes to Stripe after commit (payments.refund_api)."""
    refund = Refund.objects.create(
        payment=payment,
        booking=booking,
        amount=amount,
        currency=payment.currency,
        reason=reason.strip()[:255],
        recorded_by=actor if actor and actor.pk else None,
    )
    if payment.provider == Provider.STRIPE:
        refund_api.send_after_commit(refund)
    return refund


@retry_on_conflict
@transaction.atomic
def record_refund(
    *, payment: Payment, amount: Decimal | str, actor: User | None, reason: str, meta: RequestMeta = ADMIN
) -> Refund:
    """Owe the client ``amount`` back on ``payment``: never more than it, or the booking, has left.

    Locks the booking, then checks and counts. Staff need ``payments.add_refund`` and give a reason.
    """
    check_may(actor, ADD_REFUND, _("You may not record refunds."))
    amount = clean_amount(amount)
    if actor is not None and not reason.strip():
        raise PaymentError(_("Say why the money goes back."))
    booking = lock_for_money(payment.booking)
    payment = Payment.objects.get(pk=payment.pk)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise PaymentError(_("Only a payment that went through can be refunded."))
    left = min(refundable_on(payment), refundable(booking))
    race.pause("refund-allocate")
    if amount > left:
        raise PaymentError(
            _("At most %(left)s %(currency)s can be refunded on this payment.")
            % {"left": left, "currency": payment.currency}
        )
    refund = _create(payment, booking, amount, actor, reason)
    save_counters(booking, pending=amount)
    log_money(
        booking,
        actor=actor,
        meta=meta,
        reason="refund owed",
        data={"refund": refund.pk, "payment": payment.pk, "amount": str(amount), "why": reason[:200]},
    )
    return refund


def refund_for_policy(
    *, booking: Booking, amount: Decimal, actor: User | None, meta: RequestMeta, reason: str = ""
) -> list[Refund]:
    """The refund a cancellation computed, owed on the booking's payments (newest first).

    Runs inside the cancellation, which holds the booking's lock and checked who may
    cancel (the refund is part of that one decision); capped at what the booking has
    left to give back, so nothing is owed when nothing was paid.
    """
    left = min(amount, refundable(booking))
    race.pause("refund-allocate")
    refunds: list[Refund] = []
    for payment in booking.payments.filter(status=PaymentStatus.SUCCEEDED).order_by("-succeeded_at", "-pk"):
        if left <= 0:
            break
        share = min(left, refundable_on(payment))
        if share > 0:
            refunds.append(_create(payment, booking, share, actor, reason or "cancellation"))
            left -= share
    total = sum((r.amount for r in refunds), Decimal("0.00"))
    if total:
        save_counters(booking, pending=total)
        log_money(
            booking,
            actor=actor,
            meta=meta,
            reason="refund owed",
            data={"refunds": [r.pk for r in refunds], "amount": str(total), "why": "cancellation policy"},
        )
    return refunds


def _locked(refund: Refund) -> tuple[Booking, Refund]:
    booking = lock_for_money(refund.booking)
    return booking, Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)


@retry_on_conflict
@transaction.atomic
def mark_refund_paid(
    *,
    refund: Refund,
    actor: User | None,
    method: str = "",
    provider_refund_id: str = "",
    meta: RequestMeta = ADMIN,
) -> Refund:
    """The money owed went back to the client (at the desk, or the provider confirmed it).

    Staff pay out by cash, card terminal or bank transfer and need ``payments.change_refund``.
    A second call does nothing.
    """
    check_may(actor, CHANGE_REFUND, _("You may not pay out refunds."))
    if actor is not None and method not in DESK_METHODS:
        raise PaymentError(_("Choose how the money went back: cash, card terminal or bank transfer."))
    booking, refund = _locked(refund)
    if refund.status == RefundStatus.SUCCEEDED:
        return refund
    if refund.status != RefundStatus.PENDING:
        raise PaymentError(_("This refund failed; record a new one."))
    if actor is not None and refund.payment.provider == Provider.STRIPE:
        raise PaymentError(_("Stripe pays this refund back to the card; it is marked paid when Stripe confirms it."))
    refund.status = RefundStatus.SUCCEEDED
    refund.succeeded_at = timezone.now()
    refund.method = method or refund.payment.method
    refund.provider_refund_id = provider_refund_id or refund.provider_refund_id
    refund.paid_by = actor if actor and actor.pk else None
    refund.save(update_fields=["status", "succeeded_at", "method", "provider_refund_id", "paid_by"])
    save_counters(booking, refunded=refund.amount, pending=-refund.amount)
    log_money(
        booking,
        actor=actor,
        meta=meta,
        reason="refund paid",
        data={"refund": refund.pk, "amount": str(refund.amount), "method": refund.method},
    )
    signals.refund_succeeded.send(sender=Refund, refund=refund, booking=booking, actor=actor)
    return refund


@retry_on_conflict
@transaction.atomic
def mark_refund_failed(*, refund: Refund, actor: User | None, reason: str = "", meta: RequestMeta = ADMIN) -> Refund:
    """The refund could not be paid: it is no longer owed (a new one may be recorded). Idempotent."""
    check_may(actor, CHANGE_REFUND, _("You may not change refunds."))
    booking, refund = _locked(refund)
    if refund.status == RefundStatus.FAILED:
        return refund
    if refund.status != RefundStatus.PENDING:
        raise PaymentError(_("This refund was paid back already."))
    refund.status = RefundStatus.FAILED
    refund.failed_at = timezone.now()
    refund.save(update_fields=["status", "failed_at"])
    save_counters(booking, pending=-refund.amount)
    log_money(
        booking,
        actor=actor,
        meta=meta,
        reason="refund failed",
        data={"refund": refund.pk, "amount": str(refund.amount), "why": reason[:200]},
    )
    return refund
