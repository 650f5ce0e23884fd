"""Signals other apps listen to, so schedules never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that cancels a class session.
# kwargs: session (ClassSession), reason (str), actor (User | None)
class_session_cancelled = Signal()
