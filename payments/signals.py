"""Signals the ledger sends after money moves online, for the messages (receipts, failures, refunds).

Sent inside the transaction that moved the money; a receiver that writes an outbox row
writes it in the same transaction (invariant 4). kwargs as named.
"""

from django.dispatch import Signal

# A payment succeeded (online, by webhook). kwargs: payment (Payment), booking (Booking).
payment_succeeded = Signal()

# An online payment failed or its Checkout page expired unpaid. kwargs: payment, booking, reason (str).
payment_failed = Signal()

# Money went back to the client (the provider confirmed the refund). kwargs: refund (Refund), booking.
refund_succeeded = Signal()

# A payment came after its hold ended and the spot or time was gone: it is being given
# back in full. kwargs: payment, booking, refund (Refund, pending until the provider confirms).
late_payment_refunded = Signal()
