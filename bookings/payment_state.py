"""The derived payment state of a booking: a pure function of its money figures (kept by payments).

Kept apart from the ORM so every combination can be tested without a database; the
booking's cancelled/completed status is never changed by it.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class PaymentState(StrEnum):
    FREE = "free"
    UNPAID = "unpaid"
    DEPOSIT_PAID = "deposit_paid"
    PAID = "paid"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"
    REFUND_PENDING = "refund_pending"
    DISPUTED = "disputed"


def payment_state(
    *,
    total: Decimal,
    paid: Decimal,
    refunded: Decimal,
    refund_pending: Decimal = Decimal("0"),
    disputed: bool = False,
) -> PaymentState:
    """Return the state; a dispute outranks everything, then pending refunds, then refunds."""
    if min(total, paid, refunded, refund_pending) < 0:
        raise ValueError("money figures are never negative")
    if refunded + refund_pending > paid:
        raise ValueError("refunds never exceed what was paid")
    if disputed:
        return PaymentState.DISPUTED
    if refund_pending:
        return PaymentState.REFUND_PENDING
    if refunded:
        return PaymentState.REFUNDED if refunded == paid else PaymentState.PARTLY_REFUNDED
    if paid and paid >= total:
        return PaymentState.PAID
    if paid:
        return PaymentState.DEPOSIT_PAID
    return PaymentState.FREE if not total else PaymentState.UNPAID


# What a client and the desk read for each state (the booking lists, the detail page, admin).
LABELS = {
    PaymentState.FREE: _("Free"),
    PaymentState.UNPAID: _("Pay at the studio"),
    PaymentState.DEPOSIT_PAID: _("Partly paid"),
    PaymentState.PAID: _("Paid"),
    PaymentState.PARTLY_REFUNDED: _("Partly refunded"),
    PaymentState.REFUNDED: _("Refunded"),
    PaymentState.REFUND_PENDING: _("Refund owed"),
    PaymentState.DISPUTED: _("Disputed"),
}
