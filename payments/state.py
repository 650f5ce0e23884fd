"""The derived payment state, where the ledger's code looks for it.

The pure derivation lives with the booking's counters (bookings.payment_state): bookings
never imports payments (docs/architecture.md), and its pages show the state too.
"""

from bookings.payment_state import LABELS, PaymentState, payment_state

__all__ = ["LABELS", "PaymentState", "payment_state"]
