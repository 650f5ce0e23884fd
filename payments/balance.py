"""What a client still owes on a booking: a pure rule over its money figures.

Kept apart from the ORM like ``payments.state``; ``payments.selectors.with_balance``
computes the same figure in SQL for the admin's list and its "unpaid" filter.
"""

from __future__ import annotations

from decimal import Decimal

from bookings.transitions import Status

# A booking that ended without the session owes only its fee (late cancellation, no-show).
OWES_FEE_ONLY = frozenset({Status.CANCELLED, Status.DECLINED, Status.EXPIRED, Status.NO_SHOW})
ZERO = Decimal("0.00")


def balance_due(
    *, status: str, total: Decimal, fee: Decimal, paid: Decimal, refunded: Decimal, refund_pending: Decimal
) -> Decimal:
    """The price (or, for a booking that ended, the fee) less what the studio keeps of what was paid."""
    kept = paid - refunded - refund_pending
    owed = fee if status in OWES_FEE_ONLY else total
    return max(owed - kept, ZERO)
