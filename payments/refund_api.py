"""Refunds of online payments go to Stripe after the refund row is committed.

The row is owed (pending) from the moment it is written, and stays so until Stripe's
refund webhook confirms it (payments.webhooks). The call carries the refund's own
Idempotency-Key, so a retried task, or a second sweep, asks Stripe once.
"""

from __future__ import annotations

import logging

from django.db import transaction

from payments import stripe_api
from payments.models import Refund, RefundStatus

log = logging.getLogger(__name__)


def send_after_commit(refund: Refund) -> None:
    pk = refund.pk

    def queue() -> None:
        from payments.tasks import send_stripe_refund

        send_stripe_refund.delay(pk)

    transaction.on_commit(queue)


def send_refund(refund_id: int) -> str:
    """Ask Stripe for a refund row still owed and not yet sent; returns Stripe's refund id ("" if none)."""
    refund = Refund.objects.select_related("payment", "booking").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING or refund.provider_refund_id:
        return refund.provider_refund_id
    if not refund.payment.payment_intent_id:
        log.error("refund %s: its payment %s has no payment intent", refund.pk, refund.payment_id)
        return ""
    stripe_id = stripe_api.create_refund(
        payment_intent=refund.payment.payment_intent_id,
        amount=refund.amount,
        currency=refund.currency,
        metadata={"refund": str(refund.pk), "booking": refund.booking.reference},
        idempotency_key=f"shala-refund-{refund.pk}",
    )
    Refund.objects.filter(pk=refund.pk, provider_refund_id="").update(provider_refund_id=stripe_id)
    return stripe_id
