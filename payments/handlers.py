"""Receivers of bookings' signals: the ledger's side of a cancellation."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.db import transaction
from django.dispatch import receiver

from bookings.models import Booking
from bookings.services import RequestMeta
from bookings.signals import hold_awaits_payment, hold_released, refund_due
from payments import services


@receiver(refund_due, dispatch_uid="payments.refund_due")
def record_policy_refund(
    sender, *, booking: Booking, amount: Decimal, actor, meta: RequestMeta, reason: str = "", **kwargs
) -> None:
    """Owe back what the cancellation policy gives, in the cancellation's own transaction."""
    services.refund_for_policy(booking=booking, amount=amount, actor=actor, meta=meta, reason=reason)


@receiver(hold_released, dispatch_uid="payments.close_checkout")
def close_checkout(sender, *, booking: Booking, to: str, **kwargs) -> None:
    """A hold ended unpaid: close its Checkout pages after commit, so nobody pays for it any more.

    A payment that still slips through (paid in the moment before) is booked again if the
    spot is free, else refunded (payments.webhooks).
    """
    from payments.holds import open_checkouts
    from payments.tasks import expire_checkout

    for session_id in open_checkouts(booking):
        transaction.on_commit(partial(expire_checkout.delay, session_id))


@receiver(hold_awaits_payment, dispatch_uid="payments.send_payment_link")
def send_payment_link(sender, *, booking: Booking, **kwargs) -> None:
    """An approved pay-online request: after commit, open its Checkout page and send the link."""
    from payments.tasks import send_payment_link as task

    transaction.on_commit(partial(task.delay, booking.pk))
