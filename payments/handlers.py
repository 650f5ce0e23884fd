"""Receivers of bookings' signals: the ledger's side of a cancellation."""

from __future__ import annotations

from decimal import Decimal

from django.dispatch import receiver

from bookings.models import Booking
from bookings.services import RequestMeta
from bookings.signals import refund_due
from payments import services


@receiver(refund_due, dispatch_uid="payments.refund_due")
def record_policy_refund(
    sender, *, booking: Booking, amount: Decimal, actor, meta: RequestMeta, reason: str = "", **kwargs
) -> None:
    """Owe back what the cancellation policy gives, in the cancellation's own transaction."""
    services.refund_for_policy(booking=booking, amount=amount, actor=actor, meta=meta, reason=reason)
