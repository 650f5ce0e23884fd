"""Signals bookings sends, so the waitlist can react without bookings importing it."""

from django.dispatch import Signal

# Sent inside the transaction that frees spots in a class session (cancellation,
# smaller party, move to another session). kwargs: session_id (int), quantity (int).
spots_released = Signal()
