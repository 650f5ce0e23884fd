"""Signals bookings sends, so the waitlist can react without bookings importing it."""

from django.dispatch import Signal

# Sent inside the transaction that frees spots in a class session (cancellation,
# smaller party, move to another session). kwargs: session_id (int), quantity (int).
spots_released = Signal()

# Sent inside the transaction that frees a therapist's time (cancellation, decline,
# expiry, move). kwargs: practitioner_id (int), starts_at, ends_at (aware datetimes).
therapy_time_released = Signal()

# Sent inside a cancellation's transaction, with the booking row locked, when the policy
# gives money back: the ledger (payments) records the refund owed in the same transaction.
# kwargs: booking (Booking, locked), amount (Decimal > 0), actor (User | None),
# meta (bookings.services.RequestMeta), reason (str).
refund_due = Signal()

# Sent inside release_hold's transaction when a pending hold ends without a booking
# (expired or cancelled): the ledger closes the hold's open online checkout after commit.
# kwargs: booking (Booking, locked), to (str: the status it ended in).
hold_released = Signal()

# Sent inside approve_request's transaction when an approved request of a pay-online
# therapy type becomes a hold waiting for its payment: the ledger opens a Checkout page
# after commit and sends the client the link. kwargs: booking (Booking, locked).
hold_awaits_payment = Signal()
