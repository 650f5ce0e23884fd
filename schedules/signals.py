"""Signals other apps listen to, so schedules never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that cancels a class session.
# kwargs: session (ClassSession), reason (str), actor (User | None)
class_session_cancelled = Signal()

# Sent inside the transaction that raises a scheduled class session's capacity (staff
# edit), so the waitlist can fill the new spots. kwargs: session_id (int), added (int).
class_session_capacity_raised = Signal()
