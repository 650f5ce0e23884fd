"""The ledger's write paths: one function per action, each one transaction under the booking's lock.

Callers import from here (``from payments import services``).
"""

from payments.services.core import (
    ADD_PAYMENT,
    ADD_REFUND,
    CHANGE_PAYMENT,
    CHANGE_REFUND,
    PaymentError,
    due,
    refundable,
)
from payments.services.payments import mark_payment_failed, mark_payment_succeeded, record_payment
from payments.services.refunds import (
    mark_refund_failed,
    mark_refund_paid,
    record_refund,
    refund_for_policy,
    refundable_on,
)

__all__ = [
    "ADD_PAYMENT",
    "ADD_REFUND",
    "CHANGE_PAYMENT",
    "CHANGE_REFUND",
    "PaymentError",
    "due",
    "mark_payment_failed",
    "mark_payment_succeeded",
    "mark_refund_failed",
    "mark_refund_paid",
    "record_payment",
    "record_refund",
    "refund_for_policy",
    "refundable",
    "refundable_on",
]
