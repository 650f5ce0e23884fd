"""Receivers of other apps' signals, connected in BookingsConfig.ready()."""

from django.dispatch import receiver

from bookings import services
from schedules.models import ClassSession
from schedules.signals import class_session_cancelled


@receiver(class_session_cancelled, sender=ClassSession, dispatch_uid="bookings.cancel_session_bookings")
def cancel_bookings_of_cancelled_session(sender, session: ClassSession, reason: str, actor=None, **kwargs) -> None:
    """Runs inside the session's cancelling transaction: all or nothing."""
    services.cancel_all_for_session(session=session, reason=reason, actor=actor)
